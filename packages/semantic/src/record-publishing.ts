import { NotStartedError } from '@ipfrs/core'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { DhtContext } from './dht-init.js'
import { quantizeInt8, validateCid } from './dht-records.js'
import { computeBuckets, type PartialSyncResult, sendPartialSync } from './partial-sync.js'
import { rankSummary } from './peer-summaries.js'
import type { SummaryExchange } from './summary-exchange.js'
import { validateVector } from './vectors.js'

/** Pushes records of what this peer provides to other peers, so they can answer for content they do not hold. */
export class RecordPublisher {
  readonly #ctx: DhtContext
  readonly #exchange: SummaryExchange

  constructor(ctx: DhtContext, exchange: SummaryExchange) {
    this.#ctx = ctx
    this.#exchange = exchange
  }

  /** See `SemanticDht.publishRecord`. */
  async publishRecord(
    cid: string,
    vector: Float32Array,
    options: AbortOptions & { replicas?: number; ttlMs?: number } = {},
  ): Promise<string[]> {
    const { index, link, settings, lsh } = this.#ctx
    validateCid(cid)
    validateVector(vector, index.dimension, index.metric)
    if (!this.#ctx.background()) throw new NotStartedError('the semantic DHT')
    const record = {
      cid,
      embedding: settings.quantize ? quantizeInt8(vector) : vector,
      created: Date.now(),
      ttlMs: options.ttlMs ?? settings.recordTtlMs,
    }
    const targets = [...this.#exchange.peers.values()]
      .filter((p) => !link.isBad(p.id))
      .map((p) => ({ p, s: p.summary ? rankSummary(p.summary, vector).nearest : -Infinity }))
      .sort((a, b) => b.s - a.s)
      .slice(0, options.replicas ?? 3)
    const done = await Promise.allSettled(
      targets.map(({ p }) =>
        link.ask(p.id, settings.requestTimeoutMs, { t: 'announce', records: [record] }, 'ok', options),
      ),
    )
    lsh?.enqueue([[cid, vector]]) // the kad-dht side runs in the background, off the caller's path
    options.signal?.throwIfAborted()
    return targets.filter((_, i) => done[i]?.status === 'fulfilled').map(({ p }) => p.id.toString())
  }

  /** See `SemanticDht.efficientPartialSync`. */
  async efficientPartialSync(peer: PeerId | string, options: AbortOptions = {}): Promise<PartialSyncResult> {
    if (!this.#ctx.background()) throw new NotStartedError('the semantic DHT')
    const { index, link, settings } = this.#ctx
    const id = this.#exchange.resolve(peer)
    const { epoch, centroids } = this.#exchange.epoch()
    const buckets = computeBuckets(index.entries(), centroids, index.metric)
    const counter = { sent: 0, received: 0 }
    const r = await link.request(
      id,
      settings.syncTimeoutMs,
      options,
      (ch, signal) =>
        sendPartialSync(ch, buckets, {
          signal,
          epoch,
          ttlMs: settings.recordTtlMs,
          quantize: settings.quantize,
          maxMessageBytes: settings.maxMessageBytes,
          dimension: index.dimension,
        }),
      counter,
    )
    return { peer: id.toString(), epoch, ...r, bytesSent: counter.sent, bytesReceived: counter.received }
  }
}
