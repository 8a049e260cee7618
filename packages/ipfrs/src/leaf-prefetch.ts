/**
 * A file read from IPFRS peers at TensorSwap's speed. When a `cat` or `get` reads a UnixFS file the repo lacks, and a
 * peer likely to have it speaks TensorSwap, the file's leaves stream from that peer over one TensorSwap stream (in
 * file order, each hash-verified against the leaf CID its parent names, then stored) while the exporter reads them
 * from the repo as they land. Bitswap still brings the root and the internal nodes (the leaf list is derived from
 * them, as `tensor fetch` does), and anything TensorSwap does not deliver: a peer without TensorSwap (Kubo, Helia), a
 * peer that lacks the file, a stream cut short, or a layout `fileIndex` does not read. The bytes stored are the file
 * DAG's own blocks, so the result is the same as a Bitswap fetch's: servable to any IPFS peer, no second copy.
 */
import type { CID } from '@ipfrs/core'
import { chunksOfRange, fileIndex, isFileCid, readBlock, TENSORSWAP_PROTOCOL, type TensorSwap } from '@ipfrs/transport'
import type { Libp2p } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { AbortOptions } from 'abort-error'
import type { Blockstore } from 'interface-blockstore'

/** A read of fewer leaves than this is left to Bitswap (a stream and a derived leaf list are not worth it). */
export const MIN_PREFETCH_LEAVES = 8

/** TensorSwap streams per provider (see `FetchOptions.streamsPerProvider`: QUIC's per-stream window). */
const STREAMS_PER_PROVIDER = 4

/**
 * Bytes of just-landed leaves a read keeps in memory for the exporter, which would otherwise read each one back from
 * the repo right after it was written (three `has` checks and a file read per leaf, a quarter of the receiving
 * daemon's main thread). Leaves that land while it is full are read from the repo as before.
 */
const LANDED_BYTES = 16 * 1024 * 1024

export interface LeafPrefetchInit {
  root: CID
  /** Reads of the DAG: the repo first, then peers over Bitswap (the network's session reader). */
  reader: Pick<Blockstore, 'get' | 'has'>
  /** The repo's blockstore, where TensorSwap stores the leaves. */
  local: Pick<Blockstore, 'has'>
  swap: TensorSwap
  libp2p: Pick<Libp2p, 'peerStore'>
  /** The peers most likely to have `root` (announcers first, then connected peers). */
  candidates: string[]
  /** Only the leaves covering this byte range (a `cat --offset/--length`). */
  range?: { offset?: number; length?: number }
  /** Ends the prefetch (the read is over, or was abandoned). */
  signal: AbortSignal
}

/**
 * A reader for the exporter: a leaf that TensorSwap is bringing is waited for, then read from the repo; everything
 * else (and every leaf once TensorSwap has given up) goes to `reader`.
 */
export function leafPrefetch(init: LeafPrefetchInit): Pick<Blockstore, 'get' | 'has'> {
  const { reader, local } = init
  // the blocks the leaf list is derived from (the root, the first path down to the first leaf, the interior nodes)
  // are ones the exporter reads first too: those go to the reader as soon as the walk asks for them, both reads
  // served by one Bitswap want
  const walk: Walk = { walked: new Set([init.root.toString()]), waits: new Waits() }
  /** Leaf CIDs TensorSwap still owes, released as each arrives (or all, once the fetch has ended). */
  const owed = new Waits()
  const landed = new Landed(LANDED_BYTES)
  init.signal.addEventListener('abort', () => landed.clear(), { once: true })
  let walking = true
  const started = start(init, walk, owed, landed)
    .catch(() => owed.releaseAll())
    .finally(() => {
      walking = false
      walk.waits.releaseAll()
    })
  return {
    has: (cid, o) => reader.has(cid, o),
    get: async function* (cid: CID, options?: AbortOptions) {
      const o: AbortOptions = { signal: options?.signal }
      const key = cid.toString()
      let bytes = landed.take(key)
      if (bytes === undefined && !walk.walked.has(key) && !(await local.has(cid, o))) {
        // until the leaf list is known, a block the walk turns out to read as well is read with it
        if (walking) walk.waits.hold(key)
        await Promise.race([started, walk.waits.until(key, o)])
        if (!walk.walked.has(key)) await owed.until(key, o)
      }
      bytes ??= landed.take(key)
      // a leaf TensorSwap verified moments ago is served from memory; the rest from the repo, else Bitswap
      if (bytes !== undefined) yield bytes
      else yield* reader.get(cid, o)
    },
  }
}

/** Leaves TensorSwap verified and stored, kept for the exporter (each read once) while they fit in `max` bytes. */
class Landed {
  readonly #leaves = new Map<string, Uint8Array>()
  readonly #max: number
  #bytes = 0

