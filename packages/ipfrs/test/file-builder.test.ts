import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { digest, formatCid, validateConfig } from '@ipfrs/core'
import { tempDir } from '@ipfrs/test-utils'
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { UnixFS } from 'ipfs-unixfs'
import { type ImporterOptions, importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import type { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { fileLeafInPlace } from '../src/file-builder.js'
import { importerOptions } from '../src/index.js'
import { framedChunks, readFrames, takeFrame } from '../src/leaf-frames.js'
import { tempNode, vectorBytes } from './helpers.js'

const bytesOf = (size: number, seed = 0) => {
  const out = new Uint8Array(size)
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) % 251
  return out
}

/** `bytes` in pieces of `piece` bytes (a stream's shape, not the chunker's). */
async function* pieces(bytes: Uint8Array, piece: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += piece) yield bytes.slice(at, at + piece)
}

/** Every block stored, as `cid → hex of the bytes`; also checks that each block hashes to its CID. */
async function blocksOf(store: MemoryBlockstore): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for await (const { cid, bytes } of store.getAll()) {
    const block = Buffer.concat(await Array.fromAsync(bytes))
    expect(Buffer.from(digest(block).digest).equals(Buffer.from(cid.multihash.digest)), `block ${cid}`).toBe(true)
    out.set(cid.toString(), block.toString('hex'))
  }
  return out
}

async function importOne(
  content: AsyncIterable<Uint8Array>,
  store: Pick<MemoryBlockstore, 'put'>,
  options: ImporterOptions,
  mtime?: { secs: bigint },
): Promise<CID> {
  let root: CID | undefined
  for await (const entry of importer([{ content, ...(mtime ? { mtime } : {}) }], store, options)) root = entry.cid
  return root!
}

describe('fileLeafInPlace', () => {
  it('gives the bytes dag-pb + ipfs-unixfs give for a file leaf, at every varint width', () => {
    for (const size of [0, 1, 2, 100, 127, 128, 129, 16_383, 16_384, 262_144, 1_048_576]) {
      const chunk = takeFrame(size)
      chunk.set(bytesOf(size, size))
      const expected = dagPb.encode({ Data: new UnixFS({ type: 'file', data: chunk }).marshal(), Links: [] })
      const block = fileLeafInPlace(chunk)
      // compared as Buffers: an element-wise toEqual of MiBs takes most of a minute
      expect(Buffer.from(block).equals(Buffer.from(expected)), `${size} bytes`).toBe(true)
    }
  })

  it('refuses a chunk without room around it (a caller buffer is never written outside the chunk)', () => {
    expect(() => fileLeafInPlace(new Uint8Array(10))).toThrow(RangeError)
  })
})

describe('the file builder gives the stock importer’s DAG', () => {
  // small chunks and 3 links per node, so a few KiB make trees three and four levels deep
  const CHUNK = 1000
  const config = validateConfig({ Import: { UnixFSChunker: `size-${CHUNK}`, UnixFSFileMaxLinks: 3 } })
  const stock = (cidVersion: 0 | 1, rawLeaves: boolean): ImporterOptions => ({
    cidVersion,
    rawLeaves,
    leafType: 'file',
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: CHUNK }),
    layout: balanced({ maxChildrenPerNode: 3 }),
  })
  const sizes = [0, 1, 999, 1000, 1001, 2000, 3000, 3001, 8999, 9000, 9001, 27_000, 27_001, 30_500, 81_001]

  for (const [cidVersion, rawLeaves] of [
    [0, false],
    [1, true],
    [1, false],
  ] as const) {
    it(`same root and same blocks: CIDv${cidVersion}, ${rawLeaves ? 'raw' : 'dag-pb'} leaves`, async () => {
      for (const size of sizes) {
        const bytes = bytesOf(size, size)
        const theirs = new MemoryBlockstore()
        const want = await importOne(pieces(bytes, 777), theirs, stock(cidVersion, rawLeaves))
        const ours = new MemoryBlockstore()
        const got = await importOne(pieces(bytes, 777), ours, importerOptions(config, { cidVersion, rawLeaves }))
        expect(formatCid(got), `${size} bytes`).toBe(formatCid(want))
        expect(await blocksOf(ours), `${size} bytes`).toEqual(await blocksOf(theirs))
        // reusing buffers, into a store that copies what it is given: still every block intact
        const copying = new MemoryBlockstore()
        const put = copying.put.bind(copying)
        const copies = { put: (cid: CID, block: Uint8Array) => put(cid, block.slice()) }
        const again = await importOne(
          pieces(bytes, 333),
          copies,
          importerOptions(config, { cidVersion, rawLeaves }, true),
        )
        expect(formatCid(again), `${size} bytes`).toBe(formatCid(want))
        expect(await blocksOf(copying), `${size} bytes`).toEqual(await blocksOf(theirs))
      }
    })
  }

  it('same root as stock with an mtime (one leaf and many)', async () => {
    for (const size of [10, 5000]) {
      const mtime = { secs: 1_700_000_000n }
      const want = await importOne(pieces(bytesOf(size), 512), new MemoryBlockstore(), stock(0, false), mtime)
      const options = importerOptions(config, { cidVersion: 0, rawLeaves: false })
      const got = await importOne(pieces(bytesOf(size), 512), new MemoryBlockstore(), options, mtime)
      expect(formatCid(got), `${size} bytes`).toBe(formatCid(want))
    }
  })
})

