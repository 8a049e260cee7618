/**
 * VectorAnnotatedRecords as they live on the DHT under LSH keys: "peer `provider` has `cid`, whose int8 embedding is
 * `embedding`, indexed under bucket `key`", optionally signed by the provider's libp2p key, expiring `ttlMs` after
 * `created`. The same encoding, validation and store serve the real network and the simulator.
 */

import { peerIdFromString } from '@libp2p/peer-id'
import { encode } from '@msgpack/msgpack'
import { RecordRefusedError, type RefusalReason } from './dht-errors.js'
import { dequantizeInt8, type QuantizedEmbedding, validateCid } from './dht-records.js'
import type { LshHasher } from './lsh.js'

/** One record under one LSH bucket key. */
export interface LshRecord {
  readonly key: string
  readonly cid: string
  readonly provider: string
  readonly embedding: QuantizedEmbedding
  /** Milliseconds since the epoch, and lifetime from then. */
  readonly created: number
  readonly ttlMs: number
  /** The provider's signature over `signedBytes(record)`, when it signs. */
  readonly signature?: Uint8Array
}

/** The bytes a provider signs: every field but the signature, in a fixed order. */
export function signedBytes(r: Omit<LshRecord, 'signature'>): Uint8Array {
  const q = r.embedding.values
  return encode([
    r.key,
    r.cid,
    r.provider,
    new Uint8Array(q.buffer, q.byteOffset, q.byteLength),
    r.embedding.scale,
    r.created,
    r.ttlMs,
  ])
}

/** A record as a msgpack-ready map (short field names). */
export function lshRecordToWire(r: LshRecord): Record<string, unknown> {
  const q = r.embedding.values
  return {
    k: r.key,
    c: r.cid,
    p: r.provider,
    q: new Uint8Array(q.buffer, q.byteOffset, q.byteLength),
    s: r.embedding.scale,
    t: r.created,
    l: r.ttlMs,
    ...(r.signature ? { g: r.signature } : {}),
  }
}

/** Bytes of one record on the wire. */
export function lshRecordBytes(r: LshRecord): number {
  return encode(lshRecordToWire(r)).byteLength
}

/** Rebuilds a record from a decoded wire map; refuses (reason `malformed`) anything that is not one. */
export function lshRecordFromWire(x: unknown): LshRecord {
  const o = x as Record<string, unknown>
  const str = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 512
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v)
  if (typeof o !== 'object' || o === null || !str(o.k) || !str(o.c) || !str(o.p)) {
    throw new RecordRefusedError('malformed', 'missing key, CID or provider')
  }
  if (!(o.q instanceof Uint8Array) || !num(o.s) || !num(o.t) || !num(o.l)) {
    throw new RecordRefusedError('malformed', 'missing embedding or times')
  }
  if (o.g !== undefined && !(o.g instanceof Uint8Array))
    throw new RecordRefusedError('malformed', 'bad signature field')
  return {
    key: o.k as string,
    cid: o.c as string,
    provider: o.p as string,
    embedding: { values: new Int8Array(new Uint8Array(o.q).buffer), scale: o.s as number },
    created: o.t as number,
    ttlMs: o.l as number,
    ...(o.g instanceof Uint8Array ? { signature: o.g } : {}),
  }
}

/** What a holder accepts. */
export interface LshPolicy {
  readonly hasher: LshHasher
  /** Largest encoded record accepted (default 4 KiB). */
  readonly maxRecordBytes?: number
  /** Longest lifetime accepted; longer ones are cut to it (default 48 h, as kad-dht's provider records). */
  readonly maxTtlMs?: number
  /** Refuse unsigned records (default false). Signed records are always verified. */
  readonly requireSignature?: boolean
  readonly now?: () => number
}

/**
 * Checks a record and returns its expiry time; throws `RecordRefusedError` with the reason: `malformed` (bad CID,
 * scale), `dimension`, `oversized`, `expired`, `key` (its embedding does not hash to its key) or `signature` (absent
 * when required, or not the provider's).
 */
export async function checkLshRecord(r: LshRecord, policy: LshPolicy): Promise<number> {
  const now = (policy.now ?? Date.now)()
  try {
    validateCid(r.cid)
  } catch (err) {
    throw new RecordRefusedError('malformed', 'bad CID', { cause: err })
  }
  if (!(r.embedding.scale > 0) || !Number.isFinite(r.embedding.scale))
    throw new RecordRefusedError('malformed', 'bad scale')
  if (r.embedding.values.length !== policy.hasher.dimension) {
    throw new RecordRefusedError(
      'dimension',
      `${r.embedding.values.length} dimensions, expected ${policy.hasher.dimension}`,
    )
  }
  const size = lshRecordBytes(r)
  if (size > (policy.maxRecordBytes ?? 4096)) throw new RecordRefusedError('oversized', `${size} bytes`)
  if (!(r.ttlMs > 0) || r.created + r.ttlMs <= now || r.created > now + 60_000) {
    throw new RecordRefusedError('expired', 'outside its lifetime')
  }
  const vector = dequantizeInt8(r.embedding)
  if (!policy.hasher.keys(vector).includes(r.key))
    throw new RecordRefusedError('key', 'embedding does not hash to its key')
  if (r.signature !== undefined || policy.requireSignature === true) await verifySignature(r)
  return Math.min(r.created + r.ttlMs, now + (policy.maxTtlMs ?? 48 * 3600_000))
}

