import type { AbortOptions, PeerId } from '@libp2p/interface'
import { inboundHandler } from './dht-handler.js'
import {
  type DhtContext,
  resolveSettings,
  type SemanticDhtInit,
  type SemanticLibp2p,
  type SemanticLshInit,
} from './dht-init.js'
import { PeerLink } from './dht-link.js'
import { MetricsRecorder, type SemanticDhtMetrics } from './dht-metrics.js'
import { SEMANTIC_PROTOCOL } from './dht-protocol.js'
import { type ProvidedHit, RecordStore } from './dht-records.js'
import { LshHasher } from './lsh.js'
import { LshRouting, type LshRoutingStatus } from './lsh-routing.js'
import { askTopK, NetworkSearch, type NetworkSearchOptions } from './network-search.js'
import { type PartialSyncResult, SyncState } from './partial-sync.js'
import type { PeerSummary, RoutingConvergence } from './peer-summaries.js'
import { RecordPublisher } from './record-publishing.js'
import { SummaryExchange } from './summary-exchange.js'
import type { VectorIndex } from './vector-index.js'

/**
 * The semantic DHT on `/ipfrs/semantic/1.0.0`: peers advertise k-means summaries of what they can answer for, a
 * search asks the peers whose centroids are nearest the query first and stops once no remaining peer can beat the
 * current k-th hit, and records of what a peer provides can be pushed to others (`publishRecord`,
 * `efficientPartialSync`) so they can answer for content they do not hold.
 */
export class SemanticDht {
  readonly libp2p: SemanticLibp2p
  readonly index: VectorIndex
  readonly records: RecordStore
  /** The LSH record path, when enabled. */
  readonly lsh: LshRouting | undefined
  readonly #reprovideMs: number
  readonly #provided: () => Iterable<readonly [string, Float32Array]>
  #reprovideTimer: ReturnType<typeof setInterval> | undefined
  #evictTimer: ReturnType<typeof setInterval> | undefined
  readonly #ctx: DhtContext
  readonly #exchange: SummaryExchange
  readonly #search: NetworkSearch
  readonly #publisher: RecordPublisher
  readonly #handle: ReturnType<typeof inboundHandler>
  #background: AbortController | undefined

