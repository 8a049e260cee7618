import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import type { SnapshotOptions } from './encoding.js'
import { InvalidClauseError } from './errors.js'
import { loadKnowledgeBaseBlocks, saveKnowledgeBaseBlocks } from './kb-snapshot.js'
import { parseProgram } from './parser.js'
import { type Answer, type ProofAnswer, type QueryOptions, Solver } from './solver.js'
import {
  type Atom,
  type Clause,
  type Float,
  type Int,
  indicator,
  isFact,
  type Program,
  type Str,
  type Term,
} from './terms.js'
import { deref, type RT, type Trail, unify } from './unify.js'

/** A variable slot of a compiled clause. */
export interface VarTpl {
  readonly kind: 'vi'
  readonly i: number
}
/** A compound in a compiled clause; `ground` ones are shared, never copied. */
export interface TCompound {
  readonly kind: 'compound'
  readonly name: string
  readonly args: readonly Tpl[]
  readonly ground: boolean
}
/** A term of a compiled clause: variables are numbered slots. */
export type Tpl = VarTpl | Atom | Int | Float | Str | TCompound

/** A clause compiled for the solver: head arguments and flattened body goals over `nvars` slots. */
export interface CompiledClause {
  readonly source: Clause
  readonly nvars: number
  readonly head: readonly Tpl[]
  readonly body: readonly Tpl[]
  /** First-argument index key (`null` when the first argument is a variable or there is none). */
  readonly key: string | null
}

/** Compiles an IR term into a template, numbering variables through `slots`. */
export function compileTerm(t: Term, slots: Map<string, number>): Tpl {
  if (t.kind === 'var') {
    let i = slots.get(t.name)
    if (i === undefined) {
      i = slots.size
      slots.set(t.name, i)
    }
    return { kind: 'vi', i }
  }
  if (t.kind !== 'compound') return t
  const args = t.args.map((a) => compileTerm(a, slots))
  return {
    kind: 'compound',
    name: t.name,
    args,
    ground: args.every((a) => a.kind !== 'vi' && (a.kind !== 'compound' || a.ground)),
  }
}

/** Compiles a runtime term (e.g. a tabled answer) into a template; unbound variables become slots. */
export function compileRuntime(t: RT, slots: Map<RT, number>): Tpl {
  t = deref(t)
  if (t.kind === 'ref') {
    let i = slots.get(t)
    if (i === undefined) {
      i = slots.size
      slots.set(t, i)
    }
    return { kind: 'vi', i }
  }
  if (t.kind !== 'compound') return t
  const args = t.args.map((a) => compileRuntime(a, slots))
  return {
    kind: 'compound',
    name: t.name,
    args,
    ground: args.every((a) => a.kind !== 'vi' && (a.kind !== 'compound' || a.ground)),
  }
}

/** A template with its slots filled (fresh variables for empty slots). */
export function instantiate(t: Tpl, vars: (RT | undefined)[], trail: Trail): RT {
  if (t.kind === 'vi') {
    let r = vars[t.i]
    if (r === undefined) {
      r = trail.fresh()
      vars[t.i] = r
    }
    return r
  }
  if (t.kind !== 'compound' || t.ground) return t as RT
  const args = new Array<RT>(t.args.length)
  for (let i = 0; i < args.length; i++) args[i] = instantiate(t.args[i] as Tpl, vars, trail)
  return { kind: 'compound', name: t.name, args }
}

/** Unifies a template with a runtime term without building the template first (head unification). */
export function unifyTpl(t: Tpl, x: RT, vars: (RT | undefined)[], trail: Trail): boolean {
  if (t.kind === 'vi') {
    const cur = vars[t.i]
    if (cur === undefined) {
      vars[t.i] = x
      return true
    }
    return unify(cur, x, trail)
  }
  x = deref(x)
  if (x.kind === 'ref') {
    if (trail.occursCheck) return unify(x, instantiate(t, vars, trail), trail)
    trail.bind(x, instantiate(t, vars, trail))
    return true
  }
  if (t.kind === 'compound') {
    if (x.kind !== 'compound' || x.name !== t.name || x.args.length !== t.args.length) return false
    for (let i = 0; i < t.args.length; i++) if (!unifyTpl(t.args[i] as Tpl, x.args[i] as RT, vars, trail)) return false
    return true
  }
  switch (t.kind) {
    case 'atom':
      return x.kind === 'atom' && x.name === t.name
    case 'int':
      return x.kind === 'int' && x.value === t.value
    case 'str':
      return x.kind === 'str' && x.value === t.value
    default:
      return x.kind === 'float' && x.value === t.value
  }
}

