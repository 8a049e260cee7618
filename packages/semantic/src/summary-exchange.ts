import type { AbortOptions, IdentifyResult, PeerId } from '@libp2p/interface'
import { PeerRequestError } from './dht-errors.js'
import type { DhtContext } from './dht-init.js'
import { SEMANTIC_PROTOCOL } from './dht-protocol.js'
import { LocalSummary, type PeerSummary, type RoutingConvergence, SummaryTable } from './peer-summaries.js'

/**
 * The summary side of the semantic DHT: learns the peers that speak the protocol as they connect, pulls their
 * k-means summaries (and keeps them fresh), and pushes this peer's own summary when its vectors change.
 */
export class SummaryExchange {
  /** The peers that speak the protocol, with the summary held for each. */
  readonly peers: SummaryTable<PeerId>
  readonly #ctx: DhtContext
  readonly #local: LocalSummary
  #seenSizes = ''
  #pushTimer: ReturnType<typeof setTimeout> | undefined

  constructor(ctx: DhtContext) {
    this.#ctx = ctx
    this.peers = new SummaryTable(ctx.settings.summaryTtlMs)
    const { dimension, metric } = ctx.index
    this.#local = new LocalSummary({ dimension, metric, k: ctx.settings.centroids, source: () => allVectors(ctx) })
  }

