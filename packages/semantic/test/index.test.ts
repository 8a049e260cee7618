import { isIpfrsError } from '@ipfrs/core'
import { describe, expect, it } from 'vitest'
import { FlatIndex } from '../src/flat-index.js'
import { HnswIndex } from '../src/hnsw-index.js'
import { mulberry32 as rng } from '../src/random.js'
import type { Metric, VectorIndex } from '../src/vector-index.js'

/** `n` vectors of dimension `d` around `clusters` random centres (Gaussian noise, σ = spread). */
function clustered(n: number, d: number, clusters: number, seed: number, spread = 0.35): Float32Array[] {
  const r = rng(seed)
  const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r())
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: d }, gauss))
  return Array.from({ length: n }, (_, i) => {
    const c = centres[i % clusters]!
    return Float32Array.from(c, (x) => x + spread * gauss())
  })
}

function fill(index: VectorIndex, vectors: Float32Array[], prefix = 'cid'): void {
  for (const [i, v] of vectors.entries()) index.add(`${prefix}${i}`, v)
}

function recallAt(k: number, approx: VectorIndex, exact: VectorIndex, queries: Float32Array[]): number {
  let found = 0
  for (const q of queries) {
    const truth = new Set(exact.searchSimilar(q, k).map((h) => h.cid))
    found += approx.searchSimilar(q, k).filter((h) => truth.has(h.cid)).length
  }
  return found / (k * queries.length)
}

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn()
  } catch (err) {
    expect(isIpfrsError(err, code), `expected ${code}, got ${String(err)}`).toBe(true)
    return
  }
  throw new Error(`expected ${code}, nothing thrown`)
}

const METRICS: Metric[] = ['cosine', 'l2', 'ip']

describe('FlatIndex', () => {
  it('scores exactly under every metric', () => {
    const a = new Float32Array([1, 0])
    const b = new Float32Array([3, 4])
    const q = new Float32Array([1, 1])
    const want: Record<Metric, [number, number]> = {
      cosine: [1 / Math.SQRT2, 7 / (5 * Math.SQRT2)],
      l2: [-1, -(4 + 9)],
      ip: [1, 7],
    }
    for (const metric of METRICS) {
      const f = new FlatIndex({ dimension: 2, metric })
      f.add('a', a)
      f.add('b', b)
      const hits = f.searchSimilar(q, 2)
      const byCid = Object.fromEntries(hits.map((h) => [h.cid, h.score]))
      expect(byCid.a).toBeCloseTo(want[metric][0], 5)
      expect(byCid.b).toBeCloseTo(want[metric][1], 5)
      expect(hits[0]!.score).toBeGreaterThanOrEqual(hits[1]!.score)
    }
  })

  it('deletes by swapping the last slot in and keeps every other vector intact', () => {
    const vs = clustered(50, 8, 5, 1)
    const f = new FlatIndex({ dimension: 8, metric: 'l2', initialCapacity: 4 })
    fill(f, vs)
    expect(f.delete('cid3')).toBe(true)
    expect(f.delete('cid3')).toBe(false)
    expect(f.size).toBe(49)
    expect(f.has('cid3')).toBe(false)
    for (let i = 0; i < 50; i++) if (i !== 3) expect(f.get(`cid${i}`)).toEqual(vs[i])
    expect([...f.entries()].length).toBe(49)
  })
})