describe('leaf frames', () => {
  it('readFrames cuts a file into whole chunks, the last shorter, none for an empty file (across read batches)', async () => {
    const { dir, cleanup } = await tempDir()
    try {
      for (const size of [0, 1, 4096, 4097, 3 * 4096, 10_000, 4 * 4096, 4 * 4096 + 1, 8 * 4096, 9 * 4096 + 7]) {
        const file = join(dir, `f${size}`)
        const bytes = bytesOf(size)
        await writeFile(file, bytes)
        const chunks = (await Array.fromAsync(readFrames(file, 4096))).map((c) => Buffer.from(c))
        expect(chunks.slice(0, -1).every((c) => c.byteLength === 4096)).toBe(true)
        expect(chunks.every((c) => c.byteLength > 0)).toBe(true)
        expect(Buffer.concat(chunks).equals(Buffer.from(bytes)), `${size} bytes`).toBe(true)
      }
    } finally {
      await cleanup()
    }
  })

  it('framedChunks passes whole frames through and copies other bytes into frames', async () => {
    const frame = takeFrame(4)
    frame.set([1, 2, 3, 4])
    async function* source() {
      yield frame
      yield Uint8Array.of(5, 6)
      yield Uint8Array.of(7, 8, 9)
    }
    const out = await Array.fromAsync(framedChunks(source(), 4))
    expect(out[0]).toBe(frame)
    expect(out.map((c) => [...c])).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9]])
    async function* nothing(): AsyncGenerator<Uint8Array> {}
    expect((await Array.fromAsync(framedChunks(nothing(), 4))).map((c) => c.byteLength)).toEqual([0])
  })
})

describe('addFile of a path', () => {
  it('gives the Kubo CIDs, reading the file straight into frames', async () => {
    const vectors = JSON.parse(await readFile(new URL('./fixtures/kubo-add-cids.json', import.meta.url), 'utf8')) as {
      files: Array<{ size: number; a: number; b: number; cidv0: string }>
    }
    const { node, dir, cleanup } = await tempNode()
    try {
      for (const { size, a, b, cidv0 } of vectors.files) {
        const file = join(dir, `v${size}`)
        await writeFile(file, vectorBytes(size, a, b))
        const result = await node.addFile(file)
        expect(formatCid(result.cid), `${size} bytes`).toBe(cidv0)
        const got = createHash('sha256')
        for await (const chunk of node.cat(result.cid)) got.update(chunk)
        const want = createHash('sha256')
        for await (const chunk of vectorBytes(size, a, b)) want.update(chunk)
        expect(got.digest('hex'), `${size} bytes read back`).toBe(want.digest('hex'))
      }
      expect((await node.repoVerify()).problems).toEqual([])
    } finally {
      await cleanup()
    }
  })

  it('addPath of a directory gives the stock importer’s root (files built in parallel, sharing write slots)', async () => {
    const { node, dir, cleanup } = await tempNode()
    try {
      const root = join(dir, 'tree')
      await mkdir(join(root, 'sub'), { recursive: true })
      const files: Array<[string, number]> = [
        ['empty', 0],
        ['one', 1],
        ['sub/a', 300_000],
        ['sub/b', 2 * 262_144 + 5],
        ['sub/c', 262_144],
      ]
      for (const [name, size] of files) await writeFile(join(root, name), bytesOf(size, size))
      let ours: CID | undefined
      for await (const r of node.addPath(root, { recursive: true })) ours = r.cid
      const candidates = files.map(([name]) => ({ path: `tree/${name}`, content: createReadStream(join(root, name)) }))
      let theirs: CID | undefined
      for await (const r of importer(candidates, new MemoryBlockstore(), {
        cidVersion: 0,
        rawLeaves: false,
        leafType: 'file',
        reduceSingleLeafToSelf: true,
        chunker: fixedSize({ chunkSize: 262_144 }),
        layout: balanced({ maxChildrenPerNode: 174 }),
      }))
        theirs = r.cid
      expect(formatCid(ours!)).toBe(formatCid(theirs!))
      expect((await node.repoVerify()).problems).toEqual([])
    } finally {
      await cleanup()
    }
  })
})