  /** Starts learning peers: those that identify with the protocol from now on, and those already connected. */
  async start(): Promise<void> {
    const { libp2p } = this.#ctx
    libp2p.addEventListener('peer:identify', this.#onIdentify)
    libp2p.addEventListener('peer:disconnect', this.#onDisconnect)
    libp2p.addEventListener('peer:connect', this.#onConnect)
    for (const c of libp2p.getConnections()) {
      const info = await libp2p.peerStore.get(c.remotePeer).catch(() => undefined)
      if (info?.protocols.includes(SEMANTIC_PROTOCOL)) this.learn(c.remotePeer)
    }
  }

  /** Stops learning peers and cancels a pending push (the known peers stay until `peers.clear()`). */
  stop(): void {
    clearTimeout(this.#pushTimer)
    this.#pushTimer = undefined
    const { libp2p } = this.#ctx
    libp2p.removeEventListener('peer:identify', this.#onIdentify)
    libp2p.removeEventListener('peer:disconnect', this.#onDisconnect)
    libp2p.removeEventListener('peer:connect', this.#onConnect)
  }

  /** The index changed: recompute the summary and push it to every known peer (debounced by 100 ms). */
  notifyIndexChanged(): void {
    this.#local.markDirty()
    if (this.#pushTimer !== undefined || !this.#ctx.background()) return
    this.#pushTimer = setTimeout(() => {
      this.#pushTimer = undefined
      const signal = this.#ctx.background()
      if (signal) void this.pushSummary({ signal }).catch(() => undefined)
    }, 100)
    this.#pushTimer.unref?.()
  }

  /** Sends this peer's current summary to every known peer; returns how many took it. */
  async pushSummary(options: AbortOptions = {}): Promise<number> {
    const summary = this.summary()
    const done = await Promise.allSettled([...this.peers.values()].map((p) => this.#push(p.id, summary, options)))
    return done.filter((d) => d.status === 'fulfilled').length
  }

  /** This peer's current summary (recomputed when its vectors changed). */
  summary(): PeerSummary {
    const sizes = `${this.#ctx.index.size}/${this.#ctx.records.size}`
    if (sizes !== this.#seenSizes) {
      this.#seenSizes = sizes
      this.#local.markDirty()
    }
    return this.#local.get()
  }

  /** The current summary's epoch and all its centroids (also empty ones), for bucketing a partial sync. */
  epoch(): { epoch: number; centroids: Float32Array[] } {
    const { epoch } = this.summary()
    return { epoch, centroids: this.#local.epochCentroids() }
  }

  /** The peers that speak the protocol, and the summary held for each (if any). */
  knownPeers(): Array<{ peer: string; summary?: PeerSummary; receivedAt: number }> {
    return [...this.peers.values()].map((p) => ({
      peer: p.id.toString(),
      receivedAt: p.receivedAt,
      ...(p.summary ? { summary: p.summary } : {}),
    }))
  }

  /** Summary freshness over the known peers. */
  convergence(): RoutingConvergence {
    return this.peers.convergence()
  }

  /** Pulls `peer`'s summary now. */
  async requestSummary(peer: PeerId | string, options: AbortOptions = {}): Promise<PeerSummary> {
    const id = this.resolve(peer)
    const known = this.peers.get(id.toString())
    if (known) known.attemptedAt = Date.now()
    const { link, settings } = this.#ctx
    const { summary } = await link.ask(id, settings.requestTimeoutMs, { t: 'sumreq' }, 'sum', options)
    this.storeSummary(id, summary)
    return summary
  }

  /** Re-pulls every summary that is missing or stale (failures are skipped); returns how many were refreshed. */
  async refreshSummaries(options: AbortOptions = {}): Promise<number> {
    const done = await Promise.allSettled(this.peers.due(0).map((p) => this.requestSummary(p.id, options)))
    options.signal?.throwIfAborted()
    return done.filter((d) => d.status === 'fulfilled').length
  }

  /**
   * Before a search: waits for peers that have no summary yet, refreshes stale ones in the background (the old summary
   * serves this search), and leaves alone any peer asked within the last `min(summaryTtlMs, 10 s)` (a slow or failing
   * peer then costs one timeout per period, not one per search).
   */
  async refreshForSearch(options: AbortOptions): Promise<void> {
    const due = this.peers.due(Math.min(this.#ctx.settings.summaryTtlMs, 10_000))
    const bg = this.#ctx.background()
    for (const p of due.filter((p) => p.summary)) {
      void this.requestSummary(p.id, bg ? { signal: bg } : {}).catch(() => undefined)
    }
    await Promise.allSettled(due.filter((p) => !p.summary).map((p) => this.requestSummary(p.id, options)))
    options.signal?.throwIfAborted()
  }

  /** Keeps a summary `id` sent or answered with; one of another dimension or metric is refused. */
  storeSummary(id: PeerId, summary: PeerSummary): void {
    const { index, metrics } = this.#ctx
    if (summary.dimension !== index.dimension || summary.metric !== index.metric) {
      throw new PeerRequestError(id.toString(), `its summary is ${summary.metric}/${summary.dimension}`)
    }
    this.peers.set(id, summary)
    metrics.summariesReceived++
  }

  /** The PeerId of a known or connected peer. */
  resolve(peer: PeerId | string): PeerId {
    if (typeof peer !== 'string') return peer
    const known =
      this.peers.get(peer)?.id ?? this.#ctx.libp2p.getConnections().find((c) => c.remotePeer.toString() === peer)
    if (known === undefined) throw new PeerRequestError(peer, 'not connected')
    return 'remotePeer' in known ? known.remotePeer : known
  }

  /** Starts tracking a peer that speaks the protocol: pulls its summary and pushes ours. */
  learn(id: PeerId): void {
    const peer = id.toString()
    const { link, index, records } = this.#ctx
    if (link.isBad(peer) || !this.peers.learn(id)) return
    void this.#pull(id, [500, 2000])
    // and tell it what we hold: it may have pulled our summary before our last index change, whose push went only to
    // the peers we knew then, and would otherwise search with that stale summary for up to summaryTtlMs
    if (index.size + records.size === 0) return
    const signal = this.#ctx.background()
    void this.#push(id, this.summary(), signal ? { signal } : {}).catch(() => undefined)
  }

  async #push(id: PeerId, summary: PeerSummary, options: AbortOptions): Promise<void> {
    await this.#ctx.link.ask(id, this.#ctx.settings.requestTimeoutMs, { t: 'sum', summary }, 'ok', options)
  }

  /** Pulls a new peer's summary, retrying after each delay in `retries` while it is still known and not bad. */
  async #pull(id: PeerId, retries: number[]): Promise<void> {
    const signal = this.#ctx.background()
    // a summary is pulled over a connection that exists; a peer that went away (e.g. trimmed by the connection
    // manager) is not dialled again for it: it is learnt again if it reconnects
    if (this.#ctx.libp2p.getConnections(id).length === 0) return
    try {
      await this.requestSummary(id, signal ? { signal } : {})
    } catch {
      const [delay, ...rest] = retries
      if (delay === undefined || signal?.aborted) return
      await new Promise((r) => setTimeout(r, delay).unref())
      if (this.peers.get(id.toString()) && !this.#ctx.link.isBad(id)) await this.#pull(id, rest)
    }
  }

  readonly #onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    if (evt.detail.protocols.includes(SEMANTIC_PROTOCOL)) this.learn(evt.detail.peerId)
  }

  readonly #onConnect = (evt: CustomEvent<PeerId>): void => {
    if (this.#ctx.link.isBad(evt.detail)) void this.#ctx.libp2p.hangUp(evt.detail).catch(() => undefined)
  }

  readonly #onDisconnect = (evt: CustomEvent<PeerId>): void => {
    this.peers.delete(evt.detail.toString())
  }
}

/** Every vector this peer can answer for: its index and the records it holds. */
function* allVectors(ctx: DhtContext): IterableIterator<Float32Array> {
  for (const [, v] of ctx.index.entries()) yield v
  yield* ctx.records.vectors()
}