describe('HnswIndex', () => {
  it('reaches recall@10 >= 0.95 against FlatIndex on 5k x 64 clustered vectors (cosine)', () => {
    const vs = clustered(5000, 64, 40, 7)
    const hnsw = new HnswIndex({ dimension: 64, metric: 'cosine', M: 16, efConstruction: 200, efSearch: 100 })
    const flat = new FlatIndex({ dimension: 64, metric: 'cosine' })
    fill(hnsw, vs)
    fill(flat, vs)
    expect(hnsw.size).toBe(5000)
    expect(hnsw.capacity).toBeGreaterThanOrEqual(5000)
    const queries = clustered(200, 64, 40, 99)
    expect(recallAt(10, hnsw, flat, queries)).toBeGreaterThanOrEqual(0.95)
  })

  it.each(METRICS)('agrees with FlatIndex under %s (recall and scores)', (metric) => {
    const vs = clustered(1500, 32, 15, 11)
    // inner product is not a metric, so HNSW needs a wider search there for the same recall
    const hnsw = new HnswIndex({ dimension: 32, metric, initialCapacity: 64, efSearch: metric === 'ip' ? 200 : 100 })
    const flat = new FlatIndex({ dimension: 32, metric })
    fill(hnsw, vs)
    fill(flat, vs)
    const queries = clustered(50, 32, 15, 12)
    expect(recallAt(10, hnsw, flat, queries)).toBeGreaterThanOrEqual(0.95)
    const q = queries[0]!
    const exact = flat.searchSimilar(q, 5)
    const approx = hnsw.searchSimilar(q, 5)
    expect(approx[0]!.cid).toBe(exact[0]!.cid)
    const tol = Math.max(1e-4, Math.abs(exact[0]!.score) * 1e-5)
    expect(Math.abs(approx[0]!.score - exact[0]!.score)).toBeLessThan(tol)
    for (let i = 1; i < approx.length; i++) expect(approx[i - 1]!.score).toBeGreaterThanOrEqual(approx[i]!.score)
  })

  it('update replaces the vector; delete hides it; deleted slots are reused', () => {
    const vs = clustered(200, 16, 4, 3)
    const h = new HnswIndex({ dimension: 16, metric: 'l2', initialCapacity: 16 })
    fill(h, vs)
    expect(h.capacity).toBeGreaterThanOrEqual(200)
    const far = new Float32Array(16).fill(50)
    h.update('cid5', far)
    expect(h.size).toBe(200)
    expect(h.get('cid5')).toEqual(far)
    expect(h.searchSimilar(far, 1)[0]).toEqual({ cid: 'cid5', score: -0 })
    expect(h.searchSimilar(vs[5]!, 3).map((x) => x.cid)).not.toContain('cid5')

    expect(h.delete('cid5')).toBe(true)
    expect(h.delete('cid5')).toBe(false)
    expect(h.has('cid5')).toBe(false)
    expect(h.get('cid5')).toBeUndefined()
    expect(h.searchSimilar(far, 1)[0]!.cid).not.toBe('cid5')
    expect(h.size).toBe(199)

    const cap = h.capacity
    for (let i = 0; i < 50; i++) h.delete(`cid${100 + i}`)
    for (let i = 0; i < 50; i++) h.add(`new${i}`, vs[100 + i]!)
    expect(h.capacity).toBe(cap)
    expect(h.size).toBe(199)
    expect(h.searchSimilar(vs[120]!, 1)[0]!.cid).toBe('new20')
    h.add('cid5', far)
    expect(h.searchSimilar(far, 1)[0]!.cid).toBe('cid5')
    expect(new Set([...h.entries()].map(([c]) => c)).size).toBe(200)
  })

  it('returns no more hits than it holds, and none when empty', () => {
    const h = new HnswIndex({ dimension: 4 })
    expect(h.searchSimilar(new Float32Array([1, 0, 0, 0]), 5)).toEqual([])
    h.add('x', new Float32Array([1, 0, 0, 0]))
    h.add('y', new Float32Array([0, 1, 0, 0]))
    expect(h.searchSimilar(new Float32Array([1, 0, 0, 0]), 5).map((x) => x.cid)).toEqual(['x', 'y'])
    expect(h.searchSimilar(new Float32Array([1, 0, 0, 0]), 0)).toEqual([])
  })
})

describe('filtered search', () => {
  const vs = clustered(3000, 32, 20, 21)
  const indexes = () => {
    const hnsw = new HnswIndex({ dimension: 32, metric: 'cosine' })
    const flat = new FlatIndex({ dimension: 32, metric: 'cosine' })
    // one vector in 20 gets the rare prefix "b", the rest "a"
    vs.forEach((v, i) => {
      const cid = `${i % 20 === 0 ? 'b' : 'a'}${i}`
      hnsw.add(cid, v)
      flat.add(cid, v)
    })
    return { hnsw, flat }
  }
  const { hnsw, flat } = indexes()
  const q = clustered(1, 32, 20, 22)[0]!

  it('cidPrefix still yields k hits when enough pass, matching brute force', () => {
    for (const index of [hnsw, flat]) {
      const hits = index.searchFiltered(q, 10, { cidPrefix: 'b' })
      expect(hits).toHaveLength(10)
      expect(hits.every((h) => h.cid.startsWith('b'))).toBe(true)
    }
    const truth = new Set(flat.searchFiltered(q, 10, { cidPrefix: 'b' }).map((h) => h.cid))
    const got = hnsw.searchFiltered(q, 10, { cidPrefix: 'b' }).filter((h) => truth.has(h.cid)).length
    expect(got).toBeGreaterThanOrEqual(9)
    expect(hnsw.searchFiltered(q, 10, { cidPrefix: 'zzz' })).toEqual([])
  })

  it('maxScore drops the closest hits but still fills k', () => {
    const top = flat.searchSimilar(q, 5)
    const maxScore = top[2]!.score - 1e-6 // excludes at least the 3 best
    for (const index of [hnsw, flat]) {
      const hits = index.searchFiltered(q, 10, { maxScore })
      expect(hits).toHaveLength(10)
      expect(hits.every((h) => h.score <= maxScore)).toBe(true)
      expect(hits.map((h) => h.cid)).not.toContain(top[0]!.cid)
    }
  })

  it('minScore and maxResults trim the list', () => {
    const top = flat.searchSimilar(q, 20)
    const minScore = top[4]!.score - 1e-6
    for (const index of [hnsw, flat]) {
      const hits = index.searchFiltered(q, 20, { minScore })
      expect(hits.length).toBeGreaterThanOrEqual(4)
      expect(hits.length).toBeLessThanOrEqual(6)
      expect(hits.every((h) => h.score >= minScore)).toBe(true)
      expect(index.searchFiltered(q, 20, { maxResults: 3 })).toHaveLength(3)
      expect(index.searchFiltered(q, 20, { minScore: 2 })).toEqual([])
    }
  })
})

