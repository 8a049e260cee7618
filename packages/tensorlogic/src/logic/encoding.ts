import { cidOf, concatBytes, hashMatches } from '@ipfrs/core'
import * as dagCbor from '@ipld/dag-cbor'
import type { Blockstore } from 'interface-blockstore'
import { CID } from 'multiformats/cid'
import { InvalidClauseError, InvalidRuleBlockError, RuleNotFoundError } from './errors.js'
import { type Clause, canonicalClause, isFact, type Term } from './terms.js'

/**
 * Canonical DAG-CBOR forms (sha2-256 CIDs). A term is: an atom as a string; an integer as a number (or
 * `{ i: "<decimal>" }` beyond 2^53); a float as `{ f: <8 bytes, IEEE big-endian> }`; a string as `{ s }`; a variable
 * as `{ v: n }` (numbered in order of first appearance, so the same clause with other variable names has the same
 * CID); a compound as `[name, ...args]`. A clause block is `{ head }` (fact) or `{ head, body }` (rule). Knowledge
 * base snapshots (packs of clauses) are in `kb-snapshot.ts`.
 */
/** Largest clause block accepted (bytes). */
export const MAX_BLOCK = 1024 * 1024
const MAX_DEPTH = 2000

/** Abort options of the block calls. */
export interface SnapshotOptions {
  signal?: AbortSignal
}

/** The IPLD form of a term (variables must be named `_<n>`, see {@link canonicalClause}). */
export function termToIpld(t: Term): unknown {
  switch (t.kind) {
    case 'atom':
      return t.name
    case 'int':
      return t.value >= -(2n ** 53n) + 1n && t.value <= 2n ** 53n - 1n ? Number(t.value) : { i: t.value.toString() }
    case 'float': {
      const b = new Uint8Array(8)
      new DataView(b.buffer).setFloat64(0, t.value)
      return { f: b }
    }
    case 'str':
      return { s: t.value }
    case 'var':
      return { v: Number(t.name.slice(1)) }
    case 'compound':
      return [t.name, ...t.args.map(termToIpld)]
  }
}

/** A term from its IPLD form; throws a plain Error describing the first problem. */
export function ipldToTerm(x: unknown, depth = 0): Term {
  if (depth > MAX_DEPTH) throw new Error('term nested too deeply')
  if (typeof x === 'string') return { kind: 'atom', name: x }
  if (typeof x === 'number') {
    if (!Number.isSafeInteger(x)) throw new Error('non-integer number')
    return { kind: 'int', value: BigInt(x) }
  }
  if (Array.isArray(x)) {
    const [name, ...args] = x as unknown[]
    if (typeof name !== 'string' || args.length === 0) throw new Error('compound needs a name and arguments')
    return { kind: 'compound', name, args: args.map((a) => ipldToTerm(a, depth + 1)) }
  }
  if (x !== null && typeof x === 'object' && !(x instanceof Uint8Array) && !CID.asCID(x)) {
    const keys = Object.keys(x)
    const o = x as Record<string, unknown>
    if (keys.length === 1) {
      if (typeof o.i === 'string' && /^-?[0-9]{1,100000}$/.test(o.i)) return { kind: 'int', value: BigInt(o.i) }
      if (o.f instanceof Uint8Array && o.f.length === 8)
        return { kind: 'float', value: new DataView(o.f.buffer, o.f.byteOffset, 8).getFloat64(0) }
      if (typeof o.s === 'string') return { kind: 'str', value: o.s }
      if (typeof o.v === 'number' && Number.isSafeInteger(o.v) && o.v >= 0 && o.v < 1e6)
        return { kind: 'var', name: `_${o.v}` }
    }
  }
  throw new Error('not a term')
}

/** A clause's canonical IPLD value (`{ head }` or `{ head, body }`), variables numbered in order of appearance. */
export function clauseValue(c: Clause): Record<string, unknown> {
  const k = canonicalClause(c)
  return isFact(k) ? { head: termToIpld(k.head) } : { head: termToIpld(k.head), body: termToIpld(k.body) }
}

/** A clause block's canonical bytes and CID. Same clause up to variable names → same bytes. */
export function encodeClause(c: Clause): { cid: CID; bytes: Uint8Array } {
  const bytes = dagCbor.encode(clauseValue(c))
  if (bytes.length > MAX_BLOCK) throw new InvalidClauseError(`clause block of ${bytes.length} bytes is too large`)
  return { cid: cidOf(bytes, dagCbor.code), bytes }
}

/** The CID a clause's block has. */
export function clauseCid(c: Clause): CID {
  return encodeClause(c).cid
}

/** A clause from a block's bytes, after checking they hash to `cid`; InvalidRuleBlockError otherwise. */
export function decodeClause(cid: CID, bytes: Uint8Array): Clause {
  const value = decodeVerified(cid, bytes)
  try {
    return clauseFromValue(value)
  } catch (err) {
    throw new InvalidRuleBlockError(cid.toString(), (err as Error).message, { cause: err })
  }
}

/** A clause from its IPLD value (see {@link clauseValue}); throws a plain Error describing the first problem. */
export function clauseFromValue(value: unknown): Clause {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a map')
  const v = value as Record<string, unknown>
  const keys = Object.keys(v)
  if (!(keys.length === 1 && keys[0] === 'head') && !(keys.length === 2 && 'head' in v && 'body' in v))
    throw new Error('expected { head, body? }')
  const head = ipldToTerm(v.head)
  if (head.kind !== 'atom' && head.kind !== 'compound') throw new Error('head is not callable')
  const body: Term = v.body === undefined ? { kind: 'atom', name: 'true' } : ipldToTerm(v.body)
  return { head, body }
}

/** A block's DAG-CBOR value, after checking its bytes hash to `cid`; InvalidRuleBlockError otherwise. */
export function decodeVerified(cid: CID, bytes: Uint8Array): unknown {
  if (cid.code !== dagCbor.code) throw new InvalidRuleBlockError(cid.toString(), 'not a dag-cbor CID')
  if (!hashMatches(cid, bytes)) throw new InvalidRuleBlockError(cid.toString(), 'bytes do not match the CID')
  try {
    return dagCbor.decode(bytes)
  } catch (err) {
    throw new InvalidRuleBlockError(cid.toString(), 'not DAG-CBOR', { cause: err })
  }
}

/** Reads a block's bytes (any blockstore, including a Bitswap session). */
export async function readBlock(
  bs: Pick<Blockstore, 'get'>,
  cid: CID,
  options: SnapshotOptions = {},
): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  let size = 0
  try {
    for await (const p of bs.get(cid, options)) {
      parts.push(p)
      size += p.length
      if (size > 4 * MAX_BLOCK) throw new InvalidRuleBlockError(cid.toString(), 'block too large')
    }
  } catch (err) {
    if (err instanceof InvalidRuleBlockError) throw err
    throw new RuleNotFoundError(cid.toString(), { cause: err })
  }
  return concatBytes(parts, size)
}

/** Stores a value as a DAG-CBOR block; returns its CID. */
export async function putValue(bs: Pick<Blockstore, 'put'>, value: unknown, options: SnapshotOptions): Promise<CID> {
  const bytes = dagCbor.encode(value)
  const cid = cidOf(bytes, dagCbor.code)
  await bs.put(cid, bytes, options)
  return cid
}
