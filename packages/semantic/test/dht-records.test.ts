import { encode } from '@msgpack/msgpack'
import { describe, expect, it } from 'vitest'
import { BadMessageError, InvalidRecordError, MessageTooLargeError } from '../src/dht-errors.js'
import { decodeMessage, encodeMessage } from '../src/dht-protocol.js'
import { dequantizeInt8, quantizeInt8, RecordStore, type VectorAnnotatedRecord } from '../src/dht-records.js'
import { DimensionMismatchError, InvalidVectorError } from '../src/errors.js'
import { computeBuckets } from '../src/partial-sync.js'
import { LocalSummary, rankSummary } from '../src/peer-summaries.js'
import type { Metric } from '../src/vector-index.js'
import { score } from '../src/vectors.js'
import { cidFor, clusteredData, prng } from './helpers.js'

const record = (i: number, created: number, ttlMs: number, dim = 4): VectorAnnotatedRecord => ({
  provider: 'peerA',
  cid: cidFor(`r${i}`),
  embedding: Float32Array.from({ length: dim }, (_, j) => i + j),
  created,
  ttlMs,
})

describe('int8 quantization', () => {
  it('round-trips within half a step of the scale', () => {
    const r = prng(3)
    const v = Float32Array.from({ length: 64 }, () => r.normal() * 5)
    const q = quantizeInt8(v)
    const back = dequantizeInt8(q)
    for (let i = 0; i < v.length; i++) expect(Math.abs(back[i]! - v[i]!)).toBeLessThanOrEqual(q.scale / 2 + 1e-6)
    expect(Math.max(...q.values.map(Math.abs))).toBe(127)
  })

  it('survives the wire and is searchable', () => {
    const store = new RecordStore({ dimension: 4, metric: 'l2' })
    const m = decodeMessage(
      encodeMessage({
        t: 'announce',
        records: [
          { cid: cidFor('q'), embedding: quantizeInt8(Float32Array.of(1, 2, 3, 4)), created: Date.now(), ttlMs: 1e4 },
        ],
      }),
    )
    if (m.t !== 'announce') throw new Error(m.t)
    store.put({ ...m.records[0]!, provider: 'p' })
    const [hit] = store.search(Float32Array.of(1, 2, 3, 4), 1)
    expect(hit?.cid).toBe(cidFor('q'))
    expect(hit!.score).toBeGreaterThan(-0.01)
  })
})

describe('RecordStore', () => {
  it('evicts records once their TTL has passed', () => {
    let now = 1_000_000
    const store = new RecordStore({ dimension: 4, metric: 'l2', now: () => now })
    store.put(record(1, now, 1000))
    store.put(record(2, now, 5000))
    expect(store.size).toBe(2)
    now += 1500
    expect(store.search(Float32Array.of(1, 2, 3, 4), 5).map((h) => h.cid)).toEqual([cidFor('r2')])
    expect(store.size).toBe(1)
    now += 5000
    expect(store.evictExpired()).toBe(1)
    expect(store.size).toBe(0)
    store.put(record(3, now - 10_000, 1000)) // already expired: not held at all
    expect(store.size).toBe(0)
  })

  it('holds at most maxRecords, dropping those expiring soonest', () => {
    const now = Date.now()
    const store = new RecordStore({ dimension: 4, metric: 'l2', maxRecords: 100 })
    for (let i = 0; i < 1000; i++) store.put(record(i, now, 10_000 + i))
    expect(store.size).toBeLessThanOrEqual(100)
    const kept = [...store.records()].map((r) => r.ttlMs)
    expect(Math.min(...kept)).toBeGreaterThan(10_000 + 800) // the longest-lived survive
  })

  it('rejects bad records with typed errors', () => {
    const store = new RecordStore({ dimension: 4, metric: 'l2' })
    const now = Date.now()
    expect(() => store.put({ ...record(1, now, 1000), cid: 'not-a-cid' })).toThrow(InvalidRecordError)
    expect(() => store.put({ ...record(1, now, 1000), ttlMs: -5 })).toThrow(InvalidRecordError)
    expect(() => store.put({ ...record(1, now, 1000), provider: '' })).toThrow(InvalidRecordError)
    expect(() => store.put(record(1, now, 1000, 3))).toThrow(DimensionMismatchError)
    expect(() => store.put({ ...record(1, now, 1000), embedding: Float32Array.of(1, Number.NaN, 0, 0) })).toThrow(
      InvalidVectorError,
    )
    expect(store.size).toBe(0)
  })
})

