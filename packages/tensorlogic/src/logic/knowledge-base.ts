import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import { type CompiledClause, compileClause } from './clause-compile.js'
import { addClause, newPredicate, type Predicate, select } from './clause-index.js'
import type { SnapshotOptions } from './encoding.js'
import { InvalidClauseError } from './errors.js'
import {
  loadKnowledgeBaseBlocks,
  readSnapshotCounts,
  type SnapshotCounts,
  saveKnowledgeBaseBlocks,
} from './kb-snapshot.js'
import { parseProgram } from './parser.js'
import { type Answer, type ProofAnswer, type QueryOptions, Solver } from './solver.js'
import { type Clause, indicator, isFact, type Program, type Term } from './terms.js'
import type { RT } from './unify.js'

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
    addClause(p, compileClause(c))
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
      p = newPredicate()
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
    return p === undefined ? undefined : select(p, firstArg)
  }

  /** A predicate's clauses and index (for the solver, which caches it per call site); `undefined` if unknown. */
  predicate(pi: string): Predicate | undefined {
    return this.#preds.get(pi)
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
    return saveKnowledgeBaseBlocks(this.#all, [...this.#tabled], blockstore, options, this.stats())
  }

  /** The counts a snapshot's root records (read from the root block alone), or `undefined` if it has none. */
  static snapshotCounts(
    blockstore: Pick<Blockstore, 'get'>,
    root: CID,
    options: SnapshotOptions = {},
  ): Promise<SnapshotCounts | undefined> {
    return readSnapshotCounts(blockstore, root, options)
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