/** The first-argument index key of a term (`null` for a variable). */
export function indexKey(t: Tpl | RT): string | null {
  switch (t.kind) {
    case 'vi':
    case 'ref':
      return null
    case 'atom':
      return `a${t.name}`
    case 'int':
      return `i${t.value}`
    case 'float':
      return `f${t.value}`
    case 'str':
      return `s${t.value}`
    case 'compound':
      return `c${t.name}/${t.args.length}`
  }
}

function flatten(body: Term, out: Term[]): Term[] {
  if (body.kind === 'compound' && body.name === ',' && body.args.length === 2) {
    flatten(body.args[0] as Term, out)
    flatten(body.args[1] as Term, out)
  } else if (!(body.kind === 'atom' && body.name === 'true')) out.push(body)
  return out
}

/** Compiles a clause (a variable body goal `G` becomes `call(G)`). */
export function compileClause(c: Clause): CompiledClause {
  const slots = new Map<string, number>()
  const head = c.head.kind === 'compound' ? c.head.args.map((a) => compileTerm(a, slots)) : []
  const body = flatten(c.body, []).map((g) =>
    compileTerm(g.kind === 'var' ? { kind: 'compound', name: 'call', args: [g] } : g, slots),
  )
  return { source: c, nvars: slots.size, head, body, key: head.length > 0 ? indexKey(head[0] as Tpl) : null }
}

interface Predicate {
  clauses: CompiledClause[]
  index: Map<string, CompiledClause[]> | null
  unkeyed: CompiledClause[]
}

/** Counts of a knowledge base's content. */
export interface KbStats {
  readonly clauses: number
  readonly facts: number
  readonly rules: number
  readonly predicates: number
  readonly tabled: number
}

/**
 * Facts and rules, indexed by predicate and first argument, with table declarations. Queries run through a
 * {@link Solver}; `snapshot`/`restore` store it as IPLD blocks (packs of clauses, see `kb-snapshot.ts`).
 */
export class KnowledgeBase {
  readonly #preds = new Map<string, Predicate>()
  readonly #all: Clause[] = []
  readonly #tabled = new Set<string>()
  /** Bumped on every change; the solver drops its answer tables when it moves. */
  version = 0

  /** Adds program text or a parsed program (clauses and `:- table`/`:- dynamic` directives); returns clauses added. */
  consult(program: string | Program): number {
    const p = typeof program === 'string' ? parseProgram(program) : program
    for (const d of p.directives) this.#directive(d.goal)
    for (const c of p.clauses) this.add(c)
    return p.clauses.length
  }