describe('wire messages', () => {
  it('round-trip a summary', () => {
    const items = clusteredData(4, 30, 8)
    const summary = new LocalSummary({ metric: 'l2', dimension: 8, k: 6, source: () => items.map((i) => i.vector) })
    const m = decodeMessage(encodeMessage({ t: 'sum', summary: summary.get() }))
    expect(m).toEqual({ t: 'sum', summary: summary.get() })
  })

  it('reject garbage, wrong shapes and oversized messages with typed errors', () => {
    expect(() => decodeMessage(Uint8Array.of(0xc1, 0xff, 0x00))).toThrow(BadMessageError)
    expect(() => decodeMessage(new TextEncoder().encode('hello world'))).toThrow(BadMessageError)
    expect(() => decodeMessage(encode({ t: 'query', v: Uint8Array.of(1, 2, 3), k: 1 }))).toThrow(BadMessageError)
    expect(() => decodeMessage(encode({ t: 'query', v: new Uint8Array(8), k: -1 }))).toThrow(BadMessageError)
    expect(() => decodeMessage(encode({ t: 'hits', version: 1, hits: [['x', 'NaN', 'p']] }))).toThrow(BadMessageError)
    expect(() => decodeMessage(encode({ t: 'nope' }))).toThrow(BadMessageError)
    expect(() => decodeMessage(encode([1, 2, 3]))).toThrow(BadMessageError)
    const big = { t: 'query', vector: new Float32Array(1000), k: 1 } as const
    expect(() => encodeMessage(big, 1024)).toThrow(MessageTooLargeError)
    expect(() => decodeMessage(encodeMessage(big), 1024)).toThrow(MessageTooLargeError)
  })
})

describe('summaries', () => {
  for (const metric of ['l2', 'cosine', 'ip'] as Metric[]) {
    it(`bound every member's score from above (${metric})`, () => {
      const items = clusteredData(6, 40, 12, 2, 11)
      const summary = new LocalSummary({ metric, dimension: 12, k: 5, source: () => items.map((i) => i.vector) }).get()
      expect(summary.counts.reduce((a, b) => a + b, 0)).toBe(items.length)
      const r = prng(5)
      for (let q = 0; q < 30; q++) {
        const query = Float32Array.from({ length: 12 }, () => r.normal() * 8)
        const best = Math.max(...items.map((i) => score(metric, query, i.vector)))
        const rank = rankSummary(summary, query)
        expect(rank.bound).toBeGreaterThanOrEqual(best - 1e-6)
      }
    })
  }

  it('keep centroids (same epoch) on small changes, so only the touched bucket hash changes', () => {
    const items = clusteredData(4, 50, 8)
    const vectors = items.map((i) => i.vector)
    const entries = () => items.map((i): [string, Float32Array] => [i.cid, i.vector])
    const summary = new LocalSummary({ metric: 'l2', dimension: 8, k: 4, source: () => vectors })
    const first = summary.get()
    const before = computeBuckets(entries(), summary.epochCentroids(), 'l2')
    items.push({ cid: cidFor('extra'), vector: Float32Array.from(items[0]!.vector, (x) => x + 0.01), cluster: 0 })
    vectors.push(items.at(-1)!.vector)
    summary.markDirty()
    const second = summary.get()
    expect(second.epoch).toBe(first.epoch)
    expect(second.version).toBe(first.version + 1)
    const after = computeBuckets(entries(), summary.epochCentroids(), 'l2')
    const changed = [...after.values()].filter((b) => before.get(b.id)?.hash !== b.hash)
    expect(changed).toHaveLength(1)
  })
})
