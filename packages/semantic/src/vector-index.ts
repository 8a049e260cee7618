/**
 * The contract every vector index implements (HNSW on hnswlib-node, exact brute force, and later others such as
 * faiss). Keys are CID strings; vectors are Float32Array of the index's dimension.
 */

/** How distance between two vectors is measured; scores are always "higher is closer". */
export type Metric = 'cosine' | 'l2' | 'ip'

/** One search hit. `score` is similarity (cosine/ip) or negated squared L2 distance, so higher is always better. */
export interface SearchHit {
  readonly cid: string
  readonly score: number
}

/** Restricts a search; every field is optional. */
export interface SearchFilter {
  /** Drop hits scoring below this. */
  readonly minScore?: number
  /** Drop hits scoring above this. */
  readonly maxScore?: number
  /** Keep only CIDs (as strings) starting with this prefix. */
  readonly cidPrefix?: string
  /** Return at most this many hits (applied after `k`). */
  readonly maxResults?: number
}

/** A mutable vector index keyed by CID string. */
export interface VectorIndex {
  readonly dimension: number
  readonly metric: Metric
  /** Number of live vectors. */
  readonly size: number
  /** Adds a vector, or replaces the vector already stored under `cid`. */
  add(cid: string, vector: Float32Array): void
  /** Replaces the vector of an existing `cid` (adds it when absent). */
  update(cid: string, vector: Float32Array): void
  /** Removes `cid`; returns false when it was not there. */
  delete(cid: string): boolean
  has(cid: string): boolean
  /** The stored vector of `cid`, if any. */
  get(cid: string): Float32Array | undefined
  /** The `k` nearest vectors, best first. */
  searchSimilar(vector: Float32Array, k: number): SearchHit[]
  /** The `k` nearest vectors that pass `filter`, best first. */
  searchFiltered(vector: Float32Array, k: number, filter: SearchFilter): SearchHit[]
  /** Every (cid, vector) pair, for persistence and summaries. */
  entries(): IterableIterator<[string, Float32Array]>
}