describe('errors', () => {
  for (const make of [
    (o: { dimension: number; metric?: Metric }) => new FlatIndex(o),
    (o: { dimension: number; metric?: Metric }) => new HnswIndex(o),
  ]) {
    const index = make({ dimension: 3 })
    const name = index.constructor.name
    it(`${name} rejects bad vectors with typed errors`, () => {
      expectCode(() => index.add('a', new Float32Array([1, 2])), 'ERR_DIMENSION_MISMATCH')
      expectCode(() => index.searchSimilar(new Float32Array(4).fill(1), 1), 'ERR_DIMENSION_MISMATCH')
      expectCode(() => index.add('a', new Float32Array([1, Number.NaN, 0])), 'ERR_INVALID_VECTOR')
      expectCode(() => index.add('a', new Float32Array([1, Number.POSITIVE_INFINITY, 0])), 'ERR_INVALID_VECTOR')
      expectCode(() => index.add('a', new Float32Array(3)), 'ERR_INVALID_VECTOR') // zero vector under cosine
      expectCode(() => index.add('a', [1, 2, 3] as unknown as Float32Array), 'ERR_INVALID_VECTOR')
      expectCode(() => index.add('', new Float32Array([1, 2, 3])), 'ERR_INVALID_PARAMETER')
      index.add('a', new Float32Array([1, 2, 3]))
      expectCode(() => index.searchSimilar(new Float32Array([1, 2, 3]), -1), 'ERR_INVALID_PARAMETER')
      expectCode(() => index.searchSimilar(new Float32Array([1, 2, 3]), 1.5), 'ERR_INVALID_PARAMETER')
      expectCode(
        () => index.searchFiltered(new Float32Array([1, 2, 3]), 1, { minScore: Number.NaN }),
        'ERR_INVALID_PARAMETER',
      )
      expectCode(
        () => index.searchFiltered(new Float32Array([1, 2, 3]), 1, { cidPrefix: 5 as unknown as string }),
        'ERR_INVALID_PARAMETER',
      )
      expect(index.size).toBe(1)
    })
    it(`${name} rejects bad construction parameters`, () => {
      expectCode(() => make({ dimension: 0 }), 'ERR_INVALID_PARAMETER')
      expectCode(() => make({ dimension: 2.5 }), 'ERR_INVALID_PARAMETER')
      expectCode(() => make({ dimension: 3, metric: 'hamming' as Metric }), 'ERR_INVALID_PARAMETER')
    })
  }
  it('HnswIndex rejects bad graph parameters', () => {
    expectCode(() => new HnswIndex({ dimension: 3, M: 0 }), 'ERR_INVALID_PARAMETER')
    expectCode(() => new HnswIndex({ dimension: 3, efConstruction: -5 }), 'ERR_INVALID_PARAMETER')
    expectCode(() => new HnswIndex({ dimension: 3, efSearch: Number.NaN }), 'ERR_INVALID_PARAMETER')
    const h = new HnswIndex({ dimension: 3 })
    expectCode(() => {
      h.efSearch = 0
    }, 'ERR_INVALID_PARAMETER')
    h.efSearch = 128
    expect(h.efSearch).toBe(128)
  })
})