  #directive(goal: Term): void {
    if (
      goal.kind !== 'compound' ||
      goal.args.length !== 1 ||
      !['table', 'dynamic', 'discontiguous'].includes(goal.name)
    )
      throw new InvalidClauseError(`unsupported directive ${goal.kind === 'compound' ? goal.name : indicatorOf(goal)}`)
    for (const spec of conj(goal.args[0] as Term)) {
      const pi = indicatorOf(spec)
      if (goal.name === 'table') this.table(pi)
      else if (goal.name === 'dynamic') this.#pred(pi)
    }
  }

  /** Declares a predicate (`name/arity`) tabled: its calls are answered from complete answer tables. */
  table(pi: string): void {
    indicatorOfText(pi)
    this.#tabled.add(pi)
    this.#pred(pi)
    this.version++
  }

  /** Whether `name/arity` is tabled. */
  isTabled(pi: string): boolean {
    return this.#tabled.has(pi)
  }

  /** The tabled predicate indicators. */
  get tabled(): ReadonlySet<string> {
    return this.#tabled
  }

  /** Appends a clause. */
  add(c: Clause): void {
    if (c.head.kind !== 'atom' && c.head.kind !== 'compound')
      throw new InvalidClauseError('clause head is not callable')
    const p = this.#pred(indicator(c.head))
    p.clauses.push(compileClause(c))
    p.index = null
    this.#all.push(c)
    this.version++
  }

  /** Removes the first clause structurally equal to `c` (same variable names too); returns whether one was found. */
  remove(c: Clause): boolean {
    const p = this.#preds.get(indicator(c.head))
    const i = p?.clauses.findIndex((x) => x.source === c || JSON.stringify(x.source, big) === JSON.stringify(c, big))
    if (p === undefined || i === undefined || i < 0) return false
    const [gone] = p.clauses.splice(i, 1)
    p.index = null
    this.#all.splice(this.#all.indexOf((gone as CompiledClause).source), 1)
    this.version++
    return true
  }

  #pred(pi: string): Predicate {
    let p = this.#preds.get(pi)
    if (p === undefined) {
      p = { clauses: [], index: null, unkeyed: [] }
      this.#preds.set(pi, p)
    }
    return p
  }

  /** Every clause in the order added. */
  clauses(): readonly Clause[] {
    return this.#all
  }

  /** Whether the predicate has clauses or was declared. */
  defines(pi: string): boolean {
    return this.#preds.has(pi)
  }

  /** The clauses that may match a call (first-argument indexing), in order; `undefined` for an unknown predicate. */
  candidates(pi: string, firstArg: RT | undefined): readonly CompiledClause[] | undefined {
    const p = this.#preds.get(pi)
    if (p === undefined) return undefined
    if (firstArg === undefined || p.clauses.length < 2) return p.clauses
    const key = indexKey(deref(firstArg))
    if (key === null) return p.clauses
    if (p.index === null) buildIndex(p)
    return (p.index as Map<string, CompiledClause[]>).get(key) ?? p.unkeyed
  }

  /** Clause, fact, rule, predicate and table counts. */
  stats(): KbStats {
    const facts = this.#all.filter(isFact).length
    return {
      clauses: this.#all.length,
      facts,
      rules: this.#all.length - facts,
      predicates: this.#preds.size,
      tabled: this.#tabled.size,
    }
  }

  /** All answers (or the first `limit`) of a goal, as variable bindings; see {@link Solver.solve}. */
  query(goal: string | Term, options: QueryOptions = {}): Promise<Answer[]> {
    return new Solver(this).all(goal, options)
  }

  /** The first proof of a goal with its proof tree, or `undefined`. */
  prove(goal: string | Term, options: QueryOptions = {}): Promise<ProofAnswer | undefined> {
    return new Solver(this).prove(goal, options)
  }

  /** Stores every clause as a block and a root block linking them; returns the root CID. */
  snapshot(blockstore: Pick<Blockstore, 'put'>, options: SnapshotOptions = {}): Promise<CID> {
    return saveKnowledgeBaseBlocks(this.#all, [...this.#tabled], blockstore, options)
  }

  /** A knowledge base read back from a root CID (every block hash-verified and validated). */
  static async restore(
    blockstore: Pick<Blockstore, 'get'>,
    root: CID,
    options: SnapshotOptions = {},
  ): Promise<KnowledgeBase> {
    const { clauses, tabled } = await loadKnowledgeBaseBlocks(blockstore, root, options)
    const kb = new KnowledgeBase()
    for (const t of tabled) kb.table(t)
    for (const c of clauses) kb.add(c)
    return kb
  }
}

function buildIndex(p: Predicate): void {
  const index = new Map<string, CompiledClause[]>()
  const unkeyed: CompiledClause[] = []
  for (const c of p.clauses) {
    if (c.key === null) {
      unkeyed.push(c)
      for (const l of index.values()) l.push(c)
    } else {
      let l = index.get(c.key)
      if (l === undefined) {
        l = [...unkeyed]
        index.set(c.key, l)
      }
      l.push(c)
    }
  }
  p.index = index
  p.unkeyed = unkeyed
}

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v
}

function conj(t: Term): Term[] {
  return t.kind === 'compound' && t.name === ',' && t.args.length === 2
    ? [...conj(t.args[0] as Term), ...conj(t.args[1] as Term)]
    : [t]
}

function indicatorOf(t: Term): string {
  if (t.kind === 'compound' && t.name === '/' && t.args.length === 2) {
    const [n, a] = t.args as [Term, Term]
    if (n.kind === 'atom' && a.kind === 'int' && a.value >= 0n && a.value < 1024n) return `${n.name}/${a.value}`
  }
  throw new InvalidClauseError('expected a predicate indicator name/arity')
}

function indicatorOfText(pi: string): void {
  if (!/^.+\/[0-9]{1,4}$/.test(pi)) throw new InvalidClauseError(`bad predicate indicator ${pi}`)
}
