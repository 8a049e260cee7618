import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { type CID, cidOf } from '@ipfrs/core'
import type { FsBlockstore } from 'blockstore-fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  CompressionBlockstore,
  CorruptFrameError,
  collectBytes,
  compressFrame,
  decompressFrame,
  detectFrame,
  MAGIC,
} from '../src/index.js'
import { tempFiles } from './helpers.js'

const ALGORITHMS = ['zstd', 'lz4', 'snappy'] as const

/** Byte equality without vitest's element-by-element diffing, which takes seconds on megabytes. */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)

function textLike(size: number): Uint8Array {
  const words = ['content', 'address', 'block', 'peer', 'the', 'of', 'graph', 'tensor', 'rule', 'and', 'a', 'node']
  let s = ''
  let x = 7
  while (s.length < size) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    s += `${words[x % words.length]} `
  }
  return new TextEncoder().encode(s.slice(0, size))
}

describe('CompressionBlockstore', () => {
  let files: FsBlockstore
  let fileOf: (cid: CID) => string
  let cleanup: () => Promise<void>
  beforeEach(async () => {
    ;({ files, fileOf, cleanup } = await tempFiles())
  })
  afterEach(async () => cleanup())

  it.each(ALGORITHMS)(
    '%s: text shrinks, random stays readable, tiny blocks stay raw; the CID hashes the original',
    async (algorithm) => {
      const store = new CompressionBlockstore(files, { algorithm })
      const text = textLike(256 * 1024)
      const random = new Uint8Array(randomBytes(256 * 1024))
      const tiny = new TextEncoder().encode('tiny')
      for (const bytes of [text, random, tiny]) {
        const cid = cidOf(bytes, 0x55)
        await store.put(cid, bytes)
        expect(same(await collectBytes(store.get(cid)), bytes)).toBe(true)
      }
      const storedText = await readFile(fileOf(cidOf(text, 0x55)))
      expect(detectFrame(storedText)).toBe(algorithm)
      expect(storedText.byteLength).toBeLessThan(text.byteLength / 2)
      expect([...storedText.subarray(0, 4)]).toEqual([...MAGIC[algorithm]])
      // incompressible data is stored as it is rather than grown
      expect((await readFile(fileOf(cidOf(random, 0x55)))).byteLength).toBe(random.byteLength)
      expect(new Uint8Array(await readFile(fileOf(cidOf(tiny, 0x55))))).toEqual(tiny)
    },
  )

  it('reads a repo holding blocks written under every setting, whatever it is set to now', async () => {
    const blocks: Array<{ cid: CID; bytes: Uint8Array }> = []
    for (const algorithm of ['none', ...ALGORITHMS] as const) {
      const bytes = textLike(100_000 + blocks.length)
      const cid = cidOf(bytes, 0x55)
      await new CompressionBlockstore(files, { algorithm }).put(cid, bytes)
      blocks.push({ cid, bytes })
    }
    for (const algorithm of ['none', ...ALGORITHMS] as const) {
      const reader = new CompressionBlockstore(files, { algorithm })
      for (const { cid, bytes } of blocks) expect(same(await collectBytes(reader.get(cid)), bytes)).toBe(true)
    }
  })

  it('a raw block that happens to begin with a frame magic round-trips', async () => {
    const store = new CompressionBlockstore(files, { algorithm: 'none' })
    for (const magic of Object.values(MAGIC)) {
      const bytes = new Uint8Array([...magic, ...randomBytes(1000)])
      const cid = cidOf(bytes, 0x55)
      await store.put(cid, bytes)
      expect(detectFrame(await readFile(fileOf(cid)))).toBe('raw')
      expect(same(await collectBytes(store.get(cid)), bytes)).toBe(true)
    }
  })

  it('a truncated or garbage frame is ERR_CORRUPT_FRAME and other blocks still read', async () => {
    const store = new CompressionBlockstore(files, { algorithm: 'zstd' })
    const good = textLike(50_000)
    const victims = []
    for (const algorithm of ALGORITHMS) {
      const bytes = textLike(60_000 + victims.length)
      const cid = cidOf(bytes, 0x55)
      await new CompressionBlockstore(files, { algorithm }).put(cid, bytes)
      victims.push(cid)
    }
    await store.put(cidOf(good, 0x55), good)
    for (const [i, cid] of victims.entries()) {
      const stored = await readFile(fileOf(cid))
      // truncate one, scribble over the middle of another
      await writeFile(
        fileOf(cid),
        i === 0 ? stored.subarray(0, stored.byteLength / 2) : Buffer.concat([stored.subarray(0, 6), randomBytes(64)]),
      )
      const err = await collectBytes(store.get(cid)).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(CorruptFrameError)
      expect((err as CorruptFrameError).code).toBe('ERR_CORRUPT_FRAME')
    }
    expect(await collectBytes(store.get(cidOf(good, 0x55)))).toEqual(good)
  })

  it('concurrent puts of the same block share one write', async () => {
    let writes = 0
    const counting = Object.assign(Object.create(files), {
      put: (...args: Parameters<FsBlockstore['put']>) => {
        writes++
        return files.put(...args)
      },
    }) as FsBlockstore
    const store = new CompressionBlockstore(counting, { algorithm: 'lz4' })
    const bytes = textLike(4096)
    const cid = cidOf(bytes, 0x55)
    await Promise.all(Array.from({ length: 50 }, () => store.put(cid, bytes)))
    expect(writes).toBe(1)
    await store.put(cid, bytes) // a later put writes again (it refreshes the block's age)
    expect(writes).toBe(2)
    expect(same(await collectBytes(store.get(cid)), bytes)).toBe(true)
  })

  it('refuses decompression bombs before inflating them', () => {
    const zeros = new Uint8Array(4 * 1024 * 1024)
    for (const algorithm of ALGORITHMS) {
      const frame = compressFrame(zeros, { algorithm })
      expect(frame.byteLength).toBeLessThan(300_000)
      expect(same(decompressFrame(frame, 8 * 1024 * 1024), zeros)).toBe(true)
      expect(() => decompressFrame(frame, 1024 * 1024)).toThrow(CorruptFrameError)
    }
    // an lz4 frame that lies about its size
    const lying = compressFrame(textLike(10_000), { algorithm: 'lz4' })
    new DataView(lying.buffer, lying.byteOffset + 4, 4).setUint32(0, 0xfffffff0, true)
    expect(() => decompressFrame(lying)).toThrow(/more than the/)
  })
})
