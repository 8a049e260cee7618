import { InternalError, type IpfrsError, isIpfrsError, NotStartedError } from '@ipfrs/core'
import type { AbortOptions, Connection, IdentifyResult, Libp2p, PeerId, Stream } from '@libp2p/interface'
import {
  BadMessageError,
  BadPeerError,
  InvalidRecordError,
  MessageTooLargeError,
  PeerRequestError,
  RecordRefusedError,
} from './dht-errors.js'
import { PeerLink, type Tally } from './dht-link.js'
import { MetricsRecorder, type SemanticDhtMetrics } from './dht-metrics.js'
import { DEFAULT_MAX_MESSAGE_BYTES, SEMANTIC_PROTOCOL } from './dht-protocol.js'
import { mergeHits, type ProvidedHit, quantizeInt8, RecordStore, validateCid } from './dht-records.js'
import { DimensionMismatchError, InvalidParameterError, InvalidVectorError } from './errors.js'
import { LshHasher, type LshParams } from './lsh.js'
import { LshRouting, type LshRoutingInit, type LshRoutingStatus } from './lsh-routing.js'
import {
  computeBuckets,
  type PartialSyncResult,
  receivePartialSync,
  SyncState,
  sendPartialSync,
} from './partial-sync.js'
import {
  type KnownPeer,
  LocalSummary,
  type PeerSummary,
  type RoutingConvergence,
  rankSummary,
  SummaryTable,
  searchPeers,
} from './peer-summaries.js'
import type { VectorIndex } from './vector-index.js'
import { validateInt, validateVector } from './vectors.js'

/** Enables the LSH record path (routing beyond connected peers); the hash family's dimension is the index's. */
export type SemanticLshInit = Omit<LshParams, 'dimension'> &
  Omit<LshRoutingInit, 'hasher' | 'metric' | 'self' | 'link' | 'requestTimeoutMs' | 'askProvider'> & {
    /** Re-publish this node's records this often (default half their TTL; 0 = never). */
    readonly reprovideMs?: number
    /**
     * What this node publishes and re-publishes, as (CID, vector): default every entry of the index. A node whose
     * index holds several vectors per document (chunks) publishes one per document.
     */
    readonly entries?: () => Iterable<readonly [string, Float32Array]>
  }

/** The parts of a libp2p node the semantic DHT uses (a full `Libp2p`, e.g. `network.libp2p`, fits). */
export type SemanticLibp2p = Pick<
  Libp2p,
  'peerId' | 'handle' | 'unhandle' | 'dialProtocol' | 'hangUp' | 'getConnections' | 'peerStore'
> &
  Pick<Libp2p, 'addEventListener' | 'removeEventListener'>

/** Construction options; everything but `libp2p` and `index` has a default. */
export interface SemanticDhtInit {
  readonly libp2p: SemanticLibp2p
  /** This peer's own vectors (it is their provider). */
  readonly index: VectorIndex
  /** Centroids per summary (default 8). */
  readonly centroids?: number
  /** Records held for other peers at most (default 100 000) and their default TTL (default 1 h). */
  readonly maxRecords?: number
  readonly recordTtlMs?: number
  /** Hard limit on one wire message (default 1 MiB). */
  readonly maxMessageBytes?: number
  /** Per-request timeout (default 5 s) and for a whole partial sync (default 30 s). */
  readonly requestTimeoutMs?: number
  readonly syncTimeoutMs?: number
  /** Peers asked in parallel per round (default 3) and at most per search (default 16). */
  readonly batchSize?: number
  readonly maxPeers?: number
  /** How long a peer that sent garbage stays dropped (default 10 min). */
  readonly badPeerMs?: number
  /** A summary older than this is re-pulled before it is used (default 60 s). */
  readonly summaryTtlMs?: number
  /** Send embeddings int8-quantized in announcements and syncs (default false). */
  readonly quantize?: boolean
  /**
   * Called with a local failure while serving a peer's request (the peer only hears `ERR_INTERNAL`); default: one
   * line on stderr.
   */
  readonly onInternalError?: (err: unknown, peer: string) => void
  /** Semantic routing over kad-dht with LSH records (absent: only connected peers are searched). */
  readonly lsh?: SemanticLshInit
}

