/**
 * Semantic routing beyond connected peers: each indexed CID's VectorAnnotatedRecords (CID, provider, int8 embedding,
 * TTL, optionally signed) are stored, per LSH key, on the peers kad-dht finds closest to that key
 * (`peerRouting.getClosestPeers`, a real Kademlia lookup); a search looks up the query's multi-probe keys the same
 * way, asks the closest peers for their best records under each key, ranks the candidates by the embeddings they
 * carry, and asks the providers of the best for their own top-k. Records expire; `reprovide` re-publishes them.
 */
import { mapLimit } from '@ipfrs/core'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { RecordRefusedError } from './dht-errors.js'
import type { PeerLink, Tally } from './dht-link.js'
import { mergeHits, type ProvidedHit } from './dht-records.js'
import type { LshHasher } from './lsh.js'
import { byHolder, type ClosestPeersLookup, HolderCache } from './lsh-holders.js'
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
  /** kad-dht's lookup: `libp2p.peerRouting.getClosestPeers`, or one that ends once `replicas` peers are settled. */
  readonly closestPeers: ClosestPeersLookup
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
  /** How long a key's closest peers (one kad-dht lookup) are reused (default 10 min). */
  readonly holderCacheMs?: number
  /** kad-dht lookups in flight at once (default 4), and `lput`/`lget` requests in flight at once (default 4). */
  readonly lookupConcurrency?: number
  readonly requestConcurrency?: number
  /** How long `enqueue` waits to gather more documents into one background publish (default 200 ms). */
  readonly batchDelayMs?: number
}

/** What the LSH path reports (metrics and `getRoutingConvergence`). */
export interface LshRoutingStatus {
  readonly recordsHeld: number
  readonly keysHeld: number
  readonly recordsRefused: RefusalCounts
  /** Searches, kad-dht key lookups (cache misses), lookups answered from the cache, and requests sent (lput, lget, provider queries). */
  readonly searches: number
  readonly lookups: number
  readonly lookupCacheHits: number
  readonly requests: number
  /** Records this node published that holders accepted (counting each holder), and when it last published. */
  readonly recordsProvided: number
  readonly lastProvideAt?: number
  /** Documents waiting for the background publisher. */
  readonly pendingProvide: number
  /** Share of this node's own documents the records path finds, from the last `estimateRecall` (absent until then). */
  readonly recallEstimate?: number
}

/** Records per `lput` message at most (a 512-d int8 record is about 0.8 KiB; the message limit is 1 MiB). */
const RECORDS_PER_MESSAGE = 512
/** lget rounds: a key whose holders failed is asked of its next-closest holders, at most this many times. */
const LGET_ROUNDS = 3
/**
 * Holders asked per probe key at most: as many as a key's records are replicated to (a searcher's view of the
 * closest peers may differ a little from the publisher's), capped so a search stays cheap when replicas is kad-dht's k.
 */
const MAX_HOLDERS_PER_KEY = 4