  constructor(init: SemanticDhtInit) {
    this.libp2p = init.libp2p
    this.index = init.index
    const settings = resolveSettings(init)
    const metrics = new MetricsRecorder()
    const sync = new SyncState()
    const link = new PeerLink({
      libp2p: init.libp2p,
      maxMessageBytes: settings.maxMessageBytes,
      badPeerMs: settings.badPeerMs,
      counter: metrics,
      onDrop: (peer) => {
        metrics.badPeers++
        this.#exchange.peers.delete(peer)
        sync.forget(peer)
      },
      onTimeout: () => void metrics.timeouts++,
    })
    const { dimension, metric } = init.index
    const { tables, bits, reprovideMs, entries, ...lsh } = init.lsh ?? {}
    this.#reprovideMs = reprovideMs ?? (init.lsh?.ttlMs ?? 3600_000) / 2
    this.#provided = entries ?? (() => this.index.entries())
    this.lsh = init.lsh
      ? new LshRouting({
          ...(lsh as Omit<SemanticLshInit, 'tables' | 'bits' | 'reprovideMs' | 'entries'>),
          hasher: new LshHasher({ dimension, ...(tables ? { tables } : {}), ...(bits ? { bits } : {}) }),
          metric,
          self: init.libp2p.peerId,
          link,
          requestTimeoutMs: settings.requestTimeoutMs,
          askProvider: (peer, vector, k, options) =>
            askTopK(link, settings.requestTimeoutMs, peer, vector, k, { sent: 0, received: 0 }, options),
        })
      : undefined
    this.records = new RecordStore({ dimension, metric, maxRecords: settings.maxRecords })
    this.#ctx = {
      libp2p: this.libp2p,
      index: this.index,
      records: this.records,
      link,
      metrics,
      settings,
      lsh: this.lsh,
      background: () => this.#background?.signal,
    }
    this.#exchange = new SummaryExchange(this.#ctx)
    this.#search = new NetworkSearch(this.#ctx, this.#exchange)
    this.#publisher = new RecordPublisher(this.#ctx, this.#exchange)
    this.#handle = inboundHandler({
      ctx: this.#ctx,
      exchange: this.#exchange,
      search: this.#search,
      sync,
      onInternalError:
        init.onInternalError ??
        ((err, peer) => console.error(`semantic DHT: serving ${peer} failed: ${(err as Error)?.message ?? err}`)),
    })
  }

  get dimension(): number {
    return this.index.dimension
  }

  get started(): boolean {
    return this.#background !== undefined
  }

  /** Registers the protocol handler and starts pulling summaries from peers as they connect. */
  async start(options: AbortOptions = {}): Promise<void> {
    if (this.#background) return
    this.#background = new AbortController()
    await this.libp2p.handle(SEMANTIC_PROTOCOL, this.#handle, { ...options, maxInboundStreams: 64 })
    await this.#exchange.start()
    if (this.lsh && this.#reprovideMs > 0) {
      const signal = this.#background.signal
      this.#reprovideTimer = setInterval(
        () => void this.reprovide({ signal }).catch(() => undefined),
        this.#reprovideMs,
      )
      this.#reprovideTimer.unref?.()
    }
    if (this.lsh) {
      // expiry is enforced on the holder: expired records are never served, and they leave memory within a minute
      const lsh = this.lsh
      this.#evictTimer = setInterval(() => lsh.store.evictExpired(), 60_000)
      this.#evictTimer.unref?.()
    }
  }

  /**
   * Re-publishes the LSH records of everything this node provides (records expire; this keeps them alive), then
   * estimates the records path's recall on a few of its own documents (`metrics().lsh.recallEstimate`).
   */
  async reprovide(options: AbortOptions & { recallSamples?: number } = {}): Promise<number> {
    if (!this.lsh) return 0
    this.lsh.store.evictExpired()
    const entries = [...this.#provided()]
    const stored = await this.lsh.provide(entries, options)
    const samples = entries.filter((_, i) => i % Math.max(1, Math.floor(entries.length / 4)) === 0)
    const n = options.recallSamples ?? 4
    if (n > 0 && samples.length > 0) await this.lsh.estimateRecall(samples.slice(0, n), 10, options)
    return stored
  }

  /** Unregisters the handler; in-flight background work is aborted. */
  async stop(options: AbortOptions = {}): Promise<void> {
    if (!this.#background) return
    this.#background.abort()
    this.#background = undefined
    clearInterval(this.#reprovideTimer)
    this.#reprovideTimer = undefined
    clearInterval(this.#evictTimer)
    this.#evictTimer = undefined
    this.lsh?.close()
    this.#exchange.stop()
    await this.libp2p.unhandle(SEMANTIC_PROTOCOL, options)
    this.#exchange.peers.clear()
  }

  /**
   * Tell the DHT its index changed: the summary is recomputed and pushed to every known peer (debounced by 100 ms).
   * Without this call, additions and deletions are still noticed, but peers only learn of them when they re-pull.
   * Records arriving from peers (announce, partial sync) trigger it by themselves.
   */
  notifyIndexChanged(): void {
    this.#exchange.notifyIndexChanged()
  }

  /** Sends this peer's current summary to every known peer; returns how many took it. */
  pushSummary(options: AbortOptions = {}): Promise<number> {
    return this.#exchange.pushSummary(options)
  }

  /** This peer's current summary (recomputed when its vectors changed). */
  summary(): PeerSummary {
    return this.#exchange.summary()
  }

  /** The peers that speak the protocol, and the summary held for each (if any). */
  knownPeers(): Array<{ peer: string; summary?: PeerSummary; receivedAt: number }> {
    return this.#exchange.knownPeers()
  }

  /** Whether `peer` is currently remembered as bad. */
  isBad(peer: PeerId | string): boolean {
    return this.#ctx.link.isBad(peer)
  }

  /** Counters since creation. */
  metrics(): SemanticDhtMetrics {
    const snap = this.#ctx.metrics.snapshot(this.records.size)
    return this.lsh ? Object.freeze({ ...snap, lsh: this.lsh.status() }) : snap
  }

  /** Summary freshness over the known peers. */
  getRoutingConvergence(): RoutingConvergence & { lsh?: LshRoutingStatus } {
    const c = this.#exchange.convergence()
    return this.lsh ? { ...c, lsh: this.lsh.status() } : c
  }

  /** Pulls `peer`'s summary now. */
  requestSummary(peer: PeerId | string, options: AbortOptions = {}): Promise<PeerSummary> {
    return this.#exchange.requestSummary(peer, options)
  }

  /** Re-pulls every summary that is missing or stale (failures are skipped); returns how many were refreshed. */
  refreshSummaries(options: AbortOptions = {}): Promise<number> {
    return this.#exchange.refreshSummaries(options)
  }

  /**
   * The `k` nearest vectors across the network (this peer included), best first, each naming its provider. Peers are
   * asked in order of their nearest centroid, `batchSize` at a time, skipping any whose bound cannot beat the k-th
   * hit so far, up to `maxPeers`. Peers that time out or fail are skipped.
   */
  searchSimilar(vector: Float32Array, k: number, options: NetworkSearchOptions = {}): Promise<ProvidedHit[]> {
    return this.#search.searchSimilar(vector, k, options)
  }

  /** The `k` best hits this peer can answer alone: its index (provider: itself) and the records it holds. */
  localSearch(vector: Float32Array, k: number): ProvidedHit[] {
    return this.#search.localSearch(vector, k)
  }

  /**
   * Recall of the pruned search against asking every peer, averaged over `queries`; stored as the metrics'
   * `recallEstimate`. Runs two searches per query (both are counted in the metrics).
   */
  estimateRecall(queries: Float32Array[], k: number, options: AbortOptions = {}): Promise<number> {
    return this.#search.estimateRecall(queries, k, options)
  }

  /**
   * Tells up to `replicas` peers (default 3; those whose summaries lie nearest the vector first) that this peer
   * provides `cid` with this embedding, so they can answer for it. Returns the peers that stored it. With LSH
   * routing on, the CID's LSH records are queued for the background publisher (`lsh.idle()` waits for it).
   */
  publishRecord(
    cid: string,
    vector: Float32Array,
    options: AbortOptions & { replicas?: number; ttlMs?: number } = {},
  ): Promise<string[]> {
    return this.#publisher.publishRecord(cid, vector, options)
  }

  /**
   * Pushes this peer's index to `peer` as records, bucketed by the current summary's centroids: the peer answers
   * which buckets' hashes differ from what it holds, and only those are sent.
   */
  efficientPartialSync(peer: PeerId | string, options: AbortOptions = {}): Promise<PartialSyncResult> {
    return this.#publisher.efficientPartialSync(peer, options)
  }
}
