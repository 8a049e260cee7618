/**
 * Semantic routing beyond connected peers: each indexed CID's VectorAnnotatedRecords (CID, provider, int8 embedding,
 * TTL, optionally signed) are stored, per LSH key, on the peers kad-dht finds closest to that key
 * (`peerRouting.getClosestPeers`, a real Kademlia lookup); a search looks up the query's multi-probe keys the same
 * way, asks the closest peers for their best records under each key, ranks the candidates by the embeddings they
 * carry, and asks the providers of the best for their own top-k. Records expire; `reprovide` re-publishes them.
 */
import type { AbortOptions, PeerId, PeerInfo } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { RecordRefusedError } from './dht-errors.js'
import type { PeerLink, Tally } from './dht-link.js'
import { mergeHits, type ProvidedHit } from './dht-records.js'
import type { LshHasher } from './lsh.js'
import {
  chooseProviders,
  DEFAULT_LSH_SEARCH,
  type LshSearchParams,
  makeLshRecords,
  rankHeld,
  recordHits,
} from './lsh-ranking.js'
import { checkLshRecord, type LshRecord, LshStore, type RefusalCounts, signedBytes } from './lsh-records.js'
import type { Metric } from './vector-index.js'

/** What LshRouting needs from its owner (SemanticDht hands these over). */
export interface LshRoutingInit {
  readonly hasher: LshHasher
  readonly metric: Metric
  readonly self: PeerId
  readonly link: PeerLink
  readonly requestTimeoutMs: number
  /** kad-dht's lookup: `libp2p.peerRouting.getClosestPeers`. */
  readonly closestPeers: (key: Uint8Array, options?: AbortOptions) => AsyncIterable<PeerInfo>
  /** Ask one provider for its own top-k (the semantic protocol's `query`). */
  readonly askProvider: (peer: PeerId, vector: Float32Array, k: number, options: AbortOptions) => Promise<ProvidedHit[]>
  /** Signs records as their provider (the node's libp2p private key); unsigned without it. */
  readonly sign?: (data: Uint8Array) => Uint8Array | Promise<Uint8Array>
  /** Refuse unsigned records (default false). */
  readonly requireSignature?: boolean
  /** Peers each key's records are stored on (default 20, kad-dht's k). */
  readonly replicas?: number
  /** Record lifetime (default 1 h); `reprovide` should run well within it. */
  readonly ttlMs?: number
  readonly maxRecords?: number
  readonly maxRecordBytes?: number
  readonly search?: Partial<LshSearchParams>
}

/** What the LSH path reports (metrics and `getRoutingConvergence`). */
export interface LshRoutingStatus {
  readonly recordsHeld: number
  readonly keysHeld: number
  readonly recordsRefused: RefusalCounts
  /** Searches, key lookups and requests they sent (lget and provider queries). */
  readonly searches: number
  readonly lookups: number
  readonly requests: number
  /** Records this node published (counting each holder), and when it last did. */
  readonly recordsProvided: number
  readonly lastProvideAt?: number
  /** Share of this node's own documents the records path finds, from the last `estimateRecall` (absent until then). */
  readonly recallEstimate?: number
}

const enc = new TextEncoder()

/** The LSH record path of a SemanticDht. */
export class LshRouting {
  readonly store: LshStore
  readonly #i: LshRoutingInit
  readonly #p: LshSearchParams
  #searches = 0
  #lookups = 0
  #requests = 0
  #provided = 0
  #lastProvideAt: number | undefined
  #recall: number | undefined

  constructor(init: LshRoutingInit) {
    this.#i = init
    this.#p = { ...DEFAULT_LSH_SEARCH, ...init.search }
    this.store = new LshStore(
      {
        hasher: init.hasher,
        ...(init.maxRecordBytes ? { maxRecordBytes: init.maxRecordBytes } : {}),
        requireSignature: init.requireSignature ?? false,
      },
      init.maxRecords,
    )
  }

