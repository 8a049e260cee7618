import { aggregateResult, aggregateTemplate } from './aggregate.js'
import { arrayToList, BUILTINS, LIBRARY } from './builtins.js'
import { formatSink, formatString, NONDET_BUILTINS } from './builtins-text.js'
import {
  DepthLimitError,
  InstantiationError,
  InvalidClauseError,
  QueryTimeoutError,
  UnknownPredicateError,
  UnstratifiedError,
} from './errors.js'
import { type CompiledClause, instantiate, KnowledgeBase, type Tpl, unifyTpl } from './knowledge-base.js'
import { parseTerm } from './parser.js'
import { analyse, type ProgramAnalysis } from './strata.js'
import { type AnswerTable, TableSpace } from './tabling.js'
import { type Clause, indicator, type Term } from './terms.js'
import { copyTerm, deref, type Ref, type RT, resolve, Trail, toRuntime, unify, variantKey } from './unify.js'

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

interface Frame {
  readonly goal: RT
  readonly next: Frame | null
  readonly depth: number
  readonly cutB: number
  readonly pnode: PNode | null
  /** Resolve against clauses even if the predicate is tabled (the evaluation of a table). */
  readonly direct?: boolean
}
interface PNode {
  readonly goal: RT
  readonly via: ProofNode['via']
  readonly clause?: Clause
  readonly parent: PNode | null
}
interface PLog {
  readonly node: PNode
  readonly next: PLog | null
}
const CLAUSES = 0
const GOALS = 1
const ANSWERS = 2
interface ChoicePoint {
  readonly kind: 0 | 1 | 2
  readonly trailTop: number
  readonly mark: number
  readonly plog: PLog | null
  readonly frame: Frame
  readonly list: readonly CompiledClause[] | undefined
  readonly table: AnswerTable | undefined
  readonly idx: number
}

interface Context {
  readonly kb: KnowledgeBase
  readonly trail: Trail
  readonly maxDepth: number
  readonly deadline: number
  readonly signal: AbortSignal | undefined
  readonly tables: TableSpace
  readonly analysis: ProgramAnalysis
  /** Per predicate: its clauses when none has an index key (indexing cannot narrow them), else null. */
  readonly unindexed: Map<string, readonly CompiledClause[] | null>
  steps: number
}

const EMPTY: readonly RT[] = []
/** Names of the control constructs and solver-level built-ins handled in `step` before predicate lookup. */
const CONTROL = new Set([
  'true',
  'fail',
  'false',
  '!',
  ',',
  ';',
  '->',
  '\\+',
  'not',
  'forall',
  'findall',
  'aggregate_all',
  'format',
])
const PI_KEYS = new Map<string, string[]>()

/** `name/arity`, cached (built once per functor instead of once per call). */
function piKey(name: string, n: number): string {
  let byArity = PI_KEYS.get(name)
  if (byArity === undefined) {
    byArity = []
    PI_KEYS.set(name, byArity)
  }
  let k = byArity[n]
  if (k === undefined) {
    k = `${name}/${n}`
    byArity[n] = k
  }
  return k
}
const CUT: RT = { kind: 'atom', name: '!' }
let library: KnowledgeBase | undefined
interface KbCache {
  readonly version: number
  readonly space: TableSpace
  readonly analysis: ProgramAnalysis
  readonly unindexed: Map<string, readonly CompiledClause[] | null>
}
const tableSpaces = new WeakMap<KnowledgeBase, KbCache>()

function check(ctx: Context): void {
  if (ctx.signal?.aborted) throw new QueryTimeoutError('query aborted', { cause: ctx.signal.reason })
  if (Date.now() > ctx.deadline) throw new QueryTimeoutError()
}

/** The SLD resolution machine: a goal stack, a choicepoint stack and the trail (iterative, no JS recursion). */
class Engine {
  goals: Frame | null
  readonly cps: ChoicePoint[] = []
  plog: PLog | null = null
  state: 'running' | 'solution' | 'done' = 'running'
  readonly #trailStart: number
  readonly #savedMark: number
  readonly #baseMark: number

