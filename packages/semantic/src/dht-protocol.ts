import { decode, encode } from '@msgpack/msgpack'
import { BadMessageError, MessageTooLargeError } from './dht-errors.js'
import type { VectorAnnotatedRecord } from './dht-records.js'
import { type LshRecord, lshRecordFromWire, lshRecordToWire } from './lsh-records.js'
import type { PeerSummary } from './peer-summaries.js'
import type { Metric } from './vector-index.js'

/** The semantic DHT's libp2p protocol id (fixed: it is the interoperability contract). */
export const SEMANTIC_PROTOCOL = '/ipfrs/semantic/1.0.0'

/** The default hard limit on one wire message (after the length prefix). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024

/** A record as it travels: the provider is always the sending peer, so it is not on the wire. */
export interface WireRecord {
  readonly cid: string
  readonly embedding: VectorAnnotatedRecord['embedding']
  readonly created: number
  readonly ttlMs: number
}

/**
 * Every message of `/ipfrs/semantic/1.0.0`. Each stream carries one exchange: `sumreq` → `sum`; `query` → `hits`;
 * `announce` → `ok`; `offer` → `want`, then one or more `bucket` (the last with `fin`) → `ok`; `lput` (LSH records
 * for keys the receiver is among the closest to) → `ok`; `lget` (the best records under some keys for a vector) →
 * `lrecs`. Any request may instead be answered with `err`.
 */
export type DhtMessage =
  | { readonly t: 'sumreq' }
  | { readonly t: 'sum'; readonly summary: PeerSummary }
  | { readonly t: 'query'; readonly vector: Float32Array; readonly k: number }
  | { readonly t: 'hits'; readonly version: number; readonly hits: Array<[string, number, string]> }
  | { readonly t: 'announce'; readonly records: WireRecord[] }
  | { readonly t: 'ok'; readonly n: number }
  | { readonly t: 'offer'; readonly epoch: number; readonly buckets: Array<[number, string, number]> }
  | { readonly t: 'want'; readonly ids: number[] }
  | { readonly t: 'bucket'; readonly id: number; readonly hash: string; readonly records: WireRecord[]; fin: boolean }
  | { readonly t: 'lput'; readonly records: LshRecord[]; readonly malformed?: number }
  | { readonly t: 'lget'; readonly keys: string[]; readonly vector: Float32Array; readonly m: number }
  | { readonly t: 'lrecs'; readonly records: LshRecord[]; readonly malformed?: number }
  | { readonly t: 'err'; readonly code: string; readonly message: string }

const METRICS: readonly Metric[] = ['cosine', 'l2', 'ip']

function f32Bytes(v: Float32Array): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
}

function f32From(bytes: unknown, what: string): Float32Array {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength % 4 !== 0) throw new BadMessageError(`${what}: not float32`)
  return new Float32Array(new Uint8Array(bytes).buffer) // copy: the view may be unaligned or pooled
}

function fail(what: string): never {
  throw new BadMessageError(what)
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x)
const isInt = (x: unknown, max = Number.MAX_SAFE_INTEGER): x is number =>
  Number.isInteger(x) && (x as number) >= 0 && (x as number) <= max
const isStr = (x: unknown, max = 512): x is string => typeof x === 'string' && x.length <= max

function toWire(m: DhtMessage): unknown {
  switch (m.t) {
    case 'sum': {
      const s = m.summary
      const cen = new Float32Array(s.centroids.length * s.dimension)
      for (const [i, c] of s.centroids.entries()) cen.set(c, i * s.dimension)
      return {
        t: 'sum',
        v: s.version,
        ep: s.epoch,
        d: s.dimension,
        m: s.metric,
        c: f32Bytes(cen),
        n: s.counts,
        r: s.radii,
      }
    }
    case 'query':
      return { t: 'query', v: f32Bytes(m.vector), k: m.k }
    case 'announce':
      return { t: 'announce', r: m.records.map(recordToWire) }
    case 'bucket':
      return { t: 'bucket', id: m.id, h: m.hash, r: m.records.map(recordToWire), fin: m.fin }
    case 'lput':
    case 'lrecs':
      return { t: m.t, r: m.records.map(lshRecordToWire) } // `malformed` is the receiver's count, never sent
    case 'lget':
      return { t: 'lget', k: m.keys, v: f32Bytes(m.vector), m: m.m }
    default:
      return m
  }
}

function recordToWire(r: WireRecord): unknown {
  const e = r.embedding
  return e instanceof Float32Array
    ? { c: r.cid, e: f32Bytes(e), t: r.created, l: r.ttlMs }
    : {
        c: r.cid,
        q: new Uint8Array(e.values.buffer, e.values.byteOffset, e.values.byteLength),
        s: e.scale,
        t: r.created,
        l: r.ttlMs,
      }
}

function recordFromWire(x: unknown): WireRecord {
  const o = x as Record<string, unknown>
  if (typeof o !== 'object' || o === null) fail('record is not a map')
  if (!isStr(o.c, 256) || !isNum(o.t) || !isNum(o.l)) fail('record fields')
  let embedding: WireRecord['embedding']
  if (o.e !== undefined) embedding = f32From(o.e, 'record embedding')
  else if (o.q instanceof Uint8Array && isNum(o.s) && o.s > 0) {
    embedding = { values: new Int8Array(new Uint8Array(o.q).buffer), scale: o.s }
  } else fail('record has no embedding')
  return { cid: o.c, embedding, created: o.t, ttlMs: o.l }
}

