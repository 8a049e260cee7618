import { digest } from '@ipfrs/core'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { ImporterOptions, WritableStorage } from 'ipfs-unixfs-importer'
import { varint } from 'multiformats'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { CustomProgressEvent } from 'progress-events'
import { framedChunks, releaseFrame } from './leaf-frames.js'

type FileBuilder = NonNullable<ImporterOptions['fileBuilder']>

export interface FileBuilderInit {
  cidVersion: 0 | 1
  rawLeaves: boolean
  chunkSize: number
  /** Links per node of the balanced layout (Kubo: 174). */
  maxChildrenPerNode: number
  /**
   * Reuse a chunk's buffer once the blockstore's `put` of its leaf has resolved. Only for a blockstore that keeps no
   * reference to the bytes it was given (one that writes them out, as the repo's does; not an in-memory store).
   */
  reuseBuffers: boolean
  /** Block writes in flight at once, across all the files of the import (default 16). */
  writeConcurrency?: number
}

/** One node of the file's DAG as its parent links to it. */
interface Node {
  cid: CID
  /** The DAG's cumulative size under this node (a link's Tsize). */
  size: bigint
  /** Bytes of file content under it (a blocksize of the parent). */
  fileSize: bigint
  /** A parent's UnixFS record (the importer's result carries the root's). */
  unixfs?: UnixFS
}

/**
 * Builds each file of an import as the stock importer's default file builder with its fixed-size chunker and
 * balanced layout does (same blocks, same CIDs: Kubo's), as one pipeline: chunks come in frames (see leaf-frames.ts),
 * each leaf is built around its chunk in place and hashed, and its write starts at once, up to `writeConcurrency`
 * writes in flight, while the next chunks are read and hashed. Parents are built as soon as their children are
 * hashed, so memory stays bounded whatever the file's size. Every block is written before the file's result is
 * returned.
 */
export function fileBuilder(init: FileBuilderInit): FileBuilder {
  const { cidVersion, rawLeaves, chunkSize, maxChildrenPerNode, reuseBuffers } = init
  if (maxChildrenPerNode < 2) throw new RangeError('a balanced layout needs at least 2 links per node')
  // the importer builds up to 50 files at once: they share the write slots, so memory in flight stays bounded
  const inFlight = new Set<Promise<void>>()
  const limit = init.writeConcurrency ?? 16
  return async (file, blockstore, options) => {
    const writes = new Writes(blockstore, inFlight, limit, options.signal)
    const metadata = { mtime: file.mtime, mode: file.mode }
    const hasMetadata = file.mtime !== undefined || file.mode !== undefined
    let firstBlock: Uint8Array | undefined // kept only for a one-leaf file with metadata (see below)
    let leaves = 0
    const tree = new BalancedTree(maxChildrenPerNode, (children) => {
      const f = new UnixFS({ type: 'file', ...metadata })
      const links: dagPb.PBLink[] = []
      let linked = 0n
      for (const child of children) {
        if (child.fileSize === 0n) continue // as the stock reducer: an empty leaf is not linked
        f.addBlockSize(child.fileSize)
        links.push({ Name: '', Tsize: Number(child.size), Hash: child.cid })
        linked += child.size
      }
      const block = dagPb.encode(dagPb.prepare({ Data: f.marshal(), Links: links }))
      const cid = dagPbCid(block, cidVersion)
      writes.put(cid, block)
      return { cid, size: BigInt(block.byteLength) + linked, fileSize: f.fileSize(), unixfs: f }
    })
    try {
      for await (const chunk of framedChunks(file.content, chunkSize)) {
        const block = rawLeaves ? chunk : fileLeafInPlace(chunk)
        const cid = rawLeaves ? CID.createV1(raw.code, digest(block)) : dagPbCid(block, cidVersion)
        if (leaves++ === 0 && hasMetadata) firstBlock = block.slice()
        writes.put(cid, block, reuseBuffers ? () => releaseFrame(chunk) : undefined)
        tree.add({ cid, size: BigInt(block.byteLength), fileSize: BigInt(chunk.byteLength) })
        await writes.room()
      }
      let root = tree.finish(leaves === 1)
      let unixfs = root.unixfs
      if (leaves === 1 && firstBlock !== undefined) {
        // as the stock builder: a one-leaf file with metadata gets a node to hold it, around the leaf's block
        unixfs = new UnixFS({ type: 'file', ...metadata, data: firstBlock })
        const block = dagPb.encode(dagPb.prepare({ Data: unixfs.marshal(), Links: [] }))
        root = { cid: dagPbCid(block, cidVersion), size: BigInt(block.byteLength), fileSize: 0n }
        writes.put(root.cid, block)
      } else if (leaves === 1 && !rawLeaves) {
        unixfs = new UnixFS({ type: 'file' })
        unixfs.addBlockSize(root.fileSize)
      }
      await writes.drain()
      options.onProgress?.(
        new CustomProgressEvent('unixfs:importer:progress:file:layout', { cid: root.cid, path: file.originalPath }),
      )
      return { cid: root.cid, path: file.path, unixfs, size: root.size, originalPath: file.originalPath }
    } finally {
      await writes.settle() // on failure too: no write of this file outlives the import
    }
  }
}

