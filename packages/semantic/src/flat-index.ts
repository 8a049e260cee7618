/** FlatIndex: exact brute-force search over contiguous Float32 storage. The reference for tests and tiny indexes. */
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

/** Options of a FlatIndex. */
export interface FlatIndexOptions {
  readonly dimension: number
  /** Default 'cosine'. */
  readonly metric?: Metric
  /** Initial capacity in vectors; storage doubles as needed. Default 1024. */
  readonly initialCapacity?: number
}

/** An exact index: every search scores every vector. O(n·d) per query, no approximation. */
export class FlatIndex implements VectorIndex {
  readonly dimension: number
  readonly metric: Metric
  private data: Float32Array
  private norms: Float32Array
  private readonly cids: string[] = []
  private readonly slots = new Map<string, number>()

  constructor(options: FlatIndexOptions) {
    this.dimension = validateInt('dimension', options.dimension, 1, 65_536)
    this.metric = validateMetric(options.metric ?? 'cosine')
    const cap = validateInt('initialCapacity', options.initialCapacity ?? 1024, 1)
    this.data = new Float32Array(cap * this.dimension)
    this.norms = new Float32Array(cap)
  }

  get size(): number {
    return this.cids.length
  }

  add(cid: string, vector: Float32Array): void {
    validateKey(cid)
    validateVector(vector, this.dimension, this.metric)
    let slot = this.slots.get(cid)
    if (slot === undefined) {
      slot = this.cids.length
      this.grow(slot + 1)
      this.cids.push(cid)
      this.slots.set(cid, slot)
    }
    this.data.set(vector, slot * this.dimension)
    this.norms[slot] = norm(vector)
  }

  update(cid: string, vector: Float32Array): void {
    this.add(cid, vector)
  }

  delete(cid: string): boolean {
    const slot = this.slots.get(cid)
    if (slot === undefined) return false
    const last = this.cids.length - 1
    if (slot !== last) {
      const lastCid = this.cids[last]!
      this.data.copyWithin(slot * this.dimension, last * this.dimension, (last + 1) * this.dimension)
      this.norms[slot] = this.norms[last]!
      this.cids[slot] = lastCid
      this.slots.set(lastCid, slot)
    }
    this.cids.pop()
    this.slots.delete(cid)
    return true
  }

  has(cid: string): boolean {
    return this.slots.has(cid)
  }

  get(cid: string): Float32Array | undefined {
    const slot = this.slots.get(cid)
    return slot === undefined ? undefined : this.data.slice(slot * this.dimension, (slot + 1) * this.dimension)
  }

  searchSimilar(vector: Float32Array, k: number): SearchHit[] {
    return this.searchFiltered(vector, k, {})
  }

  searchFiltered(vector: Float32Array, k: number, filter: SearchFilter): SearchHit[] {
    validateVector(vector, this.dimension, this.metric)
    validateInt('k', k, 0)
    validateFilter(filter)
    const top = new TopK(Math.min(k, this.cids.length))
    const qNorm = norm(vector)
    const prefix = filter.cidPrefix
    for (let slot = 0; slot < this.cids.length; slot++) {
      if (prefix !== undefined && !this.cids[slot]!.startsWith(prefix)) continue
      const s = this.scoreSlot(vector, qNorm, slot)
      if (scoreInRange(s, filter)) top.push(slot, s)
    }
    return capResults(
      top.sorted().map(([slot, s]) => ({ cid: this.cids[slot]!, score: s })),
      filter,
    )
  }

  *entries(): IterableIterator<[string, Float32Array]> {
    for (const cid of [...this.cids]) {
      const v = this.get(cid)
      if (v !== undefined) yield [cid, v]
    }
  }

  private scoreSlot(q: Float32Array, qNorm: number, slot: number): number {
    const off = slot * this.dimension
    if (this.metric === 'l2') return -squaredL2(q, this.data, off)
    const d = dot(q, this.data, off)
    if (this.metric === 'ip') return d
    const n = this.norms[slot]!
    return n === 0 ? 0 : d / (qNorm * n)
  }

  private grow(needed: number): void {
    if (needed <= this.norms.length) return
    const cap = Math.max(needed, this.norms.length * 2)
    const data = new Float32Array(cap * this.dimension)
    data.set(this.data)
    const norms = new Float32Array(cap)
    norms.set(this.norms)
    this.data = data
    this.norms = norms
  }
}

/** Keeps the `k` highest-scoring items seen, in a binary min-heap. */
export class TopK {
  private readonly ids: number[] = []
  private readonly scores: number[] = []
  constructor(private readonly k: number) {}

  /** Offers one item. */
  push(id: number, s: number): void {
    if (this.k <= 0) return
    if (this.ids.length < this.k) {
      this.ids.push(id)
      this.scores.push(s)
      this.up(this.ids.length - 1)
    } else if (s > this.scores[0]!) {
      this.ids[0] = id
      this.scores[0] = s
      this.down(0)
    }
  }

  /** The kept items, best first. */
  sorted(): Array<[number, number]> {
    return this.ids.map((id, i) => [id, this.scores[i]!] as [number, number]).sort((a, b) => b[1] - a[1])
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1
      if (this.scores[p]! <= this.scores[i]!) break
      this.swap(i, p)
      i = p
    }
  }

  private down(i: number): void {
    const n = this.ids.length
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < n && this.scores[l]! < this.scores[m]!) m = l
      if (r < n && this.scores[r]! < this.scores[m]!) m = r
      if (m === i) return
      this.swap(i, m)
      i = m
    }
  }

  private swap(a: number, b: number): void {
    const id = this.ids[a]!
    this.ids[a] = this.ids[b]!
    this.ids[b] = id
    const s = this.scores[a]!
    this.scores[a] = this.scores[b]!
    this.scores[b] = s
  }
}