/** The LSH record path of a SemanticDht. */
export class LshRouting {
  readonly store: LshStore
  readonly #i: LshRoutingInit
  readonly #p: LshSearchParams
  readonly #holders: HolderCache
  #searches = 0
  #lookups = 0
  #requests = 0
  #provided = 0
  #lastProvideAt: number | undefined
  #recall: number | undefined
  readonly #pending = new Map<string, Float32Array>()
  #draining: Promise<void> | undefined
  #bg = new AbortController()

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
    this.#holders = new HolderCache({
      self: init.self,
      closestPeers: init.closestPeers,
      count: init.replicas ?? 20,
      ...(init.holderCacheMs === undefined ? {} : { cacheMs: init.holderCacheMs }),
      ...(init.lookupConcurrency === undefined ? {} : { concurrency: init.lookupConcurrency }),
      onLookup: () => void this.#lookups++,
    })
  }

  /** Counters and sizes. */
  status(): LshRoutingStatus {
    return {
      recordsHeld: this.store.size,
      keysHeld: this.store.keys,
      recordsRefused: { ...this.store.refused },
      searches: this.#searches,
      lookups: this.#lookups,
      lookupCacheHits: this.#holders.hits,
      requests: this.#requests,
      recordsProvided: this.#provided,
      ...(this.#lastProvideAt === undefined ? {} : { lastProvideAt: this.#lastProvideAt }),
      pendingProvide: this.#pending.size,
      ...(this.#recall === undefined ? {} : { recallEstimate: this.#recall }),
    }
  }

  /** Holders asked per probe key: the replication factor, at most MAX_HOLDERS_PER_KEY. */
  get #holdersPerKey(): number {
    return Math.max(1, Math.min(this.#i.replicas ?? 20, MAX_HOLDERS_PER_KEY))
  }

  get #concurrency(): number {
    return this.#i.requestConcurrency ?? 4
  }

  /**
   * Queues documents for publishing in the background (off the caller's path): entries queued within
   * `batchDelayMs` of each other share one run, so each key costs one lookup and each holder one message.
   */
  enqueue(entries: Iterable<readonly [string, Float32Array]>): void {
    for (const [cid, v] of entries) this.#pending.set(cid, v)
    if (this.#draining || this.#pending.size === 0) return
    const signal = this.#bg.signal
    this.#draining = (async () => {
      while (this.#pending.size > 0 && !signal.aborted) {
        await new Promise((r) => setTimeout(r, this.#i.batchDelayMs ?? 200).unref?.())
        const batch = [...this.#pending]
        this.#pending.clear()
        await this.provide(batch, { signal }).catch(() => undefined)
      }
    })().finally(() => {
      this.#draining = undefined
    })
  }

  /** Resolves once the background publisher has nothing left to do. */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining
  }

  /** Aborts background publishing and forgets what was queued. */
  close(): void {
    this.#bg.abort()
    this.#bg = new AbortController()
    this.#pending.clear()
    this.#holders.clear()
  }

  /**
   * Publishes the records of `entries` (CID, vector) under their LSH keys: one (cached) kad-dht lookup per distinct
   * key, then one `lput` per holder carrying every record it is among the `replicas` closest peers for. When a key
   * has fewer than `replicas` peers (a small network), this node holds its records too. Returns how many records
   * holders accepted (each holder counted).
   */
  async provide(entries: Iterable<readonly [string, Float32Array]>, options: AbortOptions = {}): Promise<number> {
    const ttlMs = this.#i.ttlMs ?? 3600_000
    const replicas = this.#i.replicas ?? 20
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
    const holders = await this.#holders.closestAll([...byKey.keys()], options)
    const local = [...byKey].filter(([k]) => (holders.get(k)?.length ?? 0) < replicas).flatMap(([, rs]) => rs)
    let stored = local.length > 0 ? await this.store.putAll(local) : 0
    const sends: Array<{ peer: PeerId; records: LshRecord[] }> = []
    for (const { peer, keys } of byHolder(holders, replicas).values()) {
      const records = keys.flatMap((k) => byKey.get(k) ?? [])
      for (let i = 0; i < records.length; i += RECORDS_PER_MESSAGE) {
        sends.push({ peer, records: records.slice(i, i + RECORDS_PER_MESSAGE) })
      }
    }
    const accepted = await mapLimit(sends, this.#concurrency, async ({ peer, records }) => {
      this.#requests++
      try {
        const ok = await this.#i.link.ask(peer, this.#i.requestTimeoutMs, { t: 'lput', records }, 'ok', options)
        return ok.n
      } catch {
        options.signal?.throwIfAborted()
        this.#holders.forgetPeer(peer) // a failed holder: look its keys up afresh next time
        return 0
      }
    })
    for (const n of accepted) stored += n
    this.#provided += stored
    this.#lastProvideAt = Date.now()
    return stored
  }

  /**
   * Serves `lput` from `peer`: records must name the sender as provider unless they carry the provider's signature;
   * `malformed` records that did not even parse are counted too. Returns how many were stored; when every record was
   * refused, throws the last refusal (`RecordRefusedError`, `ERR_SEMANTIC_RECORD_REFUSED`) so the sender hears why.
   */
  async accept(peer: string, records: LshRecord[], malformed = 0): Promise<number> {
    const own = records.filter((r) => r.provider === peer || r.signature !== undefined)
    this.store.refused.signature += records.length - own.length
    this.store.refused.malformed += malformed
    const stored = await this.store.putAll(own)
    if (stored === 0 && records.length + malformed > 0) {
      throw own.length === 0
        ? new RecordRefusedError(
            malformed > 0 ? 'malformed' : 'signature',
            malformed > 0
              ? `${malformed} malformed record(s)`
              : `unsigned records naming another provider than ${peer}`,
          )
        : (this.store.lastRefusal ?? new RecordRefusedError('malformed', 'refused'))
    }
    return stored
  }

  /** Serves `lget`: the `m` best held records under `keys` for `vector`. */
  serve(keys: string[], vector: Float32Array, m: number): LshRecord[] {
    if (vector.length !== this.#i.hasher.dimension) return []
    return rankHeld(this.store.under(keys), vector, this.#i.metric, m).map((h) => h.record)
  }

  /**
   * The records stage: the query's probe keys are looked up (cached), each key's closest holders (as many as it is replicated to, at most 4) are asked, one
   * `lget` per holder for all the keys it holds; a key whose holder failed goes to its next-closest holder. Records
   * are checked as a holder checks them before they count.
   */
  async records(vector: Float32Array, options: AbortOptions, tally?: Tally): Promise<ProvidedHit[]> {
    const keys = this.#i.hasher.probes(vector, this.#p.probes).map((p) => p.key)
    const found: LshRecord[] = this.serve(keys, vector, this.#p.perRequest * 2)
    const holders = await this.#holders.closestAll(keys, options)
    const answered = new Map(keys.map((k) => [k, 0]))
    const next = new Map(keys.map((k) => [k, 0]))
    for (let round = 0; round < LGET_ROUNDS; round++) {
      const ask = new Map<string, { peer: PeerId; keys: string[] }>()
      for (const key of keys) {
        const peers = holders.get(key) ?? []
        let want = this.#holdersPerKey - (answered.get(key) ?? 0)
        let i = next.get(key) ?? 0
        for (; want > 0 && i < peers.length; i++, want--) {
          const peer = peers[i] as PeerId
          const entry = ask.get(peer.toString()) ?? { peer, keys: [] }
          entry.keys.push(key)
          ask.set(peer.toString(), entry)
        }
        next.set(key, i)
      }
      if (ask.size === 0) break
      await mapLimit([...ask.values()], this.#concurrency, async ({ peer, keys: ks }) => {
        this.#requests++
        const m = Math.min(1000, this.#p.perRequest * ks.length)
        const req = { t: 'lget' as const, keys: ks.slice(0, 64), vector, m }
        const reply = await this.#i.link
          .ask(peer, this.#i.requestTimeoutMs, req, 'lrecs', options, tally)
          .catch(() => undefined)
        options.signal?.throwIfAborted()
        if (reply === undefined) {
          this.#holders.forgetPeer(peer)
          return
        }
        for (const k of ks) answered.set(k, (answered.get(k) ?? 0) + 1)
        this.store.refused.malformed += reply.malformed ?? 0
        for (const r of reply.records) found.push(r)
      })
    }
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

  /**
   * A network search beyond connected peers: the records stage, then the best providers' own top-k, merged with
   * `known` (hits already found, e.g. by the summary stage). A record's score comes from its int8 embedding, so it
   * only stands for a CID that no exact answer (a provider's own index) covers.
   */
  async search(
    vector: Float32Array,
    k: number,
    options: AbortOptions = {},
    tally?: Tally,
    known: ProvidedHit[] = [],
  ): Promise<ProvidedHit[]> {
    this.#searches++
    const candidates = mergeHits(k, await this.records(vector, options, tally))
    const providers = chooseProviders(candidates, this.#p.askProviders, this.#i.self.toString())
    const own = await Promise.all(
      providers.map((p) => {
        this.#requests++
        return this.#i.askProvider(peerIdFromString(p), vector, k, options).catch(() => [] as ProvidedHit[])
      }),
    )
    const exact = mergeHits(Number.MAX_SAFE_INTEGER, known, ...own)
    // an index may hold parts of a document under `<cid>#<part>` (a node's chunks): those cover the CID too
    const covered = new Set(exact.map((h) => h.cid.split('#')[0]))
    return mergeHits(
      k,
      exact,
      candidates.filter((h) => !covered.has(h.cid)),
    )
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
