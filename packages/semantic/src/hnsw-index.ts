/** HnswIndex: approximate nearest-neighbour search on hnswlib-node's HierarchicalNSW, keyed by CID string. */
import hnswlib from 'hnswlib-node'
import type { GraphIndex, GraphState } from './graph-file.js'
import type { Metric, SearchFilter, SearchHit, VectorIndex } from './vector-index.js'
import {
  capResults,
  dot,
  norm,
  scoreInRange,
  squaredL2,
  validateFilter,
  validateInt,
  validateKey,
  validateMetric,
  validateVector,
} from './vectors.js'

const { HierarchicalNSW } = hnswlib

/** Options of an HnswIndex; the graph parameters are hnswlib's. */
export interface HnswIndexOptions {
  readonly dimension: number
  /** Default 'cosine'. */
  readonly metric?: Metric
  /** Graph out-degree (hnswlib M). Default 16. Higher: better recall, more memory, slower build. */
  readonly M?: number
  /** Candidate list size while building. Default 200. */
  readonly efConstruction?: number
  /** Candidate list size while searching (raised to k when k is larger). Default 100. */
  readonly efSearch?: number
  /** Initial capacity in vectors; doubles via resizeIndex as needed. Default 1024. */
  readonly initialCapacity?: number
  /** Seed of hnswlib's level generator, for reproducible graphs. Default 100. */
  readonly randomSeed?: number
}

/** The parameters an HnswIndex was built with (all defaults filled in). */
export interface HnswParams {
  readonly M: number
  readonly efConstruction: number
  readonly efSearch: number
}

/**
 * An HNSW index. CIDs map to fresh integer labels (never reused, so hnswlib's replace-deleted bookkeeping stays
 * sound); delete marks the label deleted and a later add reuses its slot; update replaces the vector in place. The
 * original vectors are kept on the JS side too, for get(), entries() and exact score filters.
 */
export class HnswIndex implements VectorIndex, GraphIndex {
  readonly dimension: number
  readonly metric: Metric
  readonly params: HnswParams
  private readonly hnsw: InstanceType<typeof HierarchicalNSW>
  private readonly labels = new Map<string, number>()
  private readonly cidOf = new Map<number, string>()
  private readonly vectors = new Map<number, Float32Array>()
  private nextLabel = 0
  private deleted = 0
  private efSearchValue: number
  private readonly init: { maxElements: number; m: number; efConstruction: number; randomSeed: number }

  constructor(options: HnswIndexOptions) {
    this.dimension = validateInt('dimension', options.dimension, 1, 65_536)
    this.metric = validateMetric(options.metric ?? 'cosine')
    const M = validateInt('M', options.M ?? 16, 2, 256)
    const efConstruction = validateInt('efConstruction', options.efConstruction ?? 200, 1, 100_000)
    this.efSearchValue = validateInt('efSearch', options.efSearch ?? 100, 1, 100_000)
    const capacity = validateInt('initialCapacity', options.initialCapacity ?? 1024, 1, 2 ** 31)
    const randomSeed = validateInt('randomSeed', options.randomSeed ?? 100, 0, 2 ** 31)
    this.hnsw = new HierarchicalNSW(this.metric, this.dimension)
    this.init = { maxElements: capacity, m: M, efConstruction, randomSeed }
    this.reset()
    this.params = { M, efConstruction, efSearch: this.efSearchValue }
  }

  /** Empties the index (a fresh hnswlib graph with the constructor's parameters). */
  private reset(): void {
    this.hnsw.initIndex({ ...this.init, allowReplaceDeleted: true })
    this.hnsw.setEf(this.efSearchValue)
    this.labels.clear()
    this.cidOf.clear()
    this.vectors.clear()
    this.nextLabel = 0
    this.deleted = 0
  }

  /** Writes hnswlib's graph to `file`; returns which label each CID has (see readGraph, graph-file.ts). */
  async writeGraph(file: string): Promise<GraphState> {
    await this.hnsw.writeIndex(file)
    return { labels: [...this.labels], nextLabel: this.nextLabel, deleted: this.deleted }
  }

  /**
   * Replaces the index with a graph written by writeGraph, its label state and the vectors it held, instead of
   * re-inserting every vector. On any failure the index is left empty and the error thrown.
   */
  async readGraph(file: string, state: GraphState, vectors: ReadonlyMap<string, Float32Array>): Promise<void> {
    try {
      await this.hnsw.readIndex(file, true)
      if (this.hnsw.getNumDimensions() !== this.dimension) throw new RangeError('graph of another dimension')
      this.hnsw.setEf(this.efSearchValue)
      this.labels.clear()
      this.cidOf.clear()
      this.vectors.clear()
      for (const [cid, label] of state.labels) {
        const v = vectors.get(cid)
        if (v === undefined) throw new RangeError(`no vector for ${cid}`)
        validateVector(v, this.dimension, this.metric)
        this.labels.set(cid, label)
        this.cidOf.set(label, cid)
        this.vectors.set(label, new Float32Array(v))
      }
      this.nextLabel = state.nextLabel
      this.deleted = state.deleted
    } catch (err) {
      this.reset()
      throw err
    }
  }

