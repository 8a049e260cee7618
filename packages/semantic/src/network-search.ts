import { NotStartedError } from '@ipfrs/core'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { DhtContext } from './dht-init.js'
import type { PeerLink, Tally } from './dht-link.js'
import { mergeHits, type ProvidedHit } from './dht-records.js'
import { type KnownPeer, rankSummary, searchPeers } from './peer-summaries.js'
import type { SummaryExchange } from './summary-exchange.js'
import { validateInt, validateVector } from './vectors.js'

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
 * Asks `id` for its `k` best hits for `vector`. When `p` is the peer's table entry, the summary version it answered
 * with is remembered there.
 */
export async function askTopK(
  link: PeerLink,
  timeoutMs: number,
  id: PeerId,
  vector: Float32Array,
  k: number,
  tally: Tally,
  options: AbortOptions,
  p?: KnownPeer<PeerId>,
): Promise<ProvidedHit[]> {
  const query = { t: 'query', vector, k } as const
  const m = await link.ask(id, timeoutMs, query, 'hits', options, tally)
  if (p) p.seenVersion = Math.max(p.seenVersion, m.version)
  return m.hits.slice(0, k).map(([cid, score, provider]): ProvidedHit => ({ cid, score, provider }))
}

/** Search across the network: this peer's own answers, then the peers whose summaries lie nearest the query. */
export class NetworkSearch {
  readonly #ctx: DhtContext
  readonly #exchange: SummaryExchange

  constructor(ctx: DhtContext, exchange: SummaryExchange) {
    this.#ctx = ctx
    this.#exchange = exchange
  }

  /** See `SemanticDht.searchSimilar`. */
  async searchSimilar(vector: Float32Array, k: number, options: NetworkSearchOptions = {}): Promise<ProvidedHit[]> {
    const { index, link, metrics: m, settings, lsh } = this.#ctx
    validateVector(vector, index.dimension, index.metric)
    validateInt('k', k, 1, 10_000)
    if (!this.#ctx.background()) throw new NotStartedError('the semantic DHT')
    m.queries++
    const tally: Tally = { sent: 0, received: 0 }
    const exhaustive = options.exhaustive === true
    if (!exhaustive) await this.#exchange.refreshForSearch(options)
    const candidates = [...this.#exchange.peers.values()]
      .filter((p) => !link.isBad(p.id) && (exhaustive || p.summary !== undefined))
      .map((p) => ({ peer: p, rank: p.summary ? rankSummary(p.summary, vector) : { nearest: 0, bound: Infinity } }))
    const { hits, contacted, hops } = await searchPeers({
      candidates,
      k,
      initial: this.localSearch(vector, k),
      maxPeers: exhaustive ? Infinity : (options.maxPeers ?? settings.maxPeers),
      batchSize: options.batchSize ?? settings.batchSize,
      exhaustive,
      ask: (p) => askTopK(link, settings.requestTimeoutMs, p.id, vector, k, tally, options, p),
      ...(options.signal ? { signal: options.signal } : {}),
    })
    m.peersContacted += contacted
    m.hops += hops
    m.lastQuery = { peersContacted: contacted, hops, bytes: tally.sent + tally.received }
    if (!lsh || options.beyond === false || exhaustive) return hits
    return lsh.search(vector, k, options, tally, hits)
  }

  /** The `k` best hits this peer can answer alone: its index (provider: itself) and the records it holds. */
  localSearch(vector: Float32Array, k: number): ProvidedHit[] {
    const { index, records, libp2p } = this.#ctx
    validateVector(vector, index.dimension, index.metric)
    const self = libp2p.peerId.toString()
    const own = index.searchSimilar(vector, k).map((h) => ({ cid: h.cid, score: h.score, provider: self }))
    return mergeHits(k, own, records.search(vector, k))
  }

  /** See `SemanticDht.estimateRecall`. */
  async estimateRecall(queries: Float32Array[], k: number, options: AbortOptions = {}): Promise<number> {
    let sum = 0
    for (const q of queries) {
      const pruned = new Set((await this.searchSimilar(q, k, options)).map((h) => h.cid))
      const full = await this.searchSimilar(q, k, { ...options, exhaustive: true })
      sum += full.length === 0 ? 1 : full.filter((h) => pruned.has(h.cid)).length / full.length
    }
    const recall = queries.length === 0 ? 1 : sum / queries.length
    this.#ctx.metrics.recallEstimate = recall
    return recall
  }
}