async function verifySignature(r: LshRecord): Promise<void> {
  if (r.signature === undefined) throw new RecordRefusedError('signature', 'unsigned')
  let ok = false
  try {
    const { signature, ...unsigned } = r
    const key = peerIdFromString(r.provider).publicKey
    ok = key !== undefined && (await key.verify(signedBytes(unsigned), signature))
  } catch (err) {
    throw new RecordRefusedError('signature', 'cannot be verified', { cause: err })
  }
  if (!ok) throw new RecordRefusedError('signature', `not signed by ${r.provider}`)
}

/** A held record with its dequantized vector. */
export interface HeldLshRecord {
  readonly record: LshRecord
  readonly vector: Float32Array
  readonly expires: number
}

/** Refusal counts by reason. */
export type RefusalCounts = Record<RefusalReason, number>

/**
 * The records a peer holds for the LSH keys it is among the closest to: bucket key → (provider, CID) → record.
 * Bounded: expired records go on every write batch and query, and past `maxRecords` the soonest-expiring go first.
 */
export class LshStore {
  readonly policy: LshPolicy
  readonly maxRecords: number
  readonly refused: RefusalCounts = { malformed: 0, dimension: 0, oversized: 0, expired: 0, key: 0, signature: 0 }
  /** The last refusal (what a sender whose records were all refused is told). */
  lastRefusal: RecordRefusedError | undefined
  readonly #buckets = new Map<string, Map<string, HeldLshRecord>>()
  #size = 0

  constructor(policy: LshPolicy, maxRecords = 200_000) {
    this.policy = policy
    this.maxRecords = maxRecords
  }

  /** Records held (expired ones included until the next eviction). */
  get size(): number {
    return this.#size
  }

  /** Bucket keys held. */
  get keys(): number {
    return this.#buckets.size
  }

  /** Validates and stores each record; refused ones are counted by reason. Returns how many were stored. */
  async putAll(records: Iterable<LshRecord>): Promise<number> {
    let n = 0
    for (const r of records) {
      try {
        const expires = await checkLshRecord(r, this.policy)
        this.#hold(r, expires)
        n++
      } catch (err) {
        if (!(err instanceof RecordRefusedError)) throw err
        this.refused[err.reason]++
        this.lastRefusal = err
      }
    }
    if (this.#size > this.maxRecords) this.#shrink()
    return n
  }

  #hold(record: LshRecord, expires: number): void {
    const bucket = this.#buckets.get(record.key) ?? new Map<string, HeldLshRecord>()
    this.#buckets.set(record.key, bucket)
    const id = `${record.provider}\n${record.cid}`
    if (!bucket.has(id)) this.#size++
    bucket.set(id, { record, vector: dequantizeInt8(record.embedding), expires })
  }

  /** The live records under `keys`. */
  *under(keys: Iterable<string>): IterableIterator<HeldLshRecord> {
    const now = (this.policy.now ?? Date.now)()
    for (const key of new Set(keys)) {
      for (const h of this.#buckets.get(key)?.values() ?? []) if (h.expires > now) yield h
    }
  }

  /** Drops expired records; returns how many went. */
  evictExpired(): number {
    const now = (this.policy.now ?? Date.now)()
    let n = 0
    for (const [key, bucket] of this.#buckets) {
      for (const [id, h] of bucket) {
        if (h.expires <= now) {
          bucket.delete(id)
          n++
        }
      }
      if (bucket.size === 0) this.#buckets.delete(key)
    }
    this.#size -= n
    return n
  }

  #shrink(): void {
    this.evictExpired()
    if (this.#size <= this.maxRecords) return
    const all: Array<[string, string, number]> = []
    for (const [key, bucket] of this.#buckets) for (const [id, h] of bucket) all.push([key, id, h.expires])
    all.sort((a, b) => a[2] - b[2])
    for (const [key, id] of all.slice(0, this.#size - Math.floor(this.maxRecords * 0.9))) {
      this.#buckets.get(key)?.delete(id)
      this.#size--
    }
  }
}
