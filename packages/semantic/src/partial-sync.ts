import { createHash } from 'node:crypto'
import type { AbortOptions } from '@libp2p/interface'
import { BadMessageError, PeerRequestError } from './dht-errors.js'
import type { Channel } from './dht-link.js'
import type { WireRecord } from './dht-protocol.js'
import { quantizeInt8, type RecordStore } from './dht-records.js'
import { nearestCentroid, toCentroidSpace } from './peer-summaries.js'
import type { Metric } from './vector-index.js'

/** One region of the sender's index: the vectors nearest one centroid of the current epoch. */
export interface Bucket {
  readonly id: number
  /** sha-256 (hex) over the bucket's (CID, vector) pairs in CID order. */
  readonly hash: string
  readonly entries: Array<[string, Float32Array]>
}

/** What one partial sync moved. */
export interface PartialSyncResult {
  readonly peer: string
  readonly epoch: number
  /** Non-empty buckets offered. */
  readonly bucketsOffered: number
  /** Buckets the peer asked for (their hash differed, or it held fewer records than offered). */
  readonly bucketsSent: number
  readonly recordsSent: number
  readonly bytesSent: number
  readonly bytesReceived: number
}

/** Splits `entries` into buckets by nearest centroid and hashes each. */
export function computeBuckets(
  entries: Iterable<[string, Float32Array]>,
  centroids: Float32Array[],
  metric: Metric,
): Map<number, Bucket> {
  const groups = new Map<number, Array<[string, Float32Array]>>()
  for (const [cid, v] of entries) {
    const id = centroids.length === 0 ? 0 : nearestCentroid(centroids, toCentroidSpace(metric, v))
    const g = groups.get(id) ?? []
    g.push([cid, v])
    groups.set(id, g)
  }
  const buckets = new Map<number, Bucket>()
  for (const [id, g] of groups) {
    g.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    const h = createHash('sha256')
    for (const [cid, v] of g) {
      h.update(cid)
      h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
    }
    buckets.set(id, { id, hash: h.digest('hex'), entries: g })
  }
  return buckets
}

/** Sender side: what to put in records and how big a message may get. */
export interface SyncSendOptions extends AbortOptions {
  readonly epoch: number
  readonly ttlMs: number
  readonly quantize: boolean
  readonly maxMessageBytes: number
  readonly dimension: number
}

/** Runs the sender's half over an open channel: offer → want → buckets (chunked to fit) → ok. */
export async function sendPartialSync(
  channel: Channel,
  buckets: Map<number, Bucket>,
  options: SyncSendOptions,
): Promise<{ bucketsOffered: number; bucketsSent: number; recordsSent: number }> {
  const offer: Array<[number, string, number]> = [...buckets.values()].map((b) => [b.id, b.hash, b.entries.length])
  await channel.send({ t: 'offer', epoch: options.epoch, buckets: offer }, options)
  const want = await channel.receive(options)
  if (want.t === 'err') throw new PeerRequestError('peer', `${want.code}: ${want.message}`)
  if (want.t !== 'want') throw new BadMessageError(`expected want, got ${want.t}`)
  // per record: the vector, a CID (< 100 bytes) and msgpack framing
  const perRecord = (options.quantize ? options.dimension : options.dimension * 4) + 140
  const perChunk = Math.max(1, Math.floor((options.maxMessageBytes * 0.9) / perRecord))
  const now = Date.now()
  let bucketsSent = 0
  let recordsSent = 0
  const wanted = want.ids.filter((id) => buckets.has(id))
  for (const [i, id] of wanted.entries()) {
    const b = buckets.get(id) as Bucket
    bucketsSent++
    for (let start = 0; start < b.entries.length || start === 0; start += perChunk) {
      const records: WireRecord[] = b.entries.slice(start, start + perChunk).map(([cid, v]) => ({
        cid,
        embedding: options.quantize ? quantizeInt8(v) : v,
        created: now,
        ttlMs: options.ttlMs,
      }))
      const fin = start + perChunk >= b.entries.length && i === wanted.length - 1
      const last = start + perChunk >= b.entries.length
      await channel.send({ t: 'bucket', id, hash: b.hash, records, fin: fin && last }, options)
      recordsSent += records.length
    }
  }
  if (wanted.length === 0) await channel.send({ t: 'bucket', id: 0, hash: '', records: [], fin: true }, options)
  const ok = await channel.receive(options)
  if (ok.t !== 'ok') throw new BadMessageError(`expected ok, got ${ok.t}`)
  return { bucketsOffered: offer.length, bucketsSent, recordsSent }
}

/** The receiver's memory of each provider's buckets (bounded by the number of providers kept). */
export class SyncState {
  readonly #state = new Map<string, { epoch: number; hashes: Map<number, string> }>()
  readonly #maxProviders: number

  constructor(maxProviders = 10_000) {
    this.#maxProviders = maxProviders
  }

  get(provider: string): { epoch: number; hashes: Map<number, string> } | undefined {
    return this.#state.get(provider)
  }

  set(provider: string, epoch: number, hashes: Map<number, string>): void {
    this.#state.delete(provider)
    this.#state.set(provider, { epoch, hashes })
    while (this.#state.size > this.#maxProviders) this.#state.delete(this.#state.keys().next().value as string)
  }

  forget(provider: string): void {
    this.#state.delete(provider)
  }
}

/** Receiver side options. */
export interface SyncReceiveOptions extends AbortOptions {
  readonly provider: string
  readonly store: RecordStore
  readonly state: SyncState
  readonly ttlMs: number
}

/** Runs the receiver's half after the `offer` was read; returns how many records were stored. */
export async function receivePartialSync(
  channel: Channel,
  offer: { epoch: number; buckets: Array<[number, string, number]> },
  options: SyncReceiveOptions,
): Promise<number> {
  const { provider, store, state } = options
  const prev = state.get(provider)
  const sameEpoch = prev?.epoch === offer.epoch
  const hashes = sameEpoch && prev !== undefined ? new Map(prev.hashes) : new Map<number, string>()
  if (!sameEpoch) store.deleteFrom(provider)
  const offered = new Map(offer.buckets.map(([id, hash, count]) => [id, { hash, count }]))
  for (const id of hashes.keys()) {
    if (!offered.has(id)) {
      store.deleteFrom(provider, id) // the bucket emptied on the sender
      hashes.delete(id)
    }
  }
  const want: number[] = []
  for (const [id, { hash, count }] of offered) {
    if (hashes.get(id) !== hash || store.countIn(provider, id) !== count) want.push(id)
    else store.refresh(provider, id, options.ttlMs)
  }
  await channel.send({ t: 'want', ids: want }, options)
  const wanted = new Set(want)
  const started = new Set<number>()
  let stored = 0
  for (;;) {
    const m = await channel.receive(options)
    if (m.t !== 'bucket') throw new BadMessageError(`expected bucket, got ${m.t}`)
    if (m.records.length > 0 || wanted.has(m.id)) {
      if (!wanted.has(m.id)) throw new BadMessageError(`bucket ${m.id} was not asked for`)
      if (!started.has(m.id)) {
        started.add(m.id)
        store.deleteFrom(provider, m.id)
        hashes.set(m.id, m.hash)
      }
      for (const r of m.records) {
        store.put({ ...r, provider }, m.id)
        stored++
      }
    }
    if (m.fin) break
  }
  state.set(provider, offer.epoch, hashes)
  await channel.send({ t: 'ok', n: stored }, options)
  return stored
}