/** Options of a network search. */
export interface NetworkSearchOptions extends AbortOptions {
  readonly maxPeers?: number
  readonly batchSize?: number
  /** Ask every known peer, ignoring summaries (the flooding baseline). */
  readonly exhaustive?: boolean
  /** Also search beyond connected peers through the LSH records, when enabled (default true). */
  readonly beyond?: boolean
}

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
  readonly #o: Required<Omit<SemanticDhtInit, 'libp2p' | 'index' | 'onInternalError' | 'lsh'>>
  readonly #onInternalError: (err: unknown, peer: string) => void
  readonly #summary: LocalSummary
  readonly #sync = new SyncState()
  readonly #peers: SummaryTable<PeerId>
  readonly #link: PeerLink
  readonly #m = new MetricsRecorder()
  #seenSizes = ''
  #background: AbortController | undefined
  #pushTimer: ReturnType<typeof setTimeout> | undefined

  constructor(init: SemanticDhtInit) {
    this.libp2p = init.libp2p
    this.index = init.index
    this.#o = {
      centroids: init.centroids ?? 8,
      maxRecords: init.maxRecords ?? 100_000,
      recordTtlMs: init.recordTtlMs ?? 3600_000,
      maxMessageBytes: init.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      requestTimeoutMs: init.requestTimeoutMs ?? 5000,
      syncTimeoutMs: init.syncTimeoutMs ?? 30_000,
      batchSize: init.batchSize ?? 3,
      maxPeers: init.maxPeers ?? 16,
      badPeerMs: init.badPeerMs ?? 600_000,
      summaryTtlMs: init.summaryTtlMs ?? 60_000,
      quantize: init.quantize ?? false,
    }
    this.#onInternalError =
      init.onInternalError ??
      ((err, peer) => console.error(`semantic DHT: serving ${peer} failed: ${(err as Error)?.message ?? err}`))
    this.#peers = new SummaryTable(this.#o.summaryTtlMs)
    this.#link = new PeerLink({
      libp2p: init.libp2p,
      maxMessageBytes: this.#o.maxMessageBytes,
      badPeerMs: this.#o.badPeerMs,
      counter: this.#m,
      onDrop: (peer) => {
        this.#m.badPeers++
        this.#peers.delete(peer)
        this.#sync.forget(peer)
      },
      onTimeout: () => void this.#m.timeouts++,
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
          link: this.#link,
          requestTimeoutMs: this.#o.requestTimeoutMs,
          askProvider: (peer, vector, k, options) => this.#askTopK(peer, vector, k, { sent: 0, received: 0 }, options),
        })
      : undefined
    this.records = new RecordStore({ dimension, metric, maxRecords: this.#o.maxRecords })
    this.#summary = new LocalSummary({
      dimension,
      metric,
      k: this.#o.centroids,
      source: () => this.#allVectors(),
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
    this.libp2p.addEventListener('peer:identify', this.#onIdentify)
    this.libp2p.addEventListener('peer:disconnect', this.#onDisconnect)
    this.libp2p.addEventListener('peer:connect', this.#onConnect)
    for (const c of this.libp2p.getConnections()) {
      const info = await this.libp2p.peerStore.get(c.remotePeer).catch(() => undefined)
      if (info?.protocols.includes(SEMANTIC_PROTOCOL)) this.#learn(c.remotePeer)
    }
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
    clearTimeout(this.#pushTimer)
    this.#pushTimer = undefined
    clearInterval(this.#reprovideTimer)
    this.#reprovideTimer = undefined
    clearInterval(this.#evictTimer)
    this.#evictTimer = undefined
    this.lsh?.close()
    this.libp2p.removeEventListener('peer:identify', this.#onIdentify)
    this.libp2p.removeEventListener('peer:disconnect', this.#onDisconnect)
    this.libp2p.removeEventListener('peer:connect', this.#onConnect)
    await this.libp2p.unhandle(SEMANTIC_PROTOCOL, options)
    this.#peers.clear()
  }

  /**
   * Tell the DHT its index changed: the summary is recomputed and pushed to every known peer (debounced by 100 ms).
   * Without this call, additions and deletions are still noticed, but peers only learn of them when they re-pull.
   * Records arriving from peers (announce, partial sync) trigger it by themselves.
   */
  notifyIndexChanged(): void {
    this.#summary.markDirty()
    if (this.#pushTimer !== undefined || !this.#background) return
    this.#pushTimer = setTimeout(() => {
      this.#pushTimer = undefined
      const signal = this.#background?.signal
      if (signal) void this.pushSummary({ signal }).catch(() => undefined)
    }, 100)
    this.#pushTimer.unref?.()
  }

  /** Sends this peer's current summary to every known peer; returns how many took it. */
  async pushSummary(options: AbortOptions = {}): Promise<number> {
    const summary = this.summary()
    const done = await Promise.allSettled([...this.#peers.values()].map((p) => this.#push(p.id, summary, options)))
    return done.filter((d) => d.status === 'fulfilled').length
  }

  /** This peer's current summary (recomputed when its vectors changed). */
  summary(): PeerSummary {
    const sizes = `${this.index.size}/${this.records.size}`
    if (sizes !== this.#seenSizes) {
      this.#seenSizes = sizes
      this.#summary.markDirty()
    }
    return this.#summary.get()
  }

  /** The peers that speak the protocol, and the summary held for each (if any). */
  knownPeers(): Array<{ peer: string; summary?: PeerSummary; receivedAt: number }> {
    return [...this.#peers.values()].map((p) => ({
      peer: p.id.toString(),
      receivedAt: p.receivedAt,
      ...(p.summary ? { summary: p.summary } : {}),
    }))
  }

  /** Whether `peer` is currently remembered as bad. */
  isBad(peer: PeerId | string): boolean {
    return this.#link.isBad(peer)
  }

  /** Counters since creation. */
  metrics(): SemanticDhtMetrics {
    const snap = this.#m.snapshot(this.records.size)
    return this.lsh ? Object.freeze({ ...snap, lsh: this.lsh.status() }) : snap
  }

  /** Summary freshness over the known peers. */
  getRoutingConvergence(): RoutingConvergence & { lsh?: LshRoutingStatus } {
    const c = this.#peers.convergence()
    return this.lsh ? { ...c, lsh: this.lsh.status() } : c
  }

  /** Pulls `peer`'s summary now. */
  async requestSummary(peer: PeerId | string, options: AbortOptions = {}): Promise<PeerSummary> {
    const id = this.#resolve(peer)
    const known = this.#peers.get(id.toString())
    if (known) known.attemptedAt = Date.now()
    const { summary } = await this.#link.ask(id, this.#o.requestTimeoutMs, { t: 'sumreq' }, 'sum', options)
    this.#storeSummary(id, summary)
    return summary
  }

  /** Re-pulls every summary that is missing or stale (failures are skipped); returns how many were refreshed. */
  async refreshSummaries(options: AbortOptions = {}): Promise<number> {
    const done = await Promise.allSettled(this.#peers.due(0).map((p) => this.requestSummary(p.id, options)))
    options.signal?.throwIfAborted()
    return done.filter((d) => d.status === 'fulfilled').length
  }

  /**
   * Before a search: waits for peers that have no summary yet, refreshes stale ones in the background (the old summary
   * serves this search), and leaves alone any peer asked within the last `min(summaryTtlMs, 10 s)` (a slow or failing
   * peer then costs one timeout per period, not one per search).
   */
  async #refreshForSearch(options: AbortOptions): Promise<void> {
    const due = this.#peers.due(Math.min(this.#o.summaryTtlMs, 10_000))
    const bg = this.#background?.signal
    for (const p of due.filter((p) => p.summary)) {
      void this.requestSummary(p.id, bg ? { signal: bg } : {}).catch(() => undefined)
    }
    await Promise.allSettled(due.filter((p) => !p.summary).map((p) => this.requestSummary(p.id, options)))
    options.signal?.throwIfAborted()
  }

  /**
   * The `k` nearest vectors across the network (this peer included), best first, each naming its provider. Peers are
   * asked in order of their nearest centroid, `batchSize` at a time, skipping any whose bound cannot beat the k-th
   * hit so far, up to `maxPeers`. Peers that time out or fail are skipped.
   */
  async searchSimilar(vector: Float32Array, k: number, options: NetworkSearchOptions = {}): Promise<ProvidedHit[]> {
    validateVector(vector, this.dimension, this.index.metric)
    validateInt('k', k, 1, 10_000)
    if (!this.#background) throw new NotStartedError('the semantic DHT')
    this.#m.queries++
    const tally: Tally = { sent: 0, received: 0 }
    const exhaustive = options.exhaustive === true
    if (!exhaustive) await this.#refreshForSearch(options)
    const candidates = [...this.#peers.values()]
      .filter((p) => !this.isBad(p.id) && (exhaustive || p.summary !== undefined))
      .map((p) => ({ peer: p, rank: p.summary ? rankSummary(p.summary, vector) : { nearest: 0, bound: Infinity } }))
    const { hits, contacted, hops } = await searchPeers({
      candidates,
      k,
      initial: this.localSearch(vector, k),
      maxPeers: exhaustive ? Infinity : (options.maxPeers ?? this.#o.maxPeers),
      batchSize: options.batchSize ?? this.#o.batchSize,
      exhaustive,
      ask: (p) => this.#queryPeer(p, vector, k, tally, options),
      ...(options.signal ? { signal: options.signal } : {}),
    })
    this.#m.peersContacted += contacted
    this.#m.hops += hops
    this.#m.lastQuery = { peersContacted: contacted, hops, bytes: tally.sent + tally.received }
    if (!this.lsh || options.beyond === false || exhaustive) return hits
    return this.lsh.search(vector, k, options, tally, hits)
  }

  /** The `k` best hits this peer can answer alone: its index (provider: itself) and the records it holds. */
  localSearch(vector: Float32Array, k: number): ProvidedHit[] {
    validateVector(vector, this.dimension, this.index.metric)
    const self = this.libp2p.peerId.toString()
    const own = this.index.searchSimilar(vector, k).map((h) => ({ cid: h.cid, score: h.score, provider: self }))
    return mergeHits(k, own, this.records.search(vector, k))
  }

  /**
   * Recall of the pruned search against asking every peer, averaged over `queries`; stored as the metrics'
   * `recallEstimate`. Runs two searches per query (both are counted in the metrics).
   */
  async estimateRecall(queries: Float32Array[], k: number, options: AbortOptions = {}): Promise<number> {
    let sum = 0
    for (const q of queries) {
      const pruned = new Set((await this.searchSimilar(q, k, options)).map((h) => h.cid))
      const full = await this.searchSimilar(q, k, { ...options, exhaustive: true })
      sum += full.length === 0 ? 1 : full.filter((h) => pruned.has(h.cid)).length / full.length
    }
    const recall = queries.length === 0 ? 1 : sum / queries.length
    this.#m.recallEstimate = recall
    return recall
  }

  /**
   * Tells up to `replicas` peers (default 3; those whose summaries lie nearest the vector first) that this peer
   * provides `cid` with this embedding, so they can answer for it. Returns the peers that stored it. With LSH
   * routing on, the CID's LSH records are queued for the background publisher (`lsh.idle()` waits for it).
   */
  async publishRecord(
    cid: string,
    vector: Float32Array,
    options: AbortOptions & { replicas?: number; ttlMs?: number } = {},
  ): Promise<string[]> {
    validateCid(cid)
    validateVector(vector, this.dimension, this.index.metric)
    if (!this.#background) throw new NotStartedError('the semantic DHT')
    const record = {
      cid,
      embedding: this.#o.quantize ? quantizeInt8(vector) : vector,
      created: Date.now(),
      ttlMs: options.ttlMs ?? this.#o.recordTtlMs,
    }
    const targets = [...this.#peers.values()]
      .filter((p) => !this.isBad(p.id))
      .map((p) => ({ p, s: p.summary ? rankSummary(p.summary, vector).nearest : -Infinity }))
      .sort((a, b) => b.s - a.s)
      .slice(0, options.replicas ?? 3)
    const done = await Promise.allSettled(
      targets.map(({ p }) =>
        this.#link.ask(p.id, this.#o.requestTimeoutMs, { t: 'announce', records: [record] }, 'ok', options),
      ),
    )
    this.lsh?.enqueue([[cid, vector]]) // the kad-dht side runs in the background, off the caller's path
    options.signal?.throwIfAborted()
    return targets.filter((_, i) => done[i]?.status === 'fulfilled').map(({ p }) => p.id.toString())
  }

  /**
   * Pushes this peer's index to `peer` as records, bucketed by the current summary's centroids: the peer answers
   * which buckets' hashes differ from what it holds, and only those are sent.
   */
  async efficientPartialSync(peer: PeerId | string, options: AbortOptions = {}): Promise<PartialSyncResult> {
    if (!this.#background) throw new NotStartedError('the semantic DHT')
    const id = this.#resolve(peer)
    this.summary()
    const epoch = this.#summary.get().epoch
    const buckets = computeBuckets(this.index.entries(), this.#summary.epochCentroids(), this.index.metric)
    const counter = { sent: 0, received: 0 }
    const r = await this.#link.request(
      id,
      this.#o.syncTimeoutMs,
      options,
      (ch, signal) =>
        sendPartialSync(ch, buckets, {
          signal,
          epoch,
          ttlMs: this.#o.recordTtlMs,
          quantize: this.#o.quantize,
          maxMessageBytes: this.#o.maxMessageBytes,
          dimension: this.dimension,
        }),
      counter,
    )
    return { peer: id.toString(), epoch, ...r, bytesSent: counter.sent, bytesReceived: counter.received }
  }

  #storeSummary(id: PeerId, summary: PeerSummary): void {
    if (summary.dimension !== this.dimension || summary.metric !== this.index.metric) {
      throw new PeerRequestError(id.toString(), `its summary is ${summary.metric}/${summary.dimension}`)
    }
    this.#peers.set(id, summary)
    this.#m.summariesReceived++
  }

  *#allVectors(): IterableIterator<Float32Array> {
    for (const [, v] of this.index.entries()) yield v
    yield* this.records.vectors()
  }

  async #queryPeer(p: KnownPeer<PeerId>, vector: Float32Array, k: number, tally: Tally, options: AbortOptions) {
    return this.#askTopK(p.id, vector, k, tally, options, p)
  }

  async #askTopK(
    id: PeerId,
    vector: Float32Array,
    k: number,
    tally: Tally,
    options: AbortOptions,
    p?: KnownPeer<PeerId>,
  ) {
    const query = { t: 'query', vector, k } as const
    const m = await this.#link.ask(id, this.#o.requestTimeoutMs, query, 'hits', options, tally)
    if (p) p.seenVersion = Math.max(p.seenVersion, m.version)
    return m.hits.slice(0, k).map(([cid, score, provider]): ProvidedHit => ({ cid, score, provider }))
  }

  #resolve(peer: PeerId | string): PeerId {
    if (typeof peer !== 'string') return peer
    const known =
      this.#peers.get(peer)?.id ?? this.libp2p.getConnections().find((c) => c.remotePeer.toString() === peer)
    if (known === undefined) throw new PeerRequestError(peer, 'not connected')
    return 'remotePeer' in known ? known.remotePeer : known
  }

  /** Serves one incoming exchange. */
  readonly #handle = async (stream: Stream, connection: Connection): Promise<void> => {
    const id = connection.remotePeer
    const peer = id.toString()
    if (this.isBad(peer)) {
      stream.abort(new BadPeerError(peer))
      return
    }
    const ch = this.#link.channel(stream, peer)
    const signal = AbortSignal.timeout(this.#o.syncTimeoutMs)
    try {
      const m = await ch.receive({ signal: AbortSignal.any([signal, AbortSignal.timeout(this.#o.requestTimeoutMs)]) })
      if (m.t === 'sum') {
        this.#storeSummary(id, m.summary)
        await ch.send({ t: 'ok', n: 1 }, { signal })
      } else if (m.t === 'sumreq') {
        await ch.send({ t: 'sum', summary: this.summary() }, { signal })
      } else if (m.t === 'query') {
        this.#m.queriesServed++
        const hits = this.localSearch(m.vector, m.k).map((h): [string, number, string] => [h.cid, h.score, h.provider])
        await ch.send({ t: 'hits', version: this.summary().version, hits }, { signal })
      } else if (m.t === 'announce') {
        for (const r of m.records) this.records.put({ ...r, provider: peer })
        this.notifyIndexChanged() // what we can answer for changed: tell the others
        await ch.send({ t: 'ok', n: m.records.length }, { signal })
      } else if (m.t === 'lput' || m.t === 'lget') {
        if (!this.lsh) throw new InvalidParameterError('request', 'LSH routing is not enabled on this peer')
        if (m.t === 'lput')
          await ch.send({ t: 'ok', n: await this.lsh.accept(peer, m.records, m.malformed) }, { signal })
        else await ch.send({ t: 'lrecs', records: this.lsh.serve(m.keys, m.vector, m.m) }, { signal })
      } else if (m.t === 'offer') {
        const { recordTtlMs: ttlMs } = this.#o
        const n = await receivePartialSync(ch, m, {
          provider: peer,
          store: this.records,
          state: this.#sync,
          ttlMs,
          signal,
        })
        if (n > 0 || m.buckets.length === 0) this.notifyIndexChanged()
      } else {
        throw new BadMessageError(`unexpected ${m.t} as a request`)
      }
      await ch.close({ signal })
    } catch (err) {
      if (err instanceof BadMessageError || err instanceof MessageTooLargeError) {
        stream.abort(err)
        this.#link.drop(id)
      } else if (stream.writeStatus === 'writable') {
        // the remote hears why its request was refused, never our local failure (paths, OS errors): those stay here
        const reply = forPeer(err)
        // a peer too slow to send its request (or to read the answer) is not a local failure
        const slowPeer = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
        if (reply.code === InternalError.code && !slowPeer) this.#onInternalError(err, id.toString())
        await ch.send({ t: 'err', code: reply.code, message: reply.message }, { signal }).catch(() => undefined)
        await ch.close({ signal }).catch(() => undefined)
      } else {
        stream.abort(err instanceof Error ? err : new Error(String(err)))
      }
    }
  }

  #learn(id: PeerId): void {
    const peer = id.toString()
    if (this.isBad(peer) || !this.#peers.learn(id)) return
    void this.#pull(id, [500, 2000])
    // and tell it what we hold: it may have pulled our summary before our last index change, whose push went only to
    // the peers we knew then, and would otherwise search with that stale summary for up to summaryTtlMs
    if (this.index.size + this.records.size === 0) return
    const signal = this.#background?.signal
    void this.#push(id, this.summary(), signal ? { signal } : {}).catch(() => undefined)
  }

  async #push(id: PeerId, summary: PeerSummary, options: AbortOptions): Promise<void> {
    await this.#link.ask(id, this.#o.requestTimeoutMs, { t: 'sum', summary }, 'ok', options)
  }

  /** Pulls a new peer's summary, retrying after each delay in `retries` while it is still known and not bad. */
  async #pull(id: PeerId, retries: number[]): Promise<void> {
    const signal = this.#background?.signal
    // a summary is pulled over a connection that exists; a peer that went away (e.g. trimmed by the connection
    // manager) is not dialled again for it: it is learnt again if it reconnects
    if (this.libp2p.getConnections(id).length === 0) return
    try {
      await this.requestSummary(id, signal ? { signal } : {})
    } catch {
      const [delay, ...rest] = retries
      if (delay === undefined || signal?.aborted) return
      await new Promise((r) => setTimeout(r, delay).unref())
      if (this.#peers.get(id.toString()) && !this.isBad(id)) await this.#pull(id, rest)
    }
  }

  readonly #onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    if (evt.detail.protocols.includes(SEMANTIC_PROTOCOL)) this.#learn(evt.detail.peerId)
  }

  readonly #onConnect = (evt: CustomEvent<PeerId>): void => {
    if (this.isBad(evt.detail)) void this.libp2p.hangUp(evt.detail).catch(() => undefined)
  }

  readonly #onDisconnect = (evt: CustomEvent<PeerId>): void => {
    this.#peers.delete(evt.detail.toString())
  }
}

/** The codes a remote may hear: its request was malformed or out of range. Anything else is ours to keep. */
const PEER_VISIBLE_CODES: ReadonlySet<string> = new Set([
  InvalidRecordError.code,
  RecordRefusedError.code,
  InvalidVectorError.code,
  DimensionMismatchError.code,
  InvalidParameterError.code,
  MessageTooLargeError.code,
])

/** What a peer is told about `err`: the error itself when it is about the peer's request, a generic internal error otherwise. */
export function forPeer(err: unknown): IpfrsError {
  return isIpfrsError(err) && PEER_VISIBLE_CODES.has(err.code) ? err : new InternalError({ cause: err })
}