  constructor(max: number) {
    this.#max = max
  }

  /**
   * Keeps `bytes` if they fit (whether they were kept): the exporter reads in file order, so the leaves it needs next
   * are the ones already kept, not the ones landing further ahead.
   */
  add(key: string, bytes: Uint8Array): boolean {
    if (this.#leaves.has(key)) return true
    if (this.#bytes + bytes.byteLength > this.#max) return false
    this.#leaves.set(key, bytes)
    this.#bytes += bytes.byteLength
    return true
  }

  take(key: string): Uint8Array | undefined {
    const bytes = this.#leaves.get(key)
    if (bytes !== undefined) {
      this.#leaves.delete(key)
      this.#bytes -= bytes.byteLength
    }
    return bytes
  }

  clear(): void {
    this.#leaves.clear()
    this.#bytes = 0
  }
}

/** The blocks the walk that derives the leaf list has read, and the reads waiting to see whether it will. */
interface Walk {
  walked: Set<string>
  waits: Waits
}

/** Reads waiting on keys (CID strings): `until(key)` resolves once `key` is released, at once if it is not held. */
class Waits {
  readonly #held = new Map<string, Array<() => void>>()

  hold(key: string): void {
    if (!this.#held.has(key)) this.#held.set(key, [])
  }

  /** Resolves when `key` is released or `o.signal` aborts (the read that follows then fails with it). */
  until(key: string, o?: AbortOptions): Promise<void> {
    const waiters = this.#held.get(key)
    if (waiters === undefined) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const done = () => {
        o?.signal?.removeEventListener('abort', done)
        resolve()
      }
      waiters.push(done)
      o?.signal?.addEventListener('abort', done, { once: true })
    })
  }

  release(key: string): void {
    for (const wake of this.#held.get(key) ?? []) wake()
    this.#held.delete(key)
  }

  releaseAll(): void {
    for (const key of [...this.#held.keys()]) this.release(key)
  }
}

/** Derives the leaf list and starts the TensorSwap fetch of the missing leaves (or nothing, see the module note). */
async function start(init: LeafPrefetchInit, walk: Walk, owed: Waits, landed: Landed): Promise<void> {
  const { root, reader, swap, signal } = init
  if (!isFileCid(root)) return
  const providers = await tensorSwapSpeakers(init)
  if (providers.length === 0) return
  // the root and internal nodes, over Bitswap (verified there, and again by fileIndex)
  const manifest = await fileIndex(
    (cid, o) => {
      walk.walked.add(cid.toString())
      walk.waits.release(cid.toString())
      return readBlock(reader as Blockstore, cid, o)
    },
    root,
    { signal },
  )
  const size = manifest.byteLength
  const from = Math.min(Math.max(0, init.range?.offset ?? 0), size)
  const wanted = chunksOfRange(manifest, from, Math.min(Math.max(0, init.range?.length ?? size), size - from))
  if (wanted.length < MIN_PREFETCH_LEAVES) return
  // the fetch itself skips the leaves the repo has; a read of one of those never waits (it is local)
  const key = (i: number) => (manifest.chunks[i] as CID).toString()
  for (const i of wanted) owed.hold(key(i))
  // verified leaves whose store into the repo has begun and not ended (dropped when the fetch ends, aborted or not)
  const storing = new Map<number, Uint8Array>()
  void swap
    .fetch(root, {
      providers,
      manifest,
      only: wanted,
      streamsPerProvider: STREAMS_PER_PROVIDER,
      signal,
      // a leaf goes to the exporter once it is in the repo: from memory while it fits, else read back. Not before: the
      // exporter yields views of these bytes, not copies (`blockBuffersOwned` in unixfs-read.ts), and a caller
      // writing into them while the repo copy was being written would change what the repo holds under the CID
      onChunk: (index, bytes) => {
        storing.set(index, bytes)
      },
      onProgress: ({ detail: { index } }) => {
        const bytes = storing.get(index)
        storing.delete(index)
        if (bytes !== undefined) landed.add(key(index), bytes)
        owed.release(key(index))
      },
    })
    .catch(() => undefined) // what it did not bring, Bitswap will
    .finally(() => {
      storing.clear()
      owed.releaseAll()
    })
}

/** The candidates that speak TensorSwap (as identify told us). */
async function tensorSwapSpeakers({ libp2p, candidates }: LeafPrefetchInit): Promise<string[]> {
  const out: string[] = []
  for (const peer of candidates) {
    const info = await libp2p.peerStore.get(peerIdFromString(peer)).catch(() => undefined)
    if (info?.protocols.includes(TENSORSWAP_PROTOCOL) === true) out.push(peer)
  }
  return out
}
