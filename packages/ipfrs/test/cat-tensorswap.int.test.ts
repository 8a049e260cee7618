import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { tempDir } from '@ipfrs/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Node } from '../src/index.js'
import { linkTensorSwap, onlineNode } from './helpers.js'

const MiB = 1024 * 1024
const LEAF = 256 * 1024

/** Pseudo-random bytes (incompressible, the same for a seed). */
function bytes(size: number, seed: string): Uint8Array {
  const out = new Uint8Array(size)
  let block = createHash('sha256').update(seed).digest()
  for (let i = 0; i < size; i += 32) {
    out.set(block.subarray(0, Math.min(32, size - i)), i)
    block = createHash('sha256').update(block).digest()
  }
  return out
}

async function catAll(node: Node, cid: string, options: { offset?: number; length?: number } = {}): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const part of node.cat(cid, options)) parts.push(part)
  return Buffer.concat(parts)
}

const sent = (node: Node) => node.tensor.serverStats?.chunksSent ?? 0
/** Blocks `node`'s reads asked of peers over Bitswap so far. */
const overBitswap = (node: Node) => node.network.blocksAsked

describe('cat and get between IPFRS nodes: the leaves come over TensorSwap, the rest over Bitswap', () => {
  let a: Node // has the files
  let b: Node // reads them
  let idle: Node // speaks TensorSwap, has none of the files
  let cleanup: () => Promise<void>
  let dir: string

  beforeAll(async () => {
    const t = await tempDir()
    dir = t.dir
    ;[a, b, idle] = (await Promise.all(['a', 'b', 'idle'].map((n) => onlineNode(join(t.dir, n))))) as [Node, Node, Node]
    await linkTensorSwap(b, idle)
    await linkTensorSwap(b, a)
    cleanup = async () => {
      await Promise.allSettled([a.stop(), b.stop(), idle.stop()])
      await t.cleanup()
    }
  })
  afterAll(async () => cleanup?.())

  // with dag-pb leaves the first leaf comes over Bitswap: the leaf list is derived by walking down the first links
  // until a node without links, which is the first leaf (a raw leaf is known by its CID alone)
  it('cat of a Kubo-layout file (CIDv0, dag-pb leaves): the leaves over TensorSwap, the bytes exact', async () => {
    const file = bytes(16 * MiB + 1000, 'kubo layout')
    const { cid } = await a.addBytes(file)
    const [before, asked] = [sent(a), overBitswap(b)]
    const got = await catAll(b, cid.toString())
    expect(Buffer.compare(got, Buffer.from(file))).toBe(0)
    // 65 leaves under the root: the root and the first leaf over Bitswap (each read by the walk that derives the leaf
    // list and, at the same time, perhaps by the exporter: one want), the other 64 over TensorSwap (a leaf stolen by
    // one of the provider's streams from another while in flight may be sent twice)
    expect(overBitswap(b) - asked).toBeLessThanOrEqual(4)
    expect(sent(a) - before).toBeGreaterThanOrEqual(Math.ceil(file.byteLength / LEAF) - 1)
    expect(idle.tensor.serverStats?.chunksSent).toBe(0) // asked, it had nothing to give
    // what b stored is the file DAG itself: cat again offline-fast, and b can serve it on
    expect(Buffer.compare(await catAll(b, cid.toString()), Buffer.from(file))).toBe(0)
  })

  it('cat of a byte range moves only the leaves that cover it', async () => {
    const file = bytes(12 * MiB, 'range')
    const { cid } = await a.addBytes(file, { rawLeaves: true, cidVersion: 1 })
    const [before, asked] = [sent(a), overBitswap(b)]
    const offset = 3 * MiB + 17
    const length = 3 * MiB
    const got = await catAll(b, cid.toString(), { offset, length })
    expect(Buffer.compare(got, Buffer.from(file.subarray(offset, offset + length)))).toBe(0)
    const covering = Math.floor((offset + length - 1) / LEAF) - Math.floor(offset / LEAF) + 1
    expect(overBitswap(b) - asked).toBeLessThanOrEqual(2) // the root (raw leaves are known by their CIDs)
    expect(sent(a) - before).toBeGreaterThanOrEqual(covering)
    expect(sent(a) - before).toBeLessThan(Math.ceil(file.byteLength / LEAF)) // not the whole file
  })

  it('a reader slower than TensorSwap: the leaves past what is kept in memory come from the repo, not Bitswap', async () => {
    const file = bytes(40 * MiB, 'slow reader') // more than the 16 MiB of landed leaves a read keeps in memory
    const { cid } = await a.addBytes(file)
    const [before, asked] = [sent(a), overBitswap(b)]
    const leaves = Math.ceil(file.byteLength / LEAF)
    const parts: Uint8Array[] = []
    const { waitFor } = await import('@ipfrs/test-utils')
    for await (const part of b.cat(cid.toString())) {
      // the first bytes read, the rest only once every leaf has landed
      if (parts.length === 0) await waitFor(() => sent(a) - before >= leaves - 1, { what: 'every leaf to be sent' })
      parts.push(part)
    }
    expect(Buffer.compare(Buffer.concat(parts), Buffer.from(file))).toBe(0)
    expect(overBitswap(b) - asked).toBeLessThanOrEqual(4) // the root and the first leaf
  })

  it('get writes the file to disk the same way', async () => {
    const file = bytes(5 * MiB, 'get')
    const { cid } = await a.addBytes(file)
    const [before, asked] = [sent(a), overBitswap(b)]
    const out = join(dir, 'got.bin')
    expect(await b.get(cid.toString(), out)).toBe(file.byteLength)
    const { readFile } = await import('node:fs/promises')
    expect(Buffer.compare(await readFile(out), Buffer.from(file))).toBe(0)
    expect(overBitswap(b) - asked).toBeLessThanOrEqual(4) // the root and the first of 20 leaves
    expect(sent(a) - before).toBeGreaterThanOrEqual(19)
  })

  it('a read stopped early ends its TensorSwap stream', async () => {
    const file = bytes(32 * MiB, 'stopped early')
    const { cid } = await a.addBytes(file)
    for await (const _ of b.cat(cid.toString())) break
    const stats = () => a.tensor.serverStats
    const { waitFor } = await import('@ipfrs/test-utils')
    await waitFor(() => stats()?.active === 0, { what: 'the stream to end' })
    expect(sent(a)).toBeGreaterThan(0)
  })

  it('a TensorSwap provider that goes away mid-read: Bitswap brings the rest, the bytes exact', async () => {
    const file = bytes(48 * MiB, 'provider gone')
    const { cid } = await a.addBytes(file)
    const before = sent(a)
    let viaTensorSwap = 0
    // its TensorSwap server stops once it has sent a few leaves (it still answers Bitswap)
    const stopped = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (sent(a) - before < 8) return
        clearInterval(timer)
        viaTensorSwap = sent(a) - before
        void a.tensor.stop().then(resolve)
      }, 1)
    })
    try {
      const got = await catAll(b, cid.toString())
      expect(Buffer.compare(got, Buffer.from(file))).toBe(0)
    } finally {
      await stopped
      await a.tensor.start()
    }
    expect(viaTensorSwap).toBeGreaterThan(0)
    expect(viaTensorSwap).toBeLessThan(file.byteLength / LEAF / 2) // most came over Bitswap
  })

  // a read yields views of its blocks' buffers, not copies (unixfs-read.ts): a caller writing into them must not
  // change what any repo holds, whether the block came from disk, over TensorSwap or over Bitswap
  it('a caller that writes into the bytes a read gives it changes no stored block', async () => {
    const t = await tempDir()
    // fresh readers: one takes the leaves over TensorSwap, one (TensorSwap off) every block over Bitswap. Not b: an
    // earlier test restarts a's TensorSwap, and b may not have heard (identify) that a speaks it again
    const [s, c] = await Promise.all([
      onlineNode(join(t.dir, 's')),
      onlineNode(join(t.dir, 'c'), { config: { Routing: { TensorSwapFiles: false } } }),
    ])
    try {
      await Promise.all([linkTensorSwap(s, a), linkTensorSwap(c, a)])
      const file = bytes(6 * MiB + 123, 'scribbled on')
      const { cid } = await a.addBytes(file)
      const scribble = async (node: Node) => {
        const hash = createHash('sha256')
        let n = 0
        for await (const part of node.cat(cid.toString())) {
          hash.update(part)
          n += part.byteLength
          part.fill(0xaa) // what a caller reusing the buffer would do
        }
        return { n, sha256: hash.digest('hex') }
      }
      const want = { n: file.byteLength, sha256: createHash('sha256').update(file).digest('hex') }
      const [before, asked] = [sent(a), overBitswap(c)]
      expect(await scribble(s)).toEqual(want) // leaves over TensorSwap
      expect(sent(a) - before).toBeGreaterThan(20)
      expect(await scribble(c)).toEqual(want) // every block over Bitswap
      expect(overBitswap(c) - asked).toBe(26)
      expect(await scribble(a)).toEqual(want) // from its own repo
      // and each repo still holds the file: read again (from disk now), and a fourth node fetches it from s
      for (const node of [a, s, c])
        expect(Buffer.compare(await catAll(node, cid.toString()), Buffer.from(file))).toBe(0)
      const d = await onlineNode(join(t.dir, 'd'))
      try {
        await linkTensorSwap(d, s)
        expect(Buffer.compare(await catAll(d, cid.toString()), Buffer.from(file))).toBe(0)
      } finally {
        await d.stop()
      }
    } finally {
      await Promise.allSettled([s.stop(), c.stop()])
      await t.cleanup()
    }
  })

  it('with Routing.TensorSwapFiles off every block comes over Bitswap', async () => {
    const t = await tempDir()
    const c = await onlineNode(join(t.dir, 'c'), { config: { Routing: { TensorSwapFiles: false } } })
    try {
      await linkTensorSwap(c, a)
      const file = bytes(3 * MiB, 'bitswap only')
      const { cid } = await a.addBytes(file)
      const [before, asked] = [sent(a), overBitswap(c)]
      expect(Buffer.compare(await catAll(c, cid.toString()), Buffer.from(file))).toBe(0)
      expect(sent(a)).toBe(before)
      expect(overBitswap(c) - asked).toBe(13) // the root and 12 leaves
    } finally {
      await c.stop()
      await t.cleanup()
    }
  })
})
