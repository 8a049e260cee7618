import type { CompiledClause, Tpl } from './clause-compile.js'
import { deref, type RT } from './unify.js'

/** First-argument index of a predicate: clauses by the first argument's constant or functor, allocation-free lookup. */
interface ClauseIndex {
  readonly atoms: Map<string, CompiledClause[]>
  readonly ints: Map<bigint, CompiledClause[]>
  /** Compounds by name, then arity. */
  readonly functors: Map<string, CompiledClause[][]>
  /** The bucket of the list constructor '.'/2 (the most common first argument), looked up without the map. */
  cons: CompiledClause[] | undefined
  /** Floats and strings by their `indexKey`. */
  readonly other: Map<string, CompiledClause[]>
  /** The clauses whose first argument is a variable (they match any call). */
  readonly unkeyed: CompiledClause[]
}

/** A predicate's clauses in order, with the index built on first use after a change. */
export interface Predicate {
  clauses: CompiledClause[]
  index: ClauseIndex | null
  /** No clause has an index key: every call tries them all. */
  unkeyed: boolean
}

export function newPredicate(): Predicate {
  return { clauses: [], index: null, unkeyed: false }
}

/** Appends a clause (the index is rebuilt on the next lookup). */
export function addClause(p: Predicate, c: CompiledClause): void {
  p.clauses.push(c)
  p.index = null
}

/** The clauses that may match a call whose first argument is `first` (first-argument indexing), in order. */
export function select(p: Predicate, first: RT | undefined): readonly CompiledClause[] {
  if (first === undefined || p.clauses.length < 2) return p.clauses
  const idx = p.index ?? buildIndex(p)
  if (p.unkeyed) return p.clauses
  const x = deref(first)
  let l: CompiledClause[] | undefined
  switch (x.kind) {
    case 'ref':
      return p.clauses
    case 'atom':
      l = idx.atoms.get(x.name)
      break
    case 'int':
      l = idx.ints.get(x.value)
      break
    case 'compound':
      l = x.name === '.' && x.args.length === 2 ? idx.cons : idx.functors.get(x.name)?.[x.args.length]
      break
    case 'float':
      l = idx.other.get(`f${x.value}`)
      break
    case 'str':
      l = idx.other.get(`s${x.value}`)
      break
  }
  return l ?? idx.unkeyed
}

function bucket<K>(map: Map<K, CompiledClause[]>, k: K, unkeyed: CompiledClause[]): CompiledClause[] {
  let l = map.get(k)
  if (l === undefined) {
    l = [...unkeyed]
    map.set(k, l)
  }
  return l
}

function functorBucket(idx: ClauseIndex, name: string, arity: number): CompiledClause[] {
  let byArity = idx.functors.get(name)
  if (byArity === undefined) {
    byArity = []
    idx.functors.set(name, byArity)
  }
  let l = byArity[arity]
  if (l === undefined) {
    l = [...idx.unkeyed]
    byArity[arity] = l
  }
  return l
}

function buildIndex(p: Predicate): ClauseIndex {
  const idx: ClauseIndex = {
    atoms: new Map(),
    ints: new Map(),
    functors: new Map(),
    other: new Map(),
    unkeyed: [],
    cons: undefined,
  }
  const maps = [idx.atoms, idx.ints, idx.other] as Map<unknown, CompiledClause[]>[]
  for (const c of p.clauses) {
    const a = c.head[0] as Tpl
    if (c.key === null) {
      idx.unkeyed.push(c)
      for (const m of maps) for (const l of m.values()) l.push(c)
      for (const byArity of idx.functors.values()) for (const l of byArity) l?.push(c)
    } else if (a.kind === 'atom') bucket(idx.atoms, a.name, idx.unkeyed).push(c)
    else if (a.kind === 'int') bucket(idx.ints, a.value, idx.unkeyed).push(c)
    else if (a.kind === 'compound') functorBucket(idx, a.name, a.args.length).push(c)
    else bucket(idx.other, c.key, idx.unkeyed).push(c)
  }
  idx.cons = idx.functors.get('.')?.[2]
  p.unkeyed = idx.unkeyed.length === p.clauses.length
  p.index = idx
  return idx
}
