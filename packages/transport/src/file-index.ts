/**
 * A UnixFS file (as `ipfrs add` / Kubo lay it out) seen as a TensorManifest whose chunks are the file's own leaves.
 * `fileIndex` walks the DAG's internal nodes only (the leaves are named by their parents' links), checks that every
 * leaf but the last holds the same number of file bytes (a fixed-size chunker, Kubo's default), and returns the
 * manifest (encoding 'unixfs'). It is derived, never stored: the same DAG always gives the same manifest, so a
 * TensorSwap client and server agree on it without a second copy of anything. `readFileRange` copies a byte range out
 * of the leaves into one fresh buffer, each leaf hash-verified.
 */
import { BlockHashMismatchError, hashMatches, mapLimit } from '@ipfrs/core'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { CID } from 'multiformats/cid'
import type { AbortOptions } from './chunking.js'
import { UnsupportedFileLayoutError } from './errors.js'
import { type BlockFileLocator, readLeafFileInto } from './leaf-files.js'
import type { TensorManifest } from './manifest.js'
import { CHUNK_CODEC, DAG_PB_CODEC } from './manifest-codec.js'

/** Reads one block (from a repo, or from the network into the repo); the caller need not verify it. */
export type BlockGetter = (cid: CID, options?: AbortOptions) => Promise<Uint8Array>

/** Deepest file DAG walked (Kubo's balanced layout of a 1 PiB file is 6 levels). */
const MAX_DEPTH = 16
/** Internal nodes read at once while walking a level. */
const WALK_CONCURRENCY = 8

/** Whether `cid` can be the root of a UnixFS file this module reads. */
export function isFileCid(cid: CID): boolean {
  return cid.code === DAG_PB_CODEC || cid.code === CHUNK_CODEC
}

/** A block read through `get` and checked against its CID. */
export async function verifiedBlock(get: BlockGetter, cid: CID, options?: AbortOptions): Promise<Uint8Array> {
  const bytes = await get(cid, options)
  if (!hashMatches(cid, bytes)) throw new BlockHashMismatchError(cid.toString())
  return bytes
}

/**
 * The 'unixfs' manifest of the file DAG at `root`: its leaves in file order, the bytes each holds (`chunkSize`, the last
 * holding the remainder) and the file size. Reads only internal nodes; a leaf is known by the depth of the first
 * leaf (every leaf of a balanced DAG sits at the same depth, checked again when a leaf is read).
 */
export async function fileIndex(get: BlockGetter, root: CID, options: AbortOptions = {}): Promise<TensorManifest> {
  const key = root.toString()
  if (!isFileCid(root)) throw new UnsupportedFileLayoutError(key, `codec 0x${root.code.toString(16)} is not a file`)
  if (root.code === CHUNK_CODEC) {
    const bytes = await verifiedBlock(get, root, options)
    return manifestOf(key, [{ cid: root }], [bytes.byteLength], options)
  }
  // the depth of the leaves: down the first links to the first leaf (which holds the file's first bytes)
  const top = fileNode(key, root, await verifiedBlock(get, root, options))
  if (top.children.length === 0) return manifestOf(key, [{ cid: root }], [top.dataLength], options)
  let depth = 1
  for (let first = top.children[0]; first !== undefined && first.cid.code !== CHUNK_CODEC; depth++) {
    if (depth > MAX_DEPTH) throw new UnsupportedFileLayoutError(key, `deeper than ${MAX_DEPTH} levels`)
    const node = fileNode(key, first.cid, await verifiedBlock(get, first.cid, options))
    if (node.children.length === 0) break
    first = node.children[0]
  }
  // every internal node above that depth is read; the leaves are known by their parents' links only
  let level = top.children
  for (let d = 1; d < depth; d++) {
    const nodes = await mapLimit(level, WALK_CONCURRENCY, async (entry) => {
      if (entry.cid.code === CHUNK_CODEC) throw new UnsupportedFileLayoutError(key, 'leaves at different depths')
      return fileNode(key, entry.cid, await verifiedBlock(get, entry.cid, options))
    })
    level = []
    for (const n of nodes) {
      if (n.children.length === 0) throw new UnsupportedFileLayoutError(key, 'leaves at different depths')
      level.push(...n.children)
    }
  }
  return manifestOf(
    key,
    level,
    level.map((e) => e.size),
    options,
  )
}

