/**
 * TensorSwap (`/ipfrs/tensorswap/1.0.0`): resumable, credit-flow-controlled, verified transfer of the chunks a
 * TensorManifest lists, from one or several providers at once. `TensorSwap` serves the local blockstore and fetches
 * into it; what is already there is never asked for again, so a fetch cut short resumes where it stopped.
 */
import { isIpfrsError } from '@ipfrs/core'
import type { Network } from '@ipfrs/network'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import { readBlock } from './chunking.js'
import { creditWindow } from './flow-control.js'
import type { TensorManifest } from './manifest.js'
import { decodeManifest } from './manifest-codec.js'
import { ChunkScheduler, type TensorSwapProgressEvents } from './multi-provider.js'
import { missingChunks } from './resume-state.js'
import {
  InvalidProviderError,
  isPeerFault,
  NoProvidersError,
  TensorSwapRemoteError,
  TensorSwapStallError,
} from './swap-errors.js'
import { ProviderSession, type ProviderTarget } from './tensorswap-client.js'
import { TensorSwapServer, type TensorSwapServerStats } from './tensorswap-server.js'

/** How TensorSwap is wired: a Network (or a bare libp2p node) and the local blockstore. */
export interface TensorSwapInit {
  /** An @ipfrs/network Network: its libp2p node, and its blockstore unless `blockstore` is given. */
  network?: Network
  /** A libp2p node, when there is no Network (then `blockstore` is required). */
  libp2p?: Libp2p
  /** Where chunks are served from and fetched into (default: the network's Helia blockstore, read offline). */
  blockstore?: Blockstore
  /** Answer other peers' TensorSwap streams (default true). */
  serve?: boolean
  /** Defaults of every fetch (see FetchOptions). */
  credit?: number
  maxInFlightBytes?: number
  stallTimeoutMs?: number
}

/** Options of `fetch`. */
export interface FetchOptions {
  /** Peers that have the content: PeerIds or Multiaddrs, or (with a Network) peer ID / multiaddr strings. */
  providers: ReadonlyArray<ProviderTarget | string>
  /** Chunk indexes wanted first, in this order (the rest follow ascending); see `chunksOfRange`. */
  priority?: readonly number[]
  /**
   * Streams opened to each provider (default 1), which share its chunks like providers do. Over QUIC each stream has
   * its own flow-control window, so one stream is bounded by window / round trip: four carried a 128 MiB file
   * 1.5x faster there (and ~10% faster over TCP).
   */
  streamsPerProvider?: number
  /** Chunks granted per stream at a time (default 16). */
  credit?: number
  /** Bound on chunk bytes in flight per stream (default 32 MiB); lowers `credit` for big chunks. */
  maxInFlightBytes?: number
  /** A provider that sends nothing for this long while owing chunks is given up (default 30 s). */
  stallTimeoutMs?: number
  /**
   * The manifest of `cid` when the caller already has it verified: for a UnixFS file CID, the 'unixfs' manifest
   * `fileIndex` derived from the DAG (the provider derives the same one from its copy).
   */
  manifest?: TensorManifest
  /** Fetch only these chunk indexes (e.g. the leaves holding one tensor), not the whole manifest. */
  only?: readonly number[]
  /** Called with a `tensorswap:chunk` event after each chunk is verified and stored. */
  onProgress?: (event: TensorSwapProgressEvents) => void
  /**
   * Called with each chunk's verified bytes as its store begins (before `onProgress`): a reader waiting for the chunk
   * can take it from memory instead of reading the store. The bytes are the caller's to keep, not to modify.
   */
  onChunk?: (index: number, bytes: Uint8Array) => void
  signal?: AbortSignal
}

/** What one provider contributed to a fetch. */
export interface ProviderStats {
  peer: string
  chunks: number
  /** Chunk payload bytes received from it. */
  bytes: number
  /** Streams opened to it (more than one when a session ended early and was opened again). */
  sessions: number
  /** Why it was given up, if it was. */
  error?: string
}

/** The outcome of a fetch. */
export interface FetchResult {
  cid: CID
  manifest: TensorManifest
  /** Chunks in the manifest. */
  chunks: number
  /** Chunks that were already in the blockstore (not transferred). */
  alreadyHad: number
  /** Chunks transferred and stored by this fetch. */
  fetched: number
  /** Chunk payload bytes received over the wire (duplicates included). */
  bytesReceived: number
  /** All bytes read from TensorSwap streams (frame headers, manifest and header frames included). */
  wireBytes: number
  /** Chunks that arrived twice because work was stolen while in flight. */
  duplicates: number
  providers: ProviderStats[]
}