  constructor(
    readonly ctx: Context,
    goal: RT,
    depth: number,
    readonly proof: boolean,
    direct = false,
  ) {
    const trail = ctx.trail
    this.#trailStart = trail.refs.length
    this.#savedMark = trail.varMark
    this.#baseMark = trail.varMark = trail.counter
    this.goals = { goal, next: null, depth, cutB: 0, pnode: null, direct }
  }

  /** Runs to the next solution (true), to failure (false) or for `budget` steps (null: call again). */
  next(budget = Number.POSITIVE_INFINITY): boolean | null {
    if (this.state === 'done') return false
    if (this.state === 'solution') {
      this.state = 'running'
      if (!this.backtrack()) return this.#finish()
    }
    const ctx = this.ctx
    for (let n = 0; ; n++) {
      const f = this.goals
      if (f === null) {
        this.state = 'solution'
        return true
      }
      if (n >= budget) return null
      if ((++ctx.steps & 1023) === 0) check(ctx)
      this.goals = f.next
      if (!this.step(f) && !this.backtrack()) return this.#finish()
    }
  }

  #finish(): false {
    this.state = 'done'
    return false
  }

  /** Undoes every binding this engine made. */
  close(): void {
    this.ctx.trail.undo(this.#trailStart)
    this.ctx.trail.varMark = this.#savedMark
    this.state = 'done'
  }

  #push(
    kind: ChoicePoint['kind'],
    frame: Frame,
    idx: number,
    list?: readonly CompiledClause[],
    table?: AnswerTable,
  ): void {
    const trail = this.ctx.trail
    this.cps.push({ kind, frame, idx, list, table, trailTop: trail.refs.length, mark: trail.counter, plog: this.plog })
    trail.varMark = trail.counter
  }

  #popTo(height: number): void {
    this.cps.length = height
    this.ctx.trail.varMark = this.cps[height - 1]?.mark ?? this.#baseMark
  }

  backtrack(): boolean {
    const trail = this.ctx.trail
    while (this.cps.length > 0) {
      const cp = this.cps.pop() as ChoicePoint
      trail.undo(cp.trailTop)
      trail.varMark = this.cps[this.cps.length - 1]?.mark ?? this.#baseMark
      this.plog = cp.plog
      if (cp.kind === GOALS) {
        this.goals = cp.frame
        return true
      }
      const g = deref(cp.frame.goal)
      const args = g.kind === 'compound' ? g.args : EMPTY
      if (cp.kind === CLAUSES && this.#tryClauses(g, args, cp.frame, cp.list as CompiledClause[], cp.idx)) return true
      if (cp.kind === ANSWERS && this.#tryAnswers(g, cp.frame, cp.table as AnswerTable, cp.idx)) return true
    }
    return false
  }

  #frame(goal: RT, next: Frame | null, f: Frame, cutB = f.cutB): Frame {
    return { goal, next, depth: f.depth, cutB, pnode: f.pnode }
  }

  #log(goal: RT, via: ProofNode['via'], parent: PNode | null, clause?: Clause): PNode {
    const node: PNode = { goal, via, parent, ...(clause ? { clause } : {}) }
    this.plog = { node, next: this.plog }
    return node
  }

  step(f: Frame): boolean {
    const g = deref(f.goal)
    if (g.kind === 'ref') throw new InstantiationError('call of an unbound variable')
    if (g.kind !== 'atom' && g.kind !== 'compound') throw new InvalidClauseError(`goal is not callable: ${g.kind}`)
    const args = g.kind === 'compound' ? g.args : EMPTY
    const n = args.length
    const key = piKey(g.name, n)
    if (CONTROL.has(g.name))
      switch (n === 0 ? g.name : key) {
        case 'true':
          return true
        case 'fail':
        case 'false':
          return false
        case '!':
          this.#popTo(f.cutB)
          return true
        case ',/2':
          this.goals = this.#frame(args[0] as RT, this.#frame(args[1] as RT, f.next, f), f)
          return true
        case ';/2': {
          const c = deref(args[0] as RT)
          const B = this.cps.length
          this.#push(GOALS, this.#frame(args[1] as RT, f.next, f), 0)
          if (c.kind === 'compound' && c.name === '->' && c.args.length === 2) {
            const then = this.#frame(c.args[1] as RT, f.next, f)
            this.goals = this.#frame(c.args[0] as RT, this.#frame(CUT, then, f, B), f, B + 1)
          } else this.goals = this.#frame(c, f.next, f)
          return true
        }
        case '->/2': {
          const B = this.cps.length
          const then = this.#frame(args[1] as RT, f.next, f)
          this.goals = this.#frame(args[0] as RT, this.#frame(CUT, then, f, B), f, B)
          return true
        }
        case '\\+/1':
        case 'not/1':
          return !this.#succeeds(args[0] as RT, f)
        case 'forall/2':
          return !this.#succeeds(
            {
              kind: 'compound',
              name: ',',
              args: [args[0] as RT, { kind: 'compound', name: '\\+', args: [args[1] as RT] }],
            },
            f,
          )
        case 'findall/3':
          return unify(args[2] as RT, arrayToList(this.#collect(args[0] as RT, args[1] as RT, f)), this.ctx.trail)
        case 'aggregate_all/3': {
          const items = this.#collect(aggregateTemplate(args[0] as RT), args[1] as RT, f)
          const result = aggregateResult(args[0] as RT, items)
          return result !== null && unify(args[2] as RT, result, this.ctx.trail)
        }
        case 'format/3': {
          const { target, value } = formatSink(args[0] as RT, formatString(args[1] as RT, args[2] as RT))
          return unify(target, value, this.ctx.trail)
        }
      }
    if (g.name === 'call' && n >= 1) {
      let goal = deref(args[0] as RT)
      if (n > 1) {
        if (goal.kind === 'atom') goal = { kind: 'compound', name: goal.name, args: args.slice(1) }
        else if (goal.kind === 'compound')
          goal = { kind: 'compound', name: goal.name, args: [...goal.args, ...args.slice(1)] }
      }
      this.goals = { goal, next: f.next, depth: f.depth, cutB: this.cps.length, pnode: f.pnode }
      return true
    }
    const kb = this.ctx.kb
    const analysis = this.ctx.analysis
    if (!f.direct && analysis.tabled.has(key)) {
      const cycle = analysis.unstratified.get(key)
      if (cycle !== undefined) throw new UnstratifiedError(cycle)
      // A proof is wanted through automatically tabled predicates: SLD resolution that fails on a call that is a
      // variant of one of its ancestors (complete for function-free programs), instead of an opaque table leaf.
      if (!this.proof || !analysis.autoTabled.has(key)) return this.#tabled(g, f)
      if (loops(g, f.pnode)) return false
    }
    const builtin = BUILTINS.get(key)
    if (builtin !== undefined) {
      if (!builtin(args, this.ctx.trail)) return false
      if (this.proof) this.#log(g, 'builtin', f.pnode)
      return true
    }
    let list = this.ctx.unindexed.get(key) ?? kb.candidates(key, args[0])
    if (list === undefined) {
      const nondet = NONDET_BUILTINS.get(key)
      if (nondet !== undefined) return this.#nondet(g, args, nondet(args), f)
      library ??= libraryKb()
      list = library.candidates(key, args[0])
      if (list === undefined) throw new UnknownPredicateError(key)
    }
    return this.#tryClauses(g, args, f, list, 0)
  }

  /** Copies of `template` for every solution of `goal` (findall/3). */
  #collect(template: RT, goal: RT, f: Frame): RT[] {
    const results: RT[] = []
    const sub = new Engine(this.ctx, goal, f.depth, false)
    try {
      while (sub.next()) results.push(copyTerm(template, this.ctx.trail))
    } finally {
      sub.close()
    }
    return results
  }

  /** Tries the solutions of a nondeterministic built-in as alternatives (a disjunction of unifications). */
  #nondet(g: RT & { kind: 'atom' | 'compound' }, args: readonly RT[], sols: (RT | undefined)[][], f: Frame): boolean {
    if (sols.length === 0) return false
    const eq = (sol: (RT | undefined)[]): RT => ({
      kind: 'compound',
      name: '=',
      args: [
        { kind: 'compound', name: g.name, args },
        { kind: 'compound', name: g.name, args: sol.map((x, i) => x ?? (args[i] as RT)) },
      ],
    })
    let goal = eq(sols[sols.length - 1] as (RT | undefined)[])
    for (let i = sols.length - 2; i >= 0; i--)
      goal = { kind: 'compound', name: ';', args: [eq(sols[i] as (RT | undefined)[]), goal] }
    if (this.proof) this.#log(g, 'builtin', f.pnode)
    this.goals = this.#frame(goal, f.next, f)
    return true
  }

  #succeeds(goal: RT, f: Frame): boolean {
    const sub = new Engine(this.ctx, goal, f.depth, false)
    try {
      return sub.next() === true
    } finally {
      sub.close()
    }
  }

  #tryClauses(g: RT, args: readonly RT[], f: Frame, list: readonly CompiledClause[], i: number): boolean {
    const trail = this.ctx.trail
    const depth = f.depth + 1
    if (depth > this.ctx.maxDepth) throw new DepthLimitError(this.ctx.maxDepth)
    const B = this.cps.length
    for (const n = list.length; i < n; i++) {
      const c = list[i] as CompiledClause
      const more = i + 1 < n
      const mark = trail.refs.length
      if (more) this.#push(CLAUSES, f, i + 1, list)
      const vars = new Array<RT | undefined>(c.nvars)
      let ok = true
      for (let k = 0; k < c.head.length; k++) {
        if (!unifyTpl(c.head[k] as Tpl, args[k] as RT, vars, trail)) {
          ok = false
          break
        }
      }
      if (ok) {
        const pnode = this.proof ? this.#log(g, 'clause', f.pnode, c.source) : f.pnode
        let next = f.next
        for (let k = c.body.length - 1; k >= 0; k--) {
          next = { goal: instantiate(c.body[k] as Tpl, vars, trail), next, depth, cutB: B, pnode }
        }
        this.goals = next
        return true
      }
      if (more) this.#popTo(B)
      trail.undo(mark)
    }
    return false
  }

  #tabled(g: RT & { kind: 'atom' | 'compound' }, f: Frame): boolean {
    const ctx = this.ctx
    const table = ctx.tables.call(g, (t) => {
      const goal = copyTerm(g, ctx.trail)
      const sub = new Engine(ctx, goal, f.depth, false, true)
      try {
        while (sub.next()) ctx.tables.addAnswer(t, goal)
      } finally {
        sub.close()
      }
    })
    return this.#tryAnswers(g, f, table, 0)
  }

  #tryAnswers(g: RT, f: Frame, table: AnswerTable, i: number): boolean {
    const trail = this.ctx.trail
    const answers = table.answers
    const B = this.cps.length
    for (; i < answers.length; i++) {
      const more = i + 1 < answers.length || table.status !== 'complete'
      const mark = trail.refs.length
      if (more) this.#push(ANSWERS, f, i + 1, undefined, table)
      if (unifyTpl(answers[i] as Tpl, g, [], trail)) {
        if (this.proof) this.#log(g, 'table', f.pnode)
        this.goals = f.next
        return true
      }
      if (more) this.#popTo(B)
      trail.undo(mark)
    }
    if (table.status !== 'complete') this.ctx.tables.starved(table)
    return false
  }
}