  /** Counters and sizes. */
  status(): LshRoutingStatus {
    return {
      recordsHeld: this.store.size,
      keysHeld: this.store.keys,
      recordsRefused: { ...this.store.refused },
      searches: this.#searches,
      lookups: this.#lookups,
      requests: this.#requests,
      recordsProvided: this.#provided,
      ...(this.#lastProvideAt === undefined ? {} : { lastProvideAt: this.#lastProvideAt }),
      ...(this.#recall === undefined ? {} : { recallEstimate: this.#recall }),
    }
  }

  async #closest(key: string, n: number, options: AbortOptions): Promise<PeerId[]> {
    this.#lookups++
    const peers: PeerId[] = []
    for await (const p of this.#i.closestPeers(enc.encode(key), options)) {
      if (!peers.some((q) => q.equals(p.id))) peers.push(p.id)
    }
    return peers.slice(0, n)
  }

  /** Stores `records` (already checked ones are re-checked: the same path as a peer's) on the peers closest to `key`. */
  async #put(key: string, records: LshRecord[], options: AbortOptions): Promise<number> {
    const replicas = this.#i.replicas ?? 20
    // a failed lookup costs this key's records until the next reprovide, never the others'
    const peers = await this.#closest(key, replicas, options).catch(() => {
      options.signal?.throwIfAborted()
      return [] as PeerId[]
    })
    let stored = 0
    if (peers.length < replicas) stored += await this.store.putAll(records) // a small network: this node is a holder too
    const done = await Promise.allSettled(
      peers
        .filter((p) => !p.equals(this.#i.self))
        .map((p) => this.#i.link.ask(p, this.#i.requestTimeoutMs, { t: 'lput', records }, 'ok', options)),
    )
    for (const d of done) if (d.status === 'fulfilled') stored += d.value.n > 0 ? 1 : 0
    return stored
  }

  /**
   * Publishes the records of `entries` (CID, vector) under their LSH keys, grouped so each key costs one lookup and
   * one message per holder. Returns how many (key, holder) stores succeeded.
   */
  async provide(entries: Iterable<readonly [string, Float32Array]>, options: AbortOptions = {}): Promise<number> {
    const ttlMs = this.#i.ttlMs ?? 3600_000
    const byKey = new Map<string, LshRecord[]>()
    const now = Date.now()
    for (const [cid, vector] of entries) {
      for (const r of makeLshRecords(this.#i.hasher, cid, this.#i.self.toString(), vector, now, ttlMs)) {
        const signed = this.#i.sign ? { ...r, signature: await this.#i.sign(signedBytes(r)) } : r
        const list = byKey.get(r.key) ?? []
        list.push(signed)
        byKey.set(r.key, list)
      }
    }
    let stored = 0
    const keys = [...byKey.entries()]
    for (let i = 0; i < keys.length; i += 4) {
      const batch = await Promise.all(keys.slice(i, i + 4).map(([key, recs]) => this.#put(key, recs, options)))
      for (const n of batch) stored += n
    }
    this.#provided += stored
    this.#lastProvideAt = Date.now()
    return stored
  }

  /** Serves `lput` from `peer`: records must name the sender as provider unless they carry the provider's signature. */
  async accept(peer: string, records: LshRecord[]): Promise<number> {
    const own = records.filter((r) => r.provider === peer || r.signature !== undefined)
    this.store.refused.signature += records.length - own.length
    return this.store.putAll(own)
  }

  /** Serves `lget`: the `m` best held records under `keys` for `vector`. */
  serve(keys: string[], vector: Float32Array, m: number): LshRecord[] {
    if (vector.length !== this.#i.hasher.dimension) return []
    return rankHeld(this.store.under(keys), vector, this.#i.metric, m).map((h) => h.record)
  }

  /** The records stage: candidates from the closest peers of each probe key (and this node's own store). */
  async records(vector: Float32Array, options: AbortOptions, tally?: Tally): Promise<ProvidedHit[]> {
    const probes = this.#i.hasher.probes(vector, this.#p.probes)
    const found: LshRecord[] = this.serve(
      probes.map((p) => p.key),
      vector,
      this.#p.perRequest * 2,
    )
    await Promise.all(
      probes.map(async ({ key }) => {
        const peers = (await this.#closest(key, 20, options).catch(() => [])).filter((p) => !p.equals(this.#i.self))
        // the two closest holders answer; a failed one is replaced by the next
        let answered = 0
        for (const p of peers) {
          if (answered >= 2) break
          this.#requests++
          const req = { t: 'lget' as const, keys: [key], vector, m: this.#p.perRequest }
          const reply = await this.#i.link
            .ask(p, this.#i.requestTimeoutMs, req, 'lrecs', options, tally)
            .catch(() => undefined)
          if (reply === undefined) continue
          answered++
          for (const r of reply.records) found.push(r)
        }
      }),
    )
    const valid: LshRecord[] = []
    for (const r of found) {
      try {
        await checkLshRecord(r, this.store.policy)
        valid.push(r)
      } catch (err) {
        if (!(err instanceof RecordRefusedError)) throw err
        this.store.refused[err.reason]++
      }
    }
    return recordHits(valid, vector, this.#i.metric)
  }

  /** A network search beyond connected peers: the records stage, then the best providers' own top-k. */
  async search(vector: Float32Array, k: number, options: AbortOptions = {}, tally?: Tally): Promise<ProvidedHit[]> {
    this.#searches++
    const candidates = mergeHits(k, await this.records(vector, options, tally))
    const providers = chooseProviders(candidates, this.#p.askProviders, this.#i.self.toString())
    const own = await Promise.all(
      providers.map((p) => {
        this.#requests++
        return this.#i.askProvider(peerIdFromString(p), vector, k, options).catch(() => [] as ProvidedHit[])
      }),
    )
    return mergeHits(k, candidates, ...own)
  }

  /**
   * Estimates the records path's recall: for each sample of this node's own (CID, vector), whether the records stage
   * alone finds it among the top `k`. Stored as `recallEstimate`.
   */
  async estimateRecall(
    samples: ReadonlyArray<readonly [string, Float32Array]>,
    k: number,
    options: AbortOptions = {},
  ): Promise<number> {
    let found = 0
    for (const [cid, v] of samples) {
      const hits = mergeHits(k, await this.records(v, options))
      if (hits.some((h) => h.cid === cid)) found++
    }
    this.#recall = samples.length === 0 ? 1 : found / samples.length
    return this.#recall
  }
}