/** Sessions in a row a provider may end without delivering a chunk before it is given up (the first one included: 3). */
const MAX_REOPEN = 2
/** Wait before reopening a provider's session, times its sessions in a row that delivered nothing. */
const REOPEN_DELAY_MS = 200

/**
 * Whether a session's failure may be transient: not the peer misbehaving, not its refusal (e.g. it lacks the
 * manifest), not a stall (it stopped answering: another 30 s wait would not help).
 */
function worthReopening(err: unknown): boolean {
  if (isPeerFault(err)) return false
  return !isIpfrsError(err, TensorSwapRemoteError.code) && !isIpfrsError(err, TensorSwapStallError.code)
}

/** One entry per provider (its sessions added up); its error is its latest failure, unless a session opened since. */
function providerStats(sessions: readonly ProviderSession[]): ProviderStats[] {
  const by = new Map<ProviderTarget, ProviderSession[]>()
  for (const s of sessions) by.set(s.target, [...(by.get(s.target) ?? []), s])
  return [...by.values()].map((group) => {
    const last = group[group.length - 1] as ProviderSession
    let error: unknown
    for (const s of group) {
      if (s.error !== undefined) error = s.error
      else if (s.opened) error = undefined
    }
    return {
      peer: group.find((s) => s.peer !== '')?.peer ?? String(last.target),
      chunks: group.reduce((n, s) => n + s.chunksReceived, 0),
      bytes: group.reduce((n, s) => n + s.bytesReceived, 0),
      sessions: group.length,
      ...(error !== undefined ? { error: error instanceof Error ? error.message : String(error) } : {}),
    }
  })
}

/** TensorSwap on one node: a server for the local blockstore and a client that fetches into it. */
export class TensorSwap {
  readonly server: TensorSwapServer | undefined
  readonly #libp2p: Libp2p
  readonly #blockstore: Blockstore
  readonly #network: Network | undefined
  readonly #defaults: Pick<FetchOptions, 'credit' | 'maxInFlightBytes' | 'stallTimeoutMs'>

