import { parseCid } from '@ipfrs/core'
import { InvalidRecordError } from './dht-errors.js'
import type { Metric } from './vector-index.js'
import { score, validateVector } from './vectors.js'

/** An int8-quantized embedding: `values[i] * scale` approximates the original float. */
export interface QuantizedEmbedding {
  readonly values: Int8Array
  readonly scale: number
}

/**
 * A record saying "peer `provider` has content `cid`, whose embedding is `embedding`". Peers hold such records for
 * content they do not have, so a search can find content on peers it never asked. Records expire `ttlMs` after
 * `created` (milliseconds since the epoch).
 */
export interface VectorAnnotatedRecord {
  readonly provider: string
  readonly cid: string
  /** The embedding as float32, or int8-quantized with a scale (4x smaller on the wire). */
  readonly embedding: Float32Array | QuantizedEmbedding
  readonly created: number
  readonly ttlMs: number
}

/** One network search hit: a CID, its score (higher is closer, as in `SearchHit`) and the peer that provides it. */
export interface ProvidedHit {
  readonly cid: string
  readonly score: number
  readonly provider: string
}

/** Throws `ERR_SEMANTIC_INVALID_RECORD` unless `cid` parses as a CID. */
export function validateCid(cid: unknown): asserts cid is string {
  if (typeof cid !== 'string' || cid.length === 0 || cid.length > 256) throw new InvalidRecordError('bad CID string')
  try {
    parseCid(cid)
  } catch (err) {
    throw new InvalidRecordError(`CID "${cid.slice(0, 64)}" does not parse`, { cause: err })
  }
}

/** Quantizes to int8 with one scale per vector (max |x| maps to 127). */
export function quantizeInt8(v: Float32Array): QuantizedEmbedding {
  let max = 0
  for (const x of v) max = Math.max(max, Math.abs(x))
  const scale = max === 0 ? 1 : max / 127
  const values = new Int8Array(v.length)
  for (let i = 0; i < v.length; i++) values[i] = Math.round((v[i] ?? 0) / scale)
  return { values, scale }
}

/** The float32 approximation of a quantized embedding. */
export function dequantizeInt8(q: QuantizedEmbedding): Float32Array {
  const out = new Float32Array(q.values.length)
  for (let i = 0; i < out.length; i++) out[i] = (q.values[i] ?? 0) * q.scale
  return out
}

/** A record's embedding as float32 (dequantized when needed). */
export function embeddingOf(record: VectorAnnotatedRecord): Float32Array {
  return record.embedding instanceof Float32Array ? record.embedding : dequantizeInt8(record.embedding)
}

/** Keeps the best `k` hits, one per CID (the best-scoring copy), best first. */
export function mergeHits(k: number, ...lists: ProvidedHit[][]): ProvidedHit[] {
  const best = new Map<string, ProvidedHit>()
  for (const list of lists) {
    for (const h of list) {
      const prev = best.get(h.cid)
      if (prev === undefined || h.score > prev.score) best.set(h.cid, h)
    }
  }
  return [...best.values()].sort((a, b) => b.score - a.score || (a.cid < b.cid ? -1 : 1)).slice(0, k)
}

interface Held {
  readonly record: VectorAnnotatedRecord
  readonly vector: Float32Array
  readonly expires: number
  /** The partial-sync bucket it came in, if any. */
  readonly bucket?: number
}

/** Limits of a RecordStore. */
export interface RecordStoreInit {
  readonly dimension: number
  readonly metric: Metric
  /** At most this many records are held; the ones expiring soonest are dropped first. Default 100 000. */
  readonly maxRecords?: number
  /** Longest TTL accepted; longer ones are cut to this. Default 24 h. */
  readonly maxTtlMs?: number
  readonly now?: () => number
}

/**
 * Records held for other peers, keyed by (provider, CID). Bounded twice: expired records are evicted (on every
 * write and search, and by `evictExpired()`), and past `maxRecords` the records expiring soonest go
 * first (down to 90% of the cap).
 */
export class RecordStore {
  readonly dimension: number
  readonly metric: Metric
  readonly maxRecords: number
  readonly maxTtlMs: number
  readonly #now: () => number
  readonly #held = new Map<string, Held>()

