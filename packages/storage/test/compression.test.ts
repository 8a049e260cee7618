import { createHash, randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { cidOf } from '@ipfrs/core'
import type { FsBlockstore } from 'blockstore-fs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { collectBytes } from '../src/bytes.js'
import { CompressionBlockstore, compressFrame, decompressFrame, detectFrame, MAGIC } from '../src/compression.js'
import { CorruptFrameError } from '../src/errors.js'
import { tempFiles } from './helpers.js'

const CODECS = ['zstd', 'lz4', 'snappy'] as const
const KiB = 1024

/** Byte equality without vitest's element-by-element diffing, which takes seconds on megabytes. */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)
const rawCid = (bytes: Uint8Array) => cidOf(bytes, raw.code)

/** Deterministic English-like text (a seeded xorshift over a word list). */
function textLike(size: number, seed = 7): Uint8Array {
  const words = ['content', 'address', 'block', 'peer', 'the', 'of', 'graph', 'tensor', 'rule', 'and', 'a', 'node']
  let s = ''
  let x = seed
  while (s.length < size) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    s += `${words[(x >>> 0) % words.length]}${(x >>> 0) % 13 === 0 ? '.\n' : ' '}`
  }
  return new TextEncoder().encode(s.slice(0, size))
}

async function expectCorrupt(promise: Promise<unknown>): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(CorruptFrameError)
  expect((err as CorruptFrameError).code).toBe('ERR_CORRUPT_FRAME')
}

