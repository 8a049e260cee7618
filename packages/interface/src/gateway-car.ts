/**
 * Which blocks a trustless CAR response carries (the trustless gateway spec): the blocks along the content path,
 * then the target's per `dag-scope` (`block`, `entity` — a file's blocks, only those of an `entity-bytes` range; a
 * directory's own block; a HAMT's shard blocks — or `all`, the whole DAG), depth-first, each once unless `dups`.
 */
import { blockLinks, type CID, getCodec, PathNotFoundError } from '@ipfrs/core'
import { UnixFS } from 'ipfs-unixfs'
import { type ReadableStorage, walkPath } from 'ipfs-unixfs-exporter'
import { varint } from 'multiformats'

export type DagScope = 'block' | 'entity' | 'all'

/** `entity-bytes=from:to`: inclusive; negative counts from the end; `to` undefined is `*`. */
export interface EntityBytes {
  from: number
  to: number | undefined
}

export interface CarSelection {
  scope: DagScope
  bytes?: EntityBytes
  dups: boolean
}

export type GetBlock = (cid: CID, signal?: AbortSignal) => Promise<Uint8Array>

interface Block {
  cid: CID
  bytes: Uint8Array
}

const DAG_PB = 0x70
const IDENTITY = 0x00

/** A block getter that answers identity CIDs from the CID itself. */
export function withIdentity(get: GetBlock): GetBlock {
  return (cid, signal) => (cid.multihash.code === IDENTITY ? Promise.resolve(cid.multihash.digest) : get(cid, signal))
}

/** A resolved content path: the blocks read to walk it (in order, the target's last) and the target CID. */
export interface ResolvedPath {
  readonly target: CID
  readonly blocks: Block[]
}

/** Walks `<root>/<segments>` (UnixFS directories and HAMTs, dag-cbor/dag-json paths) keeping every block it read. */
export async function resolvePath(
  get: GetBlock,
  root: CID,
  segments: string[],
  signal?: AbortSignal,
): Promise<ResolvedPath> {
  const blocks: Block[] = []
  const seen = new Set<string>()
  const read = async (cid: CID): Promise<Uint8Array> => {
    const bytes = await get(cid, signal)
    const key = cid.toString()
    if (!seen.has(key)) {
      seen.add(key)
      blocks.push({ cid, bytes })
    }
    return bytes
  }
  const store = {
    get: async function* (cid: CID) {
      yield await read(cid)
    },
  } as unknown as ReadableStorage
  let target = root
  let walked = -1
  try {
    for await (const entry of walkPath([root.toString(), ...segments].join('/'), store, { signal })) {
      target = entry.cid
      walked++
    }
    // the walker stops at a file and drops what is left of the path: a path below a file (or inside a block) is absent
    if (walked < segments.length) throw new PathNotFoundError(`"${segments[walked]}" below ${target}`)
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === 'ERR_NOT_FOUND' || code === 'ERR_NOT_UNIXFS' || code === 'ERR_NO_RESOLVER')
      throw new PathNotFoundError(segments.join('/'), { cause: err })
    throw err
  }
  await read(target)
  return { target, blocks }
}

/** The CAR's blocks: the path's, then the target's per `selection`, in depth-first order. */
export async function* carBlocks(
  get: GetBlock,
  path: ResolvedPath,
  selection: CarSelection,
  signal?: AbortSignal,
): AsyncGenerator<Block> {
  const seen = new Set<string>()
  const fresh = (cid: CID): boolean => {
    const key = cid.toString()
    if (seen.has(key)) return false
    seen.add(key)
    return true
  }
  for (const block of path.blocks.slice(0, -1)) if (fresh(block.cid)) yield block
  const target = path.blocks.at(-1)!
  const emit = (cid: CID) => selection.dups || fresh(cid)
  if (!emit(target.cid)) return
  yield target
  if (selection.scope === 'block') return
  const load = async (cid: CID): Promise<Block> => ({ cid, bytes: await get(cid, signal) })
  if (selection.scope === 'all') {
    yield* subgraph(target, load, emit)
    return
  }
  yield* entity(target, load, emit, selection.bytes)
}