/** The records of an `lput`/`lrecs` that parse, and how many did not (a holder refuses and counts those). */
function parseLshRecords(list: unknown[]): { records: LshRecord[]; malformed: number } {
  const records: LshRecord[] = []
  for (const x of list) {
    try {
      records.push(lshRecordFromWire(x))
    } catch {
      // counted below: a record with bad fields is refused, not a reason to drop the peer
    }
  }
  return { records, malformed: list.length - records.length }
}

function recordsFromWire(x: unknown): WireRecord[] {
  if (!Array.isArray(x)) fail('records is not a list')
  return x.map(recordFromWire)
}

/** Checks the shape of a decoded msgpack value and turns it into a DhtMessage; throws `ERR_SEMANTIC_BAD_MESSAGE`. */
export function parseMessage(x: unknown): DhtMessage {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) fail('not a map')
  const o = x as Record<string, unknown>
  switch (o.t) {
    case 'sumreq':
      return { t: 'sumreq' }
    case 'sum': {
      if (!isInt(o.v) || !isInt(o.ep) || !isInt(o.d, 65536) || !METRICS.includes(o.m as Metric)) fail('summary header')
      const d = o.d as number
      const flat = f32From(o.c, 'centroids')
      const k = d === 0 ? 0 : flat.length / d
      const counts = o.n
      const radii = o.r
      if (!Number.isInteger(k) || k > 1024) fail('centroid count')
      if (!Array.isArray(counts) || counts.length !== k || !counts.every((c) => isInt(c))) fail('summary counts')
      if (!Array.isArray(radii) || radii.length !== k || !radii.every((r) => isNum(r) && r >= 0)) fail('radii')
      if (!flat.every(Number.isFinite)) fail('centroid values')
      const centroids = Array.from({ length: k }, (_, i) => flat.slice(i * d, (i + 1) * d))
      return {
        t: 'sum',
        summary: { version: o.v, epoch: o.ep, dimension: d, metric: o.m as Metric, centroids, counts, radii },
      }
    }
    case 'query':
      if (!isInt(o.k, 10_000) || (o.k as number) < 1) fail('query k')
      return { t: 'query', vector: f32From(o.v, 'query vector'), k: o.k }
    case 'hits': {
      if (!isInt(o.version) || !Array.isArray(o.hits)) fail('hits')
      for (const h of o.hits as unknown[]) {
        if (!Array.isArray(h) || h.length !== 3 || !isStr(h[0], 256) || !isNum(h[1]) || !isStr(h[2], 256)) {
          fail('hit')
        }
      }
      return { t: 'hits', version: o.version, hits: o.hits as Array<[string, number, string]> }
    }
    case 'announce':
      return { t: 'announce', records: recordsFromWire(o.r) }
    case 'ok':
      if (!isInt(o.n)) fail('ok')
      return { t: 'ok', n: o.n }
    case 'offer': {
      if (!isInt(o.epoch) || !Array.isArray(o.buckets)) fail('offer')
      for (const b of o.buckets as unknown[]) {
        if (!Array.isArray(b) || b.length !== 3 || !isInt(b[0], 1024) || !isStr(b[1], 128) || !isInt(b[2])) {
          fail('offer bucket')
        }
      }
      return { t: 'offer', epoch: o.epoch, buckets: o.buckets as Array<[number, string, number]> }
    }
    case 'want':
      if (!Array.isArray(o.ids) || !o.ids.every((i) => isInt(i, 1024))) fail('want')
      return { t: 'want', ids: o.ids as number[] }
    case 'bucket':
      if (!isInt(o.id, 1024) || !isStr(o.h, 128) || typeof o.fin !== 'boolean') fail('bucket')
      return { t: 'bucket', id: o.id, hash: o.h, records: recordsFromWire(o.r), fin: o.fin }
    case 'lput':
    case 'lrecs':
      if (!Array.isArray(o.r)) fail('records is not a list')
      return { t: o.t, ...parseLshRecords(o.r) }
    case 'lget':
      if (!Array.isArray(o.k) || o.k.length === 0 || o.k.length > 64 || !o.k.every((k) => isStr(k, 256)))
        fail('lget keys')
      if (!isInt(o.m, 1000) || (o.m as number) < 1) fail('lget m')
      return { t: 'lget', keys: o.k as string[], vector: f32From(o.v, 'lget vector'), m: o.m }
    case 'err':
      if (!isStr(o.code, 128) || !isStr(o.message, 2048)) fail('err')
      return { t: 'err', code: o.code, message: o.message }
    default:
      fail(`unknown message type ${JSON.stringify(String(o.t)).slice(0, 40)}`)
  }
}

/** Encodes a message; throws `ERR_SEMANTIC_MESSAGE_TOO_LARGE` past `maxBytes`. */
export function encodeMessage(m: DhtMessage, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): Uint8Array {
  const bytes = encode(toWire(m))
  if (bytes.byteLength > maxBytes) throw new MessageTooLargeError(maxBytes, bytes.byteLength)
  return bytes
}

/** Decodes bytes into a message; throws `ERR_SEMANTIC_BAD_MESSAGE` for anything that is not one. */
export function decodeMessage(bytes: Uint8Array, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): DhtMessage {
  if (bytes.byteLength > maxBytes) throw new MessageTooLargeError(maxBytes, bytes.byteLength)
  let value: unknown
  try {
    value = decode(bytes, { maxStrLength: maxBytes, maxBinLength: maxBytes, maxArrayLength: 1 << 20, maxMapLength: 64 })
  } catch (err) {
    throw new BadMessageError('does not decode as msgpack', { cause: err })
  }
  try {
    return parseMessage(value)
  } catch (err) {
    if (err instanceof BadMessageError) throw err
    throw new BadMessageError('malformed fields', { cause: err })
  }
}