/** Whether `g` is a variant of a goal on its proof path. */
function loops(g: RT, node: PNode | null): boolean {
  const key = variantKey(g)
  for (let n = node; n !== null; n = n.parent) if (n.via === 'clause' && variantKey(n.goal) === key) return true
  return false
}

/** The JS stack overflow of tabled calls nested too deep (each new call variant nests), as a typed error. */
function stackLimit(err: unknown): unknown {
  return err instanceof RangeError && /call stack/.test(err.message)
    ? new DepthLimitError(0, 'tabled calls nested too deep for the JS stack')
    : err
}

function libraryKb(): KnowledgeBase {
  const kb = new KnowledgeBase()
  kb.consult(LIBRARY)
  return kb
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
    const unindexed = new Map<string, readonly CompiledClause[] | null>()
    for (const c of this.kb.clauses()) {
      const pi = indicator(c.head)
      if (unindexed.has(pi)) continue
      const all = this.kb.candidates(pi, undefined) ?? []
      unindexed.set(pi, all.length > 1 && all.every((x) => x.key === null) ? all : null)
    }
    const fresh: KbCache = {
      version: this.kb.version,
      space: new TableSpace(),
      analysis: analyse(this.kb.clauses(), this.kb.tabled),
      unindexed,
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
      unindexed: tables.unindexed,
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