  constructor(init: RecordStoreInit) {
    this.dimension = init.dimension
    this.metric = init.metric
    this.maxRecords = init.maxRecords ?? 100_000
    this.maxTtlMs = init.maxTtlMs ?? 24 * 3600_000
    this.#now = init.now ?? Date.now
  }

  /** Number of held records (expired ones included until the next eviction). */
  get size(): number {
    return this.#held.size
  }

  /** Validates and stores a record (replacing the same provider+CID). Throws typed errors on bad input. */
  put(record: VectorAnnotatedRecord, bucket?: number): void {
    validateCid(record.cid)
    if (typeof record.provider !== 'string' || record.provider.length === 0) {
      throw new InvalidRecordError('missing provider')
    }
    if (!Number.isFinite(record.created) || !Number.isFinite(record.ttlMs) || record.ttlMs <= 0) {
      throw new InvalidRecordError('created and ttlMs must be finite, ttlMs > 0')
    }
    const vector = embeddingOf(record)
    validateVector(vector, this.dimension, this.metric)
    const expires = Math.min(record.created + record.ttlMs, this.#now() + this.maxTtlMs)
    if (expires <= this.#now()) return // already expired: nothing to hold
    const key = `${record.provider}\n${record.cid}`
    this.#held.delete(key)
    this.#held.set(key, bucket === undefined ? { record, vector, expires } : { record, vector, expires, bucket })
    if (this.#held.size > this.maxRecords) this.#shrink()
  }

  /** Removes one record; returns whether it was held. */
  delete(provider: string, cid: string): boolean {
    return this.#held.delete(`${provider}\n${cid}`)
  }

  /** Removes every record from `provider` (in `bucket` only, when given); returns how many. */
  deleteFrom(provider: string, bucket?: number): number {
    let n = 0
    for (const [key, h] of this.#held) {
      if (h.record.provider === provider && (bucket === undefined || h.bucket === bucket)) {
        this.#held.delete(key)
        n++
      }
    }
    return n
  }

  /** How many live records from `provider` came in partial-sync `bucket`. */
  countIn(provider: string, bucket: number): number {
    const now = this.#now()
    let n = 0
    for (const h of this.#held.values()) {
      if (h.record.provider === provider && h.bucket === bucket && h.expires > now) n++
    }
    return n
  }

  /** Restarts the TTL of `provider`'s records in `bucket` (they were confirmed unchanged); returns how many. */
  refresh(provider: string, bucket: number, ttlMs: number): number {
    const now = this.#now()
    let n = 0
    for (const [key, h] of this.#held) {
      if (h.record.provider !== provider || h.bucket !== bucket || h.expires <= now) continue
      const record = { ...h.record, created: now, ttlMs }
      this.#held.set(key, { ...h, record, expires: Math.min(now + ttlMs, now + this.maxTtlMs) })
      n++
    }
    return n
  }

  /** Drops expired records; returns how many went. */
  evictExpired(): number {
    const now = this.#now()
    let n = 0
    for (const [key, h] of this.#held) {
      if (h.expires <= now) {
        this.#held.delete(key)
        n++
      }
    }
    return n
  }

  /** The live records (optionally only one provider's). */
  *records(provider?: string): IterableIterator<VectorAnnotatedRecord> {
    const now = this.#now()
    for (const h of this.#held.values()) {
      if (h.expires > now && (provider === undefined || h.record.provider === provider)) yield h.record
    }
  }

  /** Every live vector, for summaries. */
  *vectors(): IterableIterator<Float32Array> {
    const now = this.#now()
    for (const h of this.#held.values()) if (h.expires > now) yield h.vector
  }

  /** The `k` best live records for `query` (exact scan), as hits naming their provider. */
  search(query: Float32Array, k: number): ProvidedHit[] {
    this.evictExpired()
    const hits: ProvidedHit[] = []
    for (const h of this.#held.values()) {
      hits.push({ cid: h.record.cid, score: score(this.metric, query, h.vector), provider: h.record.provider })
    }
    return mergeHits(k, hits)
  }

  #shrink(): void {
    this.evictExpired()
    if (this.#held.size <= this.maxRecords) return
    // drop to 90% of the cap at once, so a full store does not sort on every write
    const target = Math.floor(this.maxRecords * 0.9)
    const byExpiry = [...this.#held.entries()].sort((a, b) => a[1].expires - b[1].expires)
    for (const [key] of byExpiry.slice(0, this.#held.size - target)) this.#held.delete(key)
  }
}