  get size(): number {
    return this.labels.size
  }

  /** Vectors the index holds room for before it grows. */
  get capacity(): number {
    return this.hnsw.getMaxElements()
  }

  /** The search-time candidate list size. */
  get efSearch(): number {
    return this.efSearchValue
  }

  set efSearch(ef: number) {
    this.efSearchValue = validateInt('efSearch', ef, 1, 100_000)
    this.hnsw.setEf(ef)
  }

  add(cid: string, vector: Float32Array): void {
    validateKey(cid)
    validateVector(vector, this.dimension, this.metric)
    const copy = new Float32Array(vector)
    const existing = this.labels.get(cid)
    if (existing !== undefined) {
      this.hnsw.addPoint(toArray(copy), existing)
      this.vectors.set(existing, copy)
      return
    }
    if (this.deleted === 0 && this.hnsw.getCurrentCount() >= this.hnsw.getMaxElements()) {
      this.hnsw.resizeIndex(Math.max(16, this.hnsw.getMaxElements() * 2))
    }
    const label = this.nextLabel++
    if (label > 0xffff_fffe) throw new RangeError('HnswIndex label space exhausted')
    this.hnsw.addPoint(toArray(copy), label, this.deleted > 0)
    if (this.deleted > 0) this.deleted--
    this.labels.set(cid, label)
    this.cidOf.set(label, cid)
    this.vectors.set(label, copy)
  }

  update(cid: string, vector: Float32Array): void {
    this.add(cid, vector)
  }

  delete(cid: string): boolean {
    const label = this.labels.get(cid)
    if (label === undefined) return false
    this.hnsw.markDelete(label)
    this.deleted++
    this.labels.delete(cid)
    this.cidOf.delete(label)
    this.vectors.delete(label)
    return true
  }

  has(cid: string): boolean {
    return this.labels.has(cid)
  }

  get(cid: string): Float32Array | undefined {
    const label = this.labels.get(cid)
    const v = label === undefined ? undefined : this.vectors.get(label)
    return v === undefined ? undefined : new Float32Array(v)
  }

  searchSimilar(vector: Float32Array, k: number): SearchHit[] {
    validateVector(vector, this.dimension, this.metric)
    validateInt('k', k, 0)
    const n = Math.min(k, this.labels.size)
    if (n === 0) return []
    return this.toHits(this.hnsw.searchKnn(toArray(vector), n))
  }

  /**
   * The k best hits passing `filter`. cidPrefix and maxScore are checked inside hnswlib's search (a label callback),
   * so the graph walk continues until k passing hits are found; minScore is applied to the best-first result list.
   */
  searchFiltered(vector: Float32Array, k: number, filter: SearchFilter): SearchHit[] {
    validateVector(vector, this.dimension, this.metric)
    validateInt('k', k, 0)
    validateFilter(filter)
    const n = Math.min(k, this.labels.size)
    if (n === 0) return []
    const { cidPrefix, maxScore } = filter
    let callback: ((label: number) => boolean) | undefined
    if (cidPrefix !== undefined || maxScore !== undefined) {
      const qNorm = norm(vector)
      callback = (label) => {
        if (cidPrefix !== undefined && !(this.cidOf.get(label)?.startsWith(cidPrefix) ?? false)) return false
        if (maxScore === undefined) return true
        const v = this.vectors.get(label)
        return v !== undefined && this.exactScore(vector, qNorm, v) <= maxScore
      }
    }
    const res = callback ? this.hnsw.searchKnn(toArray(vector), n, callback) : this.hnsw.searchKnn(toArray(vector), n)
    const hits = this.toHits(res).filter((h) => scoreInRange(h.score, { minScore: filter.minScore }))
    return capResults(hits, filter)
  }

  *entries(): IterableIterator<[string, Float32Array]> {
    for (const [cid, label] of [...this.labels]) {
      const v = this.vectors.get(label)
      if (v !== undefined) yield [cid, new Float32Array(v)]
    }
  }

  private toHits(res: { distances: number[]; neighbors: number[] }): SearchHit[] {
    const hits: SearchHit[] = []
    for (let i = 0; i < res.neighbors.length; i++) {
      const cid = this.cidOf.get(res.neighbors[i]!)
      if (cid === undefined) continue
      const d = res.distances[i]!
      hits.push({ cid, score: this.metric === 'l2' ? -d : 1 - d })
    }
    return hits
  }

  private exactScore(q: Float32Array, qNorm: number, v: Float32Array): number {
    if (this.metric === 'l2') return -squaredL2(q, v)
    const d = dot(q, v)
    if (this.metric === 'ip') return d
    return d / (qNorm * norm(v))
  }
}

/** hnswlib-node takes plain arrays only. */
function toArray(v: Float32Array): number[] {
  const out = new Array<number>(v.length)
  for (let i = 0; i < v.length; i++) out[i] = v[i]!
  return out
}
