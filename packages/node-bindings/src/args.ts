/** Argument checks of {@link Node}'s methods: a wrong type is an InvalidArgumentError naming the argument. */
import { InvalidArgumentError } from './errors.js'
import type { SimilarHit } from './types.js'

export function cidArg(cid: unknown): string {
  if (typeof cid !== 'string') throw new InvalidArgumentError('cid', 'expected a CID string')
  return cid
}

export function textArg(text: unknown, name: string): string {
  if (typeof text !== 'string') throw new InvalidArgumentError(name, 'expected a string')
  return text
}

export function pathArg(path: unknown): string {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('path', 'expected a non-empty string')
  return path
}

export function toVector(v: unknown, name = 'query'): Float32Array {
  if (v instanceof Float32Array) return v
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return Float32Array.from(v)
  throw new InvalidArgumentError(name, 'expected a text, a number[] or a Float32Array')
}

export function plainHit(h: { cid: string; score: number }): SimilarHit {
  return { cid: h.cid, score: h.score }
}