  constructor(init: TensorSwapInit) {
    const libp2p = init.libp2p ?? init.network?.libp2p
    const blockstore = init.blockstore ?? (init.network?.helia.blockstore as Blockstore | undefined)
    if (libp2p === undefined || blockstore === undefined)
      throw new InvalidProviderError('init', 'TensorSwap needs a network, or a libp2p node and a blockstore')
    this.#libp2p = libp2p
    this.#blockstore = blockstore
    this.#network = init.network
    this.#defaults = {
      credit: init.credit,
      maxInFlightBytes: init.maxInFlightBytes,
      stallTimeoutMs: init.stallTimeoutMs,
    }
    this.server = init.serve === false ? undefined : new TensorSwapServer({ libp2p, blockstore })
  }

  /** Registers the protocol handler (when serving). */
  async start(): Promise<void> {
    await this.server?.start()
  }

  async stop(): Promise<void> {
    await this.server?.stop()
  }

  /** Counters of the serving side. */
  get serverStats(): TensorSwapServerStats | undefined {
    return this.server?.stats
  }

  /**
   * Fetches every chunk of manifest `cid` the blockstore lacks, from `providers` (split across them with work
   * stealing), verifying each against the manifest before storing it. The manifest itself comes from the blockstore,
   * else from the first provider that has it (verified against `cid`, then stored). Resolves once all chunks are
   * stored; rejects with `ERR_TENSORSWAP_NO_PROVIDERS` when every provider failed (chunks stored so far stay, and
   * the next fetch asks only for the rest).
   */
  async fetch(cid: CID, options: FetchOptions): Promise<FetchResult> {
    const opts = { ...this.#defaults, ...options }
    const errors: unknown[] = []
    const targets: ProviderTarget[] = []
    for (const r of await Promise.allSettled(options.providers.map((p) => this.#target(p, options.signal)))) {
      if (r.status === 'fulfilled') targets.push(r.value)
      else errors.push(r.reason)
    }
    const sessions: ProviderSession[] = []
    const newSession = (target: ProviderTarget, manifest?: TensorManifest) => {
      const s = new ProviderSession({ ...opts, libp2p: this.#libp2p, target, cid, manifest })
      sessions.push(s)
      return s
    }

    let manifest = options.manifest ?? (await this.#localManifest(cid, options.signal))
    let first: ProviderSession | undefined
    let next = 0
    while (manifest === undefined) {
      const target = targets[next++]
      if (target === undefined) throw new NoProvidersError(cid.toString(), 'manifest', errors)
      const s = newSession(target)
      try {
        manifest = await s.open()
        await this.#blockstore.put(cid, s.manifestBytes as Uint8Array, { signal: options.signal })
        first = s
      } catch (err) {
        errors.push(err)
      }
    }

    const only = options.only !== undefined ? new Set(options.only) : undefined
    const missing = (await missingChunks(this.#blockstore, manifest, options)).filter((i) => only?.has(i) ?? true)
    // a provider's session that ends without a fault of the peer (its stream closed, a reset, a dial that failed) is
    // opened again while chunks remain, unless that provider's last sessions all ended without delivering a chunk
    const lost = new Map<ProviderTarget, number>()
    const window = creditWindow(manifest.chunkSize, opts.credit, opts.maxInFlightBytes)
    const reopen = (session: ProviderSession, err: unknown): void => {
      const misses = session.chunksReceived > 0 ? 0 : (lost.get(session.target) ?? 0) + 1
      lost.set(session.target, misses)
      if (misses > MAX_REOPEN || !worthReopening(err) || scheduler.settled) return
      start(session.target, 0, REOPEN_DELAY_MS * Math.max(1, misses))
    }
    const scheduler = new ChunkScheduler({
      cid,
      manifest,
      missing,
      blockstore: this.#blockstore,
      onProgress: opts.onProgress,
      onChunk: opts.onChunk,
      onSessionLost: reopen,
    })
    /** Opens a session to `target` (after `delayMs`) asking for `share` chunks from the queue front, then adds it. */
    const start = (target: ProviderTarget, share: number, delayMs = 0): void => {
      const opened = scheduler.opening()
      const s = newSession(target, manifest)
      const go = async () => {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs))
        if (scheduler.settled) {
          sessions.splice(sessions.indexOf(s), 1) // never opened: not counted in the stats
          return
        }
        const wants = scheduler.claim(share)
        await s.open(wants).then(
          () => scheduler.add(s),
          (err: unknown) => {
            scheduler.release(wants)
            reopen(s, err)
            scheduler.failedToOpen(err)
          },
        )
      }
      void go().finally(opened)
    }
    scheduler.errors.push(...errors)
    const onAbort = () => scheduler.abort(options.signal?.reason)
    options.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      // every provider starts with an even share of the missing chunks (at most two credit windows; the rest is handed
      // out as sessions deliver, and idle ones steal): the others claim theirs before the manifest's session is topped
      // up, or a fast first provider would take everything before a second one is open
      const streams = Math.max(1, Math.floor(options.streamsPerProvider ?? 1))
      const others = [
        ...(first === undefined ? [] : Array<ProviderTarget>(streams - 1).fill(first.target)),
        ...targets.slice(next).flatMap((t) => Array<ProviderTarget>(streams).fill(t)),
      ]
      const providers = others.length + (first === undefined ? 0 : 1)
      const share = Math.max(2, Math.min(2 * window, Math.ceil(missing.length / Math.max(1, providers))))
      for (const target of others) {
        if (scheduler.remaining === 0) break
        start(target, share)
      }
      if (first !== undefined) scheduler.add(first)
      await scheduler.done
    } finally {
      options.signal?.removeEventListener('abort', onAbort)
      await Promise.all(sessions.map((s) => s.finish()))
    }
    return {
      cid,
      manifest,
      chunks: manifest.chunks.length,
      alreadyHad: (only?.size ?? manifest.chunks.length) - missing.length,
      fetched: missing.length,
      bytesReceived: sessions.reduce((n, s) => n + s.bytesReceived, 0),
      wireBytes: sessions.reduce((n, s) => n + s.wireBytes, 0),
      duplicates: scheduler.duplicates,
      providers: providerStats(sessions),
    }
  }

  async #localManifest(cid: CID, signal?: AbortSignal): Promise<TensorManifest | undefined> {
    if (!(await this.#blockstore.has(cid, { signal }))) return undefined
    const bytes = await readBlock(this.#blockstore, cid, { signal, offline: true } as never)
    return decodeManifest(bytes, cid)
  }

  /** Strings go through the Network (a peer ID or a multiaddr, dialled), then become the connected PeerId. */
  async #target(p: ProviderTarget | string, signal?: AbortSignal): Promise<ProviderTarget> {
    if (typeof p !== 'string') return p
    if (this.#network === undefined) throw new InvalidProviderError(p, 'strings need a Network; pass a PeerId')
    const id = await this.#network.connect(p, { signal })
    const peer: PeerId | undefined = this.#libp2p
      .getConnections()
      .find((c) => c.remotePeer.toString() === id)?.remotePeer
    if (peer === undefined) throw new InvalidProviderError(p, 'not connected after dialling')
    return peer
  }
}
