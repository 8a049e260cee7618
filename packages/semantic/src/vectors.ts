/** Vector validation and the arithmetic shared by the indexes: dot products, norms, and metric scores. */

import { DimensionMismatchError, InvalidParameterError, InvalidVectorError } from './errors.js'
import type { Metric, SearchFilter, SearchHit } from './vector-index.js'

/** The metrics an index accepts. */
export const METRICS: readonly Metric[] = ['cosine', 'l2', 'ip']

/** Throws InvalidParameterError unless `metric` is one of METRICS. */
export function validateMetric(metric: unknown): Metric {
  if (typeof metric !== 'string' || !(METRICS as readonly string[]).includes(metric)) {
    throw new InvalidParameterError('metric', `${String(metric)} is not one of ${METRICS.join(', ')}`)
  }
  return metric as Metric
}

/** Throws InvalidParameterError unless `value` is an integer in [min, max]. */
export function validateInt(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidParameterError(name, `${String(value)} is not an integer in [${min}, ${max}]`)
  }
  return value
}

/** Throws InvalidParameterError unless `cid` is a non-empty string (keys are CID strings; not parsed here). */
export function validateKey(cid: unknown): string {
  if (typeof cid !== 'string' || cid.length === 0) throw new InvalidParameterError('cid', 'must be a non-empty string')
  return cid
}

/**
 * Throws unless `vector` is a Float32Array of length `dimension` with only finite values (and, for cosine, not all
 * zeros, which has no direction). Returns it unchanged.
 */
export function validateVector(vector: unknown, dimension: number, metric?: Metric): Float32Array {
  if (!(vector instanceof Float32Array)) throw new InvalidVectorError('expected a Float32Array')
  if (vector.length !== dimension) throw new DimensionMismatchError(dimension, vector.length)
  let sq = 0
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i]!
    if (!Number.isFinite(x)) throw new InvalidVectorError(`element ${i} is ${x}`)
    sq += x * x
  }
  if (metric === 'cosine' && sq === 0) throw new InvalidVectorError('all-zero vector has no cosine direction')
  if (!Number.isFinite(sq)) throw new InvalidVectorError('squared norm overflows')
  return vector
}

/** Dot product of `a` and `b[offset .. offset + a.length)`. */
export function dot(a: Float32Array, b: Float32Array, offset = 0): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]! * b[offset + i]!
  return s
}

/** Squared Euclidean distance of `a` and `b[offset .. offset + a.length)`. */
export function squaredL2(a: Float32Array, b: Float32Array, offset = 0): number {
  let s = 0
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[offset + i]!
    s += d * d
  }
  return s
}

/** Euclidean norm. */
export function norm(a: Float32Array): number {
  return Math.sqrt(dot(a, a))
}

/** A unit-length copy of `a` (a copy of `a` itself when it is all zeros). */
export function normalized(a: Float32Array): Float32Array {
  const out = new Float32Array(a)
  const n = norm(a)
  if (n > 0) for (let i = 0; i < out.length; i++) out[i] = out[i]! / n
  return out
}

/** The similarity score of two vectors under `metric`: cosine similarity, inner product, or −(squared L2). */
export function score(metric: Metric, a: Float32Array, b: Float32Array): number {
  if (metric === 'l2') return -squaredL2(a, b)
  if (metric === 'ip') return dot(a, b)
  const na = norm(a)
  const nb = norm(b)
  return na === 0 || nb === 0 ? 0 : dot(a, b) / (na * nb)
}

/** Throws unless `filter` holds only sensible values. */
export function validateFilter(filter: SearchFilter): void {
  if (filter === null || typeof filter !== 'object') throw new InvalidParameterError('filter', 'must be an object')
  for (const key of ['minScore', 'maxScore'] as const) {
    const v = filter[key]
    if (v !== undefined && (typeof v !== 'number' || Number.isNaN(v))) {
      throw new InvalidParameterError(`filter.${key}`, 'must be a number')
    }
  }
  if (filter.cidPrefix !== undefined && typeof filter.cidPrefix !== 'string') {
    throw new InvalidParameterError('filter.cidPrefix', 'must be a string')
  }
  if (filter.maxResults !== undefined) validateInt('filter.maxResults', filter.maxResults, 0)
}

/** Whether a hit's score lies within the filter's bounds. */
export function scoreInRange(s: number, filter: SearchFilter): boolean {
  return (
    (filter.minScore === undefined || s >= filter.minScore) && (filter.maxScore === undefined || s <= filter.maxScore)
  )
}

/** Applies `maxResults` to a best-first hit list. */
export function capResults(hits: SearchHit[], filter: SearchFilter): SearchHit[] {
  return filter.maxResults !== undefined && hits.length > filter.maxResults ? hits.slice(0, filter.maxResults) : hits
}
