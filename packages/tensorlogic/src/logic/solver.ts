import type { Target } from './dispatch.js'
import { Engine } from './engine.js'
import { type Context, check, type PLog, type PNode } from './engine-state.js'
import { DepthLimitError } from './errors.js'
import type { KnowledgeBase } from './knowledge-base.js'
import { parseTerm } from './parser.js'
import { analyse, type ProgramAnalysis } from './strata.js'
import { TableSpace } from './tabling.js'
import type { Clause, Term } from './terms.js'
import { type Ref, resolve, Trail, toRuntime } from './unify.js'

/** Limits and switches of one query. */
export interface QueryOptions {
  /** Stop after this many answers (default: all). */
  limit?: number
  /** Deepest proof allowed, in nested resolution steps (default 100,000); deeper ends with `ERR_DEPTH_LIMIT`. */
  maxDepth?: number
  /** Wall-clock limit; past it the query ends with `ERR_TIMEOUT`. */
  timeoutMs?: number
  /** Aborting ends the query with `ERR_TIMEOUT` (checked between slices of work and every 1,024 steps). */
  signal?: AbortSignal
  /** Unification with the occurs check (`X = f(X)` fails). */
  occursCheck?: boolean
}

/** One answer: the bindings of the query's named variables (those not starting with `_`). */
export type Answer = Record<string, Term>

/** A node of a proof tree: the goal as proven, the clause used (or a built-in / tabled answer), sub-proofs. */
export interface ProofNode {
  readonly goal: Term
  readonly via: 'clause' | 'builtin' | 'table'
  readonly clause?: Clause
  readonly children: ProofNode[]
}

/** An answer with the proof trees of the query's top-level goals. */
export interface ProofAnswer {
  readonly bindings: Answer
  readonly proof: ProofNode[]
}

interface KbCache {
  readonly version: number
  readonly space: TableSpace
  readonly analysis: ProgramAnalysis
  readonly targets: Map<string, Target>
}
const tableSpaces = new WeakMap<KnowledgeBase, KbCache>()

/** The JS stack overflow of tabled calls nested too deep (each new call variant nests), as a typed error. */
function stackLimit(err: unknown): unknown {
  return err instanceof RangeError && /call stack/.test(err.message)
    ? new DepthLimitError(0, 'tabled calls nested too deep for the JS stack')
    : err
}

/**
 * Runs queries against a knowledge base: SLD resolution with first-argument indexing, cut, if-then-else, negation as
 * failure, the built-ins of `builtins.ts`, and tabling for predicates declared with `:- table name/arity`. Answer
 * tables are kept between queries until the knowledge base changes.
 */
export class Solver {
  constructor(readonly kb: KnowledgeBase) {}

  #tables(): KbCache {
    const entry = tableSpaces.get(this.kb)
    if (entry !== undefined && entry.version === this.kb.version) return entry
    const fresh: KbCache = {
      version: this.kb.version,
      space: new TableSpace(),
      analysis: analyse(this.kb.clauses(), this.kb.tabled),
      targets: new Map(),
    }
    tableSpaces.set(this.kb, fresh)
    return fresh
  }

  /** The dependency analysis of the knowledge base: which predicates are tabled (declared or automatically). */
  analysis(): ProgramAnalysis {
    return this.#tables().analysis
  }

  /** Answers one by one; the work is done in slices between which the event loop runs (so `signal` can fire). */
  async *solve(goal: string | Term, options: QueryOptions = {}): AsyncGenerator<Answer> {
    for await (const a of this.#run(goal, options, false)) yield a.bindings
  }

  /** All answers (or the first `limit`). */
  async all(goal: string | Term, options: QueryOptions = {}): Promise<Answer[]> {
    const out: Answer[] = []
    for await (const a of this.solve(goal, options)) out.push(a)
    return out
  }

  /** The first answer with its proof tree, or `undefined` when the goal fails. */
  async prove(goal: string | Term, options: QueryOptions = {}): Promise<ProofAnswer | undefined> {
    for await (const a of this.#run(goal, { ...options, limit: 1 }, true)) return a
    return undefined
  }

  /** The same as {@link all}, synchronously (no slices: only `timeoutMs` and an already-aborted `signal` apply). */
  allSync(goal: string | Term, options: QueryOptions = {}): Answer[] {
    const out: Answer[] = []
    const run = this.#start(goal, options, false)
    try {
      while ((options.limit ?? Number.POSITIVE_INFINITY) > out.length && run.engine.next())
        out.push(run.answer().bindings)
    } catch (err) {
      throw stackLimit(err)
    } finally {
      run.engine.close()
    }
    return out
  }

  /** The same as {@link prove}, synchronously (as {@link allSync}). */
  proveSync(goal: string | Term, options: QueryOptions = {}): ProofAnswer | undefined {
    const run = this.#start(goal, options, true)
    try {
      return run.engine.next() ? run.answer() : undefined
    } catch (err) {
      throw stackLimit(err)
    } finally {
      run.engine.close()
    }
  }

  #start(goal: string | Term, options: QueryOptions, proof: boolean) {
    const term = typeof goal === 'string' ? parseTerm(goal) : goal
    const tables = this.#tables()
    const trail = new Trail()
    trail.occursCheck = options.occursCheck ?? false
    const ctx: Context = {
      kb: this.kb,
      trail,
      maxDepth: options.maxDepth ?? 100_000,
      deadline: options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs,
      signal: options.signal,
      tables: tables.space,
      analysis: tables.analysis,
      targets: tables.targets,
      steps: 0,
    }
    check(ctx)
    const vars = new Map<string, Ref>()
    const engine = new Engine(ctx, toRuntime(term, vars, trail), 0, proof)
    const answer = (): ProofAnswer => {
      const names = new Map<Ref, string>()
      for (const [name, r] of vars) if (!name.startsWith('_')) names.set(r, name)
      const bindings: Answer = {}
      for (const [name, r] of vars) if (!name.startsWith('_')) bindings[name] = resolve(r, names)
      return { bindings, proof: proof ? proofTree(engine.plog, names) : [] }
    }
    return { engine, answer }
  }

  async *#run(goal: string | Term, options: QueryOptions, proof: boolean): AsyncGenerator<ProofAnswer> {
    const { engine, answer } = this.#start(goal, options, proof)
    const limit = options.limit ?? Number.POSITIVE_INFINITY
    try {
      for (let found = 0; found < limit; ) {
        let r: boolean | null
        try {
          r = engine.next(50_000)
        } catch (err) {
          throw stackLimit(err)
        }
        if (r === false) return
        if (r === null) {
          await new Promise((resolve) => setImmediate(resolve))
          check(engine.ctx)
          continue
        }
        found++
        yield answer()
      }
    } finally {
      engine.close()
    }
  }
}

function proofTree(log: PLog | null, names: Map<Ref, string>): ProofNode[] {
  const nodes: PNode[] = []
  for (let l = log; l !== null; l = l.next) nodes.push(l.node)
  nodes.reverse()
  const out = new Map<PNode, ProofNode>()
  const roots: ProofNode[] = []
  for (const n of nodes) {
    const p: ProofNode = {
      goal: resolve(n.goal, names),
      via: n.via,
      ...(n.clause ? { clause: n.clause } : {}),
      children: [],
    }
    out.set(n, p)
    if (n.parent === null) roots.push(p)
    else out.get(n.parent)?.children.push(p)
  }
  return roots
}