/** Builds the manifest of a leaf list, checking the fixed-size layout. */
async function manifestOf(
  key: string,
  leaves: ReadonlyArray<{ cid: CID }>,
  sizes: readonly number[],
  options: AbortOptions,
): Promise<TensorManifest> {
  options.signal?.throwIfAborted()
  if (sizes.some((s) => s < 0)) throw new UnsupportedFileLayoutError(key, 'a raw root of unknown size')
  const byteLength = sizes.reduce((a, b) => a + b, 0)
  const chunkSize = sizes[0] ?? 0
  for (const [i, s] of sizes.entries()) {
    const last = i === sizes.length - 1
    if ((!last && s !== chunkSize) || (last && (s > chunkSize || (s === 0 && sizes.length > 1))))
      throw new UnsupportedFileLayoutError(
        key,
        `leaf ${i} holds ${s} bytes, not ${chunkSize} (not a fixed-size chunker)`,
      )
  }
  if (chunkSize === 0) throw new UnsupportedFileLayoutError(key, 'an empty file has no leaves')
  return {
    type: 'ipfrs/tensor',
    version: 1,
    encoding: 'unixfs',
    dtype: 'U8',
    shape: [byteLength],
    strides: [1],
    byteLength,
    chunkSize,
    chunks: leaves.map((l) => l.cid),
  }
}

/** A decoded dag-pb file node: its children (with the file bytes under each) and, for a leaf, its data length. */
function fileNode(
  key: string,
  cid: CID,
  bytes: Uint8Array,
): { children: Array<{ cid: CID; size: number }>; dataLength: number; data: Uint8Array } {
  let node: dagPb.PBNode
  let fs: UnixFS
  try {
    node = dagPb.decode(bytes)
    fs = UnixFS.unmarshal(node.Data ?? new Uint8Array(0))
  } catch {
    throw new UnsupportedFileLayoutError(key, `node ${cid} is not a UnixFS node`)
  }
  if (fs.type !== 'file' && fs.type !== 'raw') throw new UnsupportedFileLayoutError(key, `node ${cid} is a ${fs.type}`)
  if (node.Links.length !== fs.blockSizes.length)
    throw new UnsupportedFileLayoutError(
      key,
      `node ${cid} has ${node.Links.length} links, ${fs.blockSizes.length} sizes`,
    )
  if (node.Links.length > 0 && (fs.data?.byteLength ?? 0) > 0)
    throw new UnsupportedFileLayoutError(key, `node ${cid} holds data and links`)
  return {
    children: node.Links.map((l, i) => ({ cid: l.Hash, size: Number(fs.blockSizes[i]) })),
    dataLength: fs.data?.byteLength ?? 0,
    data: fs.data ?? new Uint8Array(0),
  }
}

/** The file bytes a leaf block holds: the block itself (raw) or its UnixFS data (dag-pb), which must be a leaf. */
export function leafData(key: string, cid: CID, block: Uint8Array): Uint8Array {
  if (cid.code === CHUNK_CODEC) return block
  const node = fileNode(key, cid, block)
  if (node.children.length > 0) throw new UnsupportedFileLayoutError(key, `${cid} is not a leaf`)
  return node.data
}

/**
 * Bytes `[offset, offset + length)` of the file `manifest` describes, in one freshly allocated buffer (its `.buffer`
 * holds exactly them, so typed views over it are aligned). Each leaf is read through `get`, hash-verified, and its
 * data copied in once. With `files` (a repo's block files), a leaf the range covers whole is first tried the direct
 * way (`readLeafFileInto`: read from its block file, verified, and put in place); a leaf that cannot be read so
 * (encrypted or compressed, a partial leaf) goes through `get`. `verify: false` skips the hash check of the leaves read
 * the direct way (those through `get` are always checked).
 */
export async function readFileRange(
  get: BlockGetter,
  manifest: TensorManifest,
  offset: number,
  length: number,
  options: AbortOptions & { files?: BlockFileLocator; verify?: boolean } = {},
): Promise<Uint8Array> {
  const out = new Uint8Array(new ArrayBuffer(length))
  if (length === 0) return out
  const cs = manifest.chunkSize
  const first = Math.floor(offset / cs)
  const last = Math.floor((offset + length - 1) / cs)
  const indexes = Array.from({ length: last - first + 1 }, (_, i) => first + i)
  const key = manifest.chunks[0]?.toString() ?? 'file'
  await mapLimit(indexes, WALK_CONCURRENCY, async (i) => {
    const cid = manifest.chunks[i] as CID
    const leafStart = i * cs
    const want = Math.min(cs, manifest.byteLength - leafStart)
    const path = options.files?.(cid)
    if (path !== undefined && leafStart >= offset && leafStart + want <= offset + length) {
      options.signal?.throwIfAborted()
      const dest = out.subarray(leafStart - offset, leafStart - offset + want)
      if (await readLeafFileInto(path, cid, dest, { verify: options.verify })) return
    }
    const data = leafData(key, cid, await verifiedBlock(get, cid, options))
    if (data.byteLength !== want) throw new UnsupportedFileLayoutError(key, `leaf ${i} holds ${data.byteLength} bytes`)
    const from = Math.max(offset, leafStart)
    const to = Math.min(offset + length, leafStart + want)
    out.set(data.subarray(from - leafStart, to - leafStart), from - offset)
  })
  return out
}
