/**
 * Fetching a model file (safetensors or GGUF) by its UnixFS file CID, only as much of it as is asked for: the DAG's
 * internal nodes (over Bitswap, a few KiB), the leaves that hold the header, then the leaves of one tensor (`name`) or
 * of the whole file. Leaves come over TensorSwap from the peers that speak it (the provider derives the same leaf list
 * from its copy) and over Bitswap for the rest; every block is hash-verified before it is stored, and only what the
 * repo lacks is asked for, so a fetch cut short resumes. The leaves are the file's own blocks: what was fetched is
 * the file DAG itself (catable, servable over Bitswap), never a second copy.
 */
import { type CID, formatCid, isIpfrsError } from '@ipfrs/core'
import type { Network } from '@ipfrs/network'
import { OfflineError } from '@ipfrs/network/errors'
import type { TensorFetchOptions, TensorFetchResult } from '@ipfrs/node-api'
import type { Repo } from '@ipfrs/storage'
import {
  type BlockGetter,
  bytesOfChunks,
  chunksOfRange,
  fileIndex,
  findTensor,
  type ModelFile,
  readBlock,
  readModelHeader,
  type TensorManifest,
  type TensorSwap,
} from '@ipfrs/transport'
import type { Blockstore } from 'interface-blockstore'

/** Chunks (leaves) asked of Bitswap at a time. */
const BITSWAP_WANTS = 8

/** What a file fetch works with. */
export interface FileFetchContext {
  repo: Repo
  network: Network | undefined
  swap: TensorSwap | undefined
  /** Peers to try TensorSwap with (the caller's, or the connected peers that speak it). */
  providers: () => Promise<string[]>
  /** Builds the error for leaves that came over neither protocol. */
  failed: (cid: string, why: string, cause: unknown) => Error
}

/** A file fetch's outcome and what it learned. */
export interface FileFetch {
  result: TensorFetchResult
  manifest: TensorManifest
  model: ModelFile
}

/** Brings the header leaves and (with `name`) one tensor's leaves, or (without it) the whole file, into the repo. */
export async function fetchModelFile(
  ctx: FileFetchContext,
  root: CID,
  options: TensorFetchOptions & { name?: string; header?: boolean },
  progress: (bytes: number) => void,
): Promise<FileFetch> {
  const { repo, network } = ctx
  const blockstore = repo.blockstore as Blockstore
  const session = network?.session(root, { signal: options.signal })
  const has = (cid: CID) => blockstore.has(cid, { signal: options.signal })
  // internal nodes: from the repo, else over Bitswap (stored by the session, verified by Helia and by fileIndex)
  const nodes: BlockGetter = async (cid, o) => {
    if (await has(cid)) return readBlock(blockstore, cid, o)
    if (session == null) throw new OfflineError(`${formatCid(cid)} is not in the repo (the node is offline)`)
    return readBlock(session as Blockstore, cid, o)
  }
  const manifest = await fileIndex(nodes, root, options)
  const result: TensorFetchResult = {
    cid: formatCid(root),
    kind: 'model',
    tensors: 0,
    chunks: 0,
    alreadyHad: 0,
    viaTensorSwap: 0,
    viaBitswap: 0,
    bytes: 0,
    providers: [],
  }
  const counted = (bytes: number) => {
    result.bytes += bytes
    progress(bytes)
  }
  const ensure = async (indexes: readonly number[]): Promise<void> => {
    const missing: number[] = []
    for (const i of indexes) if (!(await has(manifest.chunks[i] as CID))) missing.push(i)
    result.chunks += indexes.length
    result.alreadyHad += indexes.length - missing.length
    if (missing.length === 0) return
    if (session == null) throw new OfflineError(`${formatCid(root)} is not all in the repo (the node is offline)`)
    await viaTensorSwap(ctx.swap, root, await ctx.providers(), result, counted, { ...options, manifest, only: missing })
    const still: number[] = []
    for (const i of missing) if (!(await has(manifest.chunks[i] as CID))) still.push(i)
    await viaBitswap(session as Blockstore, root, manifest, still, result, counted, { ...options, failed: ctx.failed })
  }
  const header: BlockGetter = async (cid, o) => {
    const i = manifest.chunks.findIndex((c) => c.equals(cid))
    if (i >= 0) await ensure([i])
    return readBlock(blockstore, cid, o)
  }
  const model = await readModelHeader(header, manifest, { signal: options.signal, label: result.cid })
  result.tensors = model.tensors.length
  if (options.header === true || options.manifestsOnly === true) return { result, manifest, model }
  if (options.name !== undefined) {
    const t = findTensor(model, options.name, result.cid)
    await ensure(chunksOfRange(manifest, t.offset, t.byteLength))
  } else {
    await ensure(manifest.chunks.map((_, i) => i))
  }
  return { result, manifest, model }
}

/** The chunks `only` (default: all) of `cid` over TensorSwap; a failure (no provider could deliver) leaves the rest. */
export async function viaTensorSwap(
  swap: TensorSwap | undefined,
  cid: CID,
  providers: readonly string[],
  result: TensorFetchResult,
  progress: (bytes: number) => void,
  options: TensorFetchOptions & { manifest?: TensorManifest; only?: readonly number[] },
): Promise<void> {
  if (swap == null || providers.length === 0) return
  try {
    const r = await swap.fetch(cid, {
      providers,
      signal: options.signal,
      ...(options.manifest !== undefined ? { manifest: options.manifest } : {}),
      ...(options.only !== undefined ? { only: options.only } : {}),
      onProgress: (event) => {
        result.viaTensorSwap++
        progress(event.detail.bytes)
      },
    })
    for (const p of r.providers) if (p.chunks > 0 && !result.providers.includes(p.peer)) result.providers.push(p.peer)
  } catch (err) {
    if (options.signal?.aborted === true) throw err
  }
}

/** The given chunks of `manifest` over Bitswap, a few at a time, each verified by Helia and stored by the session. */
export async function viaBitswap(
  session: Blockstore,
  cid: CID,
  manifest: TensorManifest,
  chunks: readonly number[],
  result: TensorFetchResult,
  progress: (bytes: number) => void,
  options: TensorFetchOptions & { failed: (cid: string, why: string, cause: unknown) => Error },
): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const index = chunks[next++] as number
      try {
        await readBlock(session, manifest.chunks[index] as CID, options)
      } catch (err) {
        if (options.signal?.aborted === true || isIpfrsError(err, OfflineError.code)) throw err
        throw options.failed(formatCid(cid), `chunk ${index} came over neither TensorSwap nor Bitswap`, err)
      }
      result.viaBitswap++
      progress(bytesOfChunks(manifest, [index]))
    }
  }
  await Promise.all(Array.from({ length: Math.min(BITSWAP_WANTS, chunks.length) }, worker))
}