async function* subgraph(
  block: Block,
  load: (cid: CID) => Promise<Block>,
  emit: (cid: CID) => boolean,
): AsyncGenerator<Block> {
  for (const link of blockLinks(block.cid, block.bytes)) {
    if (!emit(link)) continue
    const child = await load(link)
    yield child
    yield* subgraph(child, load, emit)
  }
}

/** `dag-scope=entity` below the (already sent) target block. */
async function* entity(
  block: Block,
  load: (cid: CID) => Promise<Block>,
  emit: (cid: CID) => boolean,
  bytes: EntityBytes | undefined,
): AsyncGenerator<Block> {
  if (block.cid.code !== DAG_PB) return // a raw leaf, a dag-cbor/dag-json node: the block is the entity
  const node = decodePb(block.bytes)
  const unixfs = node.Data == null ? undefined : UnixFS.unmarshal(node.Data)
  if (unixfs?.type === 'hamt-sharded-directory') {
    const shardNameLength = (Number(unixfs.fanout ?? 256n) - 1).toString(16).length
    for (const link of node.Links) {
      if ((link.Name ?? '').length !== shardNameLength || !emit(link.Hash)) continue
      const child = await load(link.Hash)
      yield child
      yield* entity(child, load, emit, undefined)
    }
    return
  }
  if (unixfs?.type !== 'file' && unixfs?.type !== 'raw') return // a directory or symlink: its own block
  const size = Number(unixfs.fileSize())
  const range: [number, number] = bytes == null ? [0, size - 1] : absoluteRange(bytes, size)
  yield* fileBlocks(node, unixfs, 0, range, load, emit)
}

/** The blocks of a file node's children that hold bytes of `[from, to]` (file offsets; `base` is this node's). */
async function* fileBlocks(
  node: PbNode,
  unixfs: UnixFS,
  base: number,
  [from, to]: [number, number],
  load: (cid: CID) => Promise<Block>,
  emit: (cid: CID) => boolean,
): AsyncGenerator<Block> {
  let offset = base + (unixfs.data?.byteLength ?? 0)
  for (const [i, link] of node.Links.entries()) {
    const length = Number(unixfs.blockSizes[i] ?? 0n)
    const start = offset
    offset += length
    if (length === 0 || start > to || start + length - 1 < from || !emit(link.Hash)) continue
    const child = await load(link.Hash)
    yield child
    if (link.Hash.code !== DAG_PB) continue
    const childNode = decodePb(child.bytes)
    if (childNode.Data == null) continue
    yield* fileBlocks(childNode, UnixFS.unmarshal(childNode.Data), start, [from, to], load, emit)
  }
}

/** `entity-bytes` against a file of `size` bytes: an inclusive `[from, to]` (empty when from > to). */
function absoluteRange({ from, to }: EntityBytes, size: number): [number, number] {
  const start = from < 0 ? Math.max(0, size + from) : from
  const end = to == null ? size - 1 : to < 0 ? size + to : Math.min(to, size - 1)
  return [start, end]
}

interface PbNode {
  Data?: Uint8Array
  Links: Array<{ Hash: CID; Name?: string }>
}

function decodePb(bytes: Uint8Array): PbNode {
  return getCodec(DAG_PB).decode(bytes) as PbNode
}

/** A CARv1 stream: the header naming `root`, then each block as `varint(len) cid bytes`. */
export async function* carStream(root: CID, blocks: AsyncIterable<Block>): AsyncGenerator<Uint8Array> {
  yield withLength(getCodec('dag-cbor').encode({ roots: [root], version: 1 }))
  for await (const { cid, bytes } of blocks) {
    const length = cid.bytes.byteLength + bytes.byteLength
    const prefix = new Uint8Array(varint.encodingLength(length) + cid.bytes.byteLength)
    varint.encodeTo(length, prefix)
    prefix.set(cid.bytes, prefix.byteLength - cid.bytes.byteLength)
    yield prefix
    yield bytes
  }
}

function withLength(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(varint.encodingLength(bytes.byteLength) + bytes.byteLength)
  varint.encodeTo(bytes.byteLength, out)
  out.set(bytes, out.byteLength - bytes.byteLength)
  return out
}