/**
 * The balanced layout, streaming: nodes are grouped `max` at a time into parents, level by level, a parent built as
 * soon as its group is full. The result is the stock layout's (batches of `max` per level until one node is left).
 */
class BalancedTree {
  readonly #levels: Node[][] = []
  readonly #counts: number[] = []

  constructor(
    readonly max: number,
    readonly parent: (children: Node[]) => Node,
  ) {}

  add(node: Node, level = 0): void {
    const nodes = this.#levels[level] ?? []
    this.#levels[level] = nodes
    this.#counts[level] = (this.#counts[level] ?? 0) + 1
    nodes.push(node)
    if (nodes.length === this.max) {
      this.#levels[level] = []
      this.add(this.parent(nodes), level + 1)
    }
  }

  /** The root. With `oneLeaf`, a file of a single leaf is that leaf (the importer's `reduceSingleLeafToSelf`). */
  finish(oneLeaf: boolean): Node {
    if (oneLeaf) return this.#levels[0]![0]!
    for (let level = 0; ; level++) {
      const nodes = this.#levels[level] ?? []
      // above the leaves, a level that ever held one node is the root (the stock layout stops when one is left)
      if (level > 0 && this.#counts[level] === 1) return nodes[0]!
      if (nodes.length > 0) {
        this.#levels[level] = []
        this.add(this.parent(nodes), level + 1)
      }
    }
  }
}

/**
 * The block writes of one file, running in parallel (counted in `shared` with those of the import's other files); the
 * first failure is thrown by the next `room` or `drain`.
 */
class Writes {
  readonly #running = new Set<Promise<void>>()
  #failed = false
  #error: unknown

  constructor(
    readonly store: WritableStorage,
    readonly shared: Set<Promise<void>>,
    readonly limit: number,
    readonly signal?: AbortSignal,
  ) {}

  put(cid: CID, block: Uint8Array, done?: () => void): void {
    const write: Promise<void> = (async () => this.store.put(cid, block, { signal: this.signal }))().then(
      () => {
        this.#running.delete(write)
        this.shared.delete(write)
        done?.()
      },
      (err: unknown) => {
        this.#running.delete(write)
        this.shared.delete(write)
        if (!this.#failed) {
          this.#failed = true
          this.#error = err
        }
      },
    )
    this.#running.add(write)
    this.shared.add(write)
  }

  /** Waits until fewer than `limit` writes run (of all files). */
  async room(): Promise<void> {
    while (this.shared.size >= this.limit && !this.#failed) await Promise.race(this.shared)
    if (this.#failed) throw this.#error
  }

  /** Waits for every write; throws the first failure. */
  async drain(): Promise<void> {
    await this.settle()
    if (this.#failed) throw this.#error
  }

  /** Waits for every write, whatever their outcome. */
  async settle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running)
  }
}

function dagPbCid(block: Uint8Array, cidVersion: 0 | 1): CID {
  const hash = digest(block)
  return cidVersion === 0 ? CID.createV0(hash as never) : CID.createV1(dagPb.code, hash)
}

/**
 * The dag-pb block of a file leaf holding `chunk`: the bytes `dagPb.encode({ Data: new UnixFS({ type: 'file', data:
 * chunk }).marshal() })` gives, written around the chunk in its own buffer (a frame from leaf-frames.ts, which has the
 * room before and after it), so the chunk is not copied. Returns a view of the frame.
 * Layout: PBNode.Data (field 1) = UnixFS { Type (1) = File (2), Data (2) = chunk, filesize (3) = chunk length }; an
 * empty chunk has no Data field, so it is encoded the plain way.
 */
export function fileLeafInPlace(chunk: Uint8Array): Uint8Array {
  const n = chunk.byteLength
  if (n === 0) return dagPb.encode({ Data: new UnixFS({ type: 'file', data: new Uint8Array(0) }).marshal(), Links: [] })
  const nLength = varint.encodingLength(n)
  const inner = 2 + 1 + nLength + n + 1 + nLength
  const head = 1 + varint.encodingLength(inner) + 2 + 1 + nLength
  const start = chunk.byteOffset - head
  if (start < 0 || chunk.byteOffset + n + 1 + nLength > chunk.buffer.byteLength)
    throw new RangeError('the chunk has no room for its leaf header')
  const block = new Uint8Array(chunk.buffer as ArrayBuffer, start, head + n + 1 + nLength)
  let at = 0
  block[at++] = 0x0a
  at = putVarint(block, at, inner)
  block[at++] = 0x08
  block[at++] = 0x02
  block[at++] = 0x12
  at = putVarint(block, at, n)
  at += n
  block[at++] = 0x18
  putVarint(block, at, n)
  return block
}

function putVarint(into: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    into[at++] = (n % 0x80) | 0x80
    n = Math.floor(n / 0x80)
  }
  into[at++] = n
  return at
}
