import { join } from 'node:path'
import { tempDir } from '@ipfrs/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Node } from '../src/index.js'
import { onlineNode, vectorBytes } from './helpers.js'

const MiB = 1024 * 1024
/** 16 KiB leaves: 1024 of them for 16 MiB, under 6 interior nodes (at most 174 links each) and the root. */
const CHUNKER = 'size-16384'
const LEAVES = 1024

describe('a cat that ends before the file does (the reader stops, or the peer goes away)', () => {
  let a: Node // has the file
  let b: Node // reads it over Bitswap (a three-level DAG: the exporter walks each interior node's leaves in turn)
  let cleanup: () => Promise<void>
  const unhandled: unknown[] = []
  const record = (reason: unknown) => unhandled.push(reason)

  beforeEach(async () => {
    const t = await tempDir()
    a = await onlineNode(join(t.dir, 'a'))
    b = await onlineNode(join(t.dir, 'b'), { config: { Routing: { TensorSwapFiles: false } } })
    await b.network.connect(a.network.addresses()[0] as string)
    unhandled.length = 0
    process.on('unhandledRejection', record)
    cleanup = async () => {
      process.off('unhandledRejection', record)
      await Promise.allSettled([a.stop(), b.stop()])
      await t.cleanup()
    }
  })
  afterEach(async () => cleanup?.())

  it('a reader that stops after the first bytes ends the fetch: the rest of the file is not asked for', async () => {
    const { cid } = await a.addFile(vectorBytes(16 * MiB, 7, 3), { chunker: CHUNKER })
    const asked = b.network.blocksAsked
    for await (const first of b.cat(cid)) {
      expect(first.byteLength).toBeGreaterThan(0)
      break
    }
    await new Promise((resolve) => setTimeout(resolve, 1000))
    // the root, an interior node and the exporter's read-ahead (32 leaves), not the file's 1024 leaves
    expect(b.network.blocksAsked - asked).toBeLessThan(LEAVES / 10)
    await a.stop() // the peer going away now fails nothing: no read is left running
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(unhandled).toEqual([])
  })

  it('a peer that goes away mid-read: the read fails with ERR_OFFLINE and leaves no rejection unhandled', async () => {
    const { cid } = await a.addFile(vectorBytes(16 * MiB, 5, 1), { chunker: CHUNKER })
    let read = 0
    const error = await (async () => {
      try {
        for await (const part of b.cat(cid)) {
          if (read === 0) await a.stop() // the exporter is walking the first interior node's leaves
          read += part.byteLength
        }
      } catch (err) {
        return err
      }
    })()
    expect(read).toBeLessThan(16 * MiB)
    // its only peer gone, the wants in flight fail at once instead of waiting out the 10 s retry interval
    expect(error).toMatchObject({ code: 'ERR_OFFLINE' })
    await new Promise((resolve) => setTimeout(resolve, 200))
    // unhandled, the rejections of the exporter's walk of the next interior node ended the process (vitest fails the
    // run for one as well)
    expect(unhandled).toEqual([])
  })
})