describe('CompressionBlockstore over blockstore-fs', () => {
  let files: FsBlockstore
  let fileOf: (cid: CID) => string
  let cleanup: () => Promise<void>
  beforeEach(async () => {
    ;({ files, fileOf, cleanup } = await tempFiles())
  })
  afterEach(async () => cleanup())
  const stored = async (cid: CID) => collectBytes(files.get(cid))

  it.each(CODECS)('%s: 256 KiB text and random blocks and tiny blocks round-trip', async (algorithm) => {
    const store = new CompressionBlockstore(files, { algorithm })
    const text = textLike(256 * KiB)
    const random = new Uint8Array(randomBytes(256 * KiB))
    const tiny = new TextEncoder().encode('a block under 256 bytes')
    const edge = textLike(255)
    for (const bytes of [text, random, tiny, edge]) {
      await store.put(rawCid(bytes), bytes)
      expect(same(await collectBytes(store.get(rawCid(bytes))), bytes)).toBe(true)
    }
    const file = await readFile(fileOf(rawCid(text)))
    expect([...file.subarray(0, 4)]).toEqual([...MAGIC[algorithm]])
    expect(detectFrame(file)).toBe(algorithm)
    expect(file.byteLength).toBeLessThan(text.byteLength / 1.5)
    // incompressible and tiny blocks are stored exactly as given, with no frame
    for (const bytes of [random, tiny, edge]) expect(same(await stored(rawCid(bytes)), bytes)).toBe(true)
    // a 256-byte text block is big enough to compress
    const minimum = textLike(256, 99)
    await store.put(rawCid(minimum), minimum)
    expect(detectFrame(await stored(rawCid(minimum)))).toBe(algorithm)
  })

  it('none stores blocks as they are', async () => {
    const store = new CompressionBlockstore(files, { algorithm: 'none' })
    const text = textLike(256 * KiB)
    await store.put(rawCid(text), text)
    expect(same(await stored(rawCid(text)), text)).toBe(true)
  })

  it('the CID is the sha-256 of the uncompressed bytes, not of what is stored', async () => {
    const text = textLike(256 * KiB, 3)
    const cid = CID.createV1(raw.code, await sha256.digest(text))
    const store = new CompressionBlockstore(files, { algorithm: 'zstd' })
    expect((await store.put(cid, text)).equals(cid)).toBe(true)
    expect(same(await collectBytes(store.get(cid)), text)).toBe(true)
    const file = await stored(cid)
    expect(file.byteLength).toBeLessThan(text.byteLength)
    expect(createHash('sha256').update(file).digest()).not.toEqual(Buffer.from(cid.multihash.digest))
    expect(Buffer.from(createHash('sha256').update(text).digest())).toEqual(Buffer.from(cid.multihash.digest))
  })

  it('reads a repo holding blocks written under every setting, whatever it is set to now', async () => {
    const blocks = (['none', ...CODECS] as const).map((algorithm, i) => ({
      algorithm,
      bytes: textLike(100_000, i + 1),
    }))
    for (const { algorithm, bytes } of blocks)
      await new CompressionBlockstore(files, { algorithm }).put(rawCid(bytes), bytes)
    expect(await Promise.all(blocks.map(async ({ bytes }) => detectFrame(await stored(rawCid(bytes)))))).toEqual([
      'plain',
      ...CODECS,
    ])
    for (const algorithm of ['none', ...CODECS] as const) {
      const reader = new CompressionBlockstore(files, { algorithm, level: 19 })
      for (const { bytes } of blocks) expect(same(await collectBytes(reader.get(rawCid(bytes))), bytes)).toBe(true)
      let count = 0
      // blockstore-fs names files by multihash, so getAll gives CIDv0s: match blocks on their multihash
      for await (const pair of reader.getAll()) {
        const want = blocks.find((b) => rawCid(b.bytes).multihash.bytes.join() === pair.cid.multihash.bytes.join())!
        expect(same(await collectBytes(pair.bytes), want.bytes)).toBe(true)
        count++
      }
      expect(count).toBe(blocks.length)
    }
  })

  it('an uncompressed block that begins with a frame magic is escaped and round-trips', async () => {
    for (const algorithm of ['none', 'zstd', 'lz4'] as const) {
      const store = new CompressionBlockstore(files, { algorithm })
      for (const magic of Object.values(MAGIC)) {
        // tiny (under minSize), incompressible, and the bare magic
        for (const tail of [randomBytes(10), randomBytes(4000), new Uint8Array(0)]) {
          const bytes = new Uint8Array([...magic, ...tail])
          await store.put(rawCid(bytes), bytes)
          const file = await stored(rawCid(bytes))
          expect([...file.subarray(0, 4)]).toEqual([...MAGIC.raw])
          expect(same(file.subarray(4), bytes)).toBe(true)
          expect(same(await collectBytes(store.get(rawCid(bytes))), bytes)).toBe(true)
        }
      }
    }
  })

  it('a truncated, garbled or bit-flipped frame is ERR_CORRUPT_FRAME and other blocks still read', async () => {
    const good = textLike(50_000, 42)
    await new CompressionBlockstore(files, { algorithm: 'zstd' }).put(rawCid(good), good)
    const reader = new CompressionBlockstore(files, { algorithm: 'none' })
    const damage = [
      (f: Buffer) => f.subarray(0, f.byteLength >> 1),
      (f: Buffer) => f.subarray(0, 4),
      (f: Buffer) => f.subarray(0, 6),
      (f: Buffer) => Buffer.concat([f.subarray(0, 10), randomBytes(64)]),
      (f: Buffer) => Buffer.concat([f.subarray(0, 4), Buffer.alloc(40, 0xff)]),
    ]
    for (const algorithm of CODECS) {
      for (const [i, hurt] of damage.entries()) {
        const bytes = textLike(60_000, 100 + i)
        const cid = rawCid(bytes)
        await new CompressionBlockstore(files, { algorithm }).put(cid, bytes)
        await writeFile(fileOf(cid), hurt(await readFile(fileOf(cid))))
        await expectCorrupt(collectBytes(reader.get(cid)))
        await files.delete(cid)
      }
    }
    // zstd frames carry zstd's content checksum: a flipped bit in the middle is caught, not returned
    const bytes = textLike(60_000, 7)
    await new CompressionBlockstore(files, { algorithm: 'zstd' }).put(rawCid(bytes), bytes)
    const file = await readFile(fileOf(rawCid(bytes)))
    file[file.byteLength >> 1]! ^= 0x10
    await writeFile(fileOf(rawCid(bytes)), file)
    await expectCorrupt(collectBytes(reader.get(rawCid(bytes))))
    expect(same(await collectBytes(reader.get(rawCid(good))), good)).toBe(true)
  })

  it('refuses decompression bombs, in frames and through the store', async () => {
    const zeros = new Uint8Array(4 * 1024 * KiB)
    for (const algorithm of CODECS) {
      const frame = compressFrame(zeros, { algorithm })
      expect(frame.byteLength).toBeLessThan(zeros.byteLength / 10)
      expect(same(decompressFrame(frame), zeros)).toBe(true)
      expect(() => decompressFrame(frame, 1024 * KiB)).toThrow(CorruptFrameError)
      const cid = rawCid(zeros)
      await new CompressionBlockstore(files, { algorithm }).put(cid, zeros)
      await expectCorrupt(
        collectBytes(new CompressionBlockstore(files, { algorithm, maxBlockSize: 1024 * KiB }).get(cid)),
      )
      await files.delete(cid)
    }
    // frames that lie about their size are refused before anything is inflated
    const lz4 = compressFrame(textLike(10_000), { algorithm: 'lz4' })
    new DataView(lz4.buffer, lz4.byteOffset + 4, 4).setUint32(0, 0xfffffff0, true)
    expect(() => decompressFrame(lz4)).toThrow(/more than the/)
    const snappy = Uint8Array.of(...MAGIC.snappy, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00)
    expect(() => decompressFrame(snappy)).toThrow(/more than the/)
  })

  it('a block larger than maxBlockSize is stored uncompressed, so it stays readable', async () => {
    const store = new CompressionBlockstore(files, { algorithm: 'zstd', maxBlockSize: 64 * KiB })
    const big = textLike(100 * KiB)
    await store.put(rawCid(big), big)
    expect(same(await stored(rawCid(big)), big)).toBe(true)
    expect(same(await collectBytes(store.get(rawCid(big))), big)).toBe(true)
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
    await Promise.all(Array.from({ length: 50 }, () => store.put(rawCid(bytes), bytes)))
    expect(writes).toBe(1)
    expect(same(await collectBytes(store.get(rawCid(bytes))), bytes)).toBe(true)
  })

  it('rejects unknown algorithms and out-of-range settings', () => {
    expect(() => new CompressionBlockstore(files, { algorithm: 'brotli' as 'zstd' })).toThrow(TypeError)
    expect(() => new CompressionBlockstore(files, { algorithm: 'zstd', level: 0 })).toThrow(TypeError)
    expect(() => new CompressionBlockstore(files, { algorithm: 'zstd', minSize: -1 })).toThrow(TypeError)
    expect(new CompressionBlockstore(files, { algorithm: 'lz4' }).options).toEqual({
      algorithm: 'lz4',
      level: 3,
      minSize: 256,
      maxBlockSize: 8 * 1024 * KiB,
    })
  })
})
