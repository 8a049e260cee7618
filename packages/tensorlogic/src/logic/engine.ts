import { BUILTINS, type Builtin } from './builtins.js'
import type { NondetBuiltin } from './builtins-text.js'
import { CUT_FAIL, compileEnter, interpretEnter, OP_GOAL } from './clause-codegen.js'
import { type CompiledClause, instantiate, type Site } from './clause-compile.js'
import type { Predicate } from './clause-index.js'
import { select } from './clause-index.js'
import { resolveTarget, T_BUILTIN, T_CALL, T_CLAUSES, T_CONTROL, T_NONDET, type Target } from './dispatch.js'
import { control, nondetGoal } from './engine-control.js'
import {
  ANSWERS,
  type ChoicePoint,
  CLAUSES,
  type Context,
  check,
  type Frame,
  GOALS,
  type PLog,
  type PNode,
} from './engine-state.js'
import { tabledCall, tryAnswers } from './engine-sub.js'
import {
  DepthLimitError,
  InstantiationError,
  InvalidClauseError,
  UnknownPredicateError,
  UnstratifiedError,
} from './errors.js'
import { loops, piKey } from './goals.js'
import type { ProofNode } from './solver.js'
import type { AnswerTable } from './tabling.js'
import type { Clause } from './terms.js'
import { deref, type RT } from './unify.js'

const EMPTY: readonly RT[] = []

/** The SLD resolution machine: a goal stack, a choicepoint stack and the trail (iterative, no JS recursion). */
export class Engine {
  goals: Frame | null
  readonly cps: ChoicePoint[] = []
  /** The number of live choicepoints (records above it are kept for reuse). */
  #top = 0
  plog: PLog | null = null
  state: 'running' | 'solution' | 'done' = 'running'
  readonly #trailStart: number
  readonly #savedMark: number
  readonly #baseMark: number
  /** Clauses run compiled (clause-codegen.ts): not for proofs, nor when a built-in is (oddly) tabled. */
  readonly #fast: boolean
  /** The first goal of a table's evaluation: resolved against clauses although its predicate is tabled. */
  readonly #direct: Frame | null
  /**
   * The first body call of the clause just entered, left here by its generated code instead of a goal frame (the
   * frame is built only if the call needs one: a choicepoint, or a goal that is not a plain clause call).
   */
  pSite: Site | null = null
  /** Counts cuts (and other pops of choicepoints), to tell whether entering a clause cut. */
  #cuts = 0
  pEnv: RT[] | null = null

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
    ctx.compiledOk ??= ![...BUILTINS.keys()].some((k) => ctx.analysis.tabled.has(k))
    this.#fast = !proof && ctx.compiledOk
    this.goals = { goal, next: null, depth, cutB: 0, pnode: null, site: null, env: null }
    this.#direct = direct ? this.goals : null
  }

  /** Runs to the next solution (true), to failure (false) or for `budget` steps (null: call again). */
  next(budget = Number.POSITIVE_INFINITY): boolean | null {
    if (this.state === 'done') return false
    if (this.state === 'solution') {
      this.state = 'running'
      if (!this.backtrack()) return this.#finish()
    }
    const ctx = this.ctx
    // the budget counts steps, including those a clause's first call runs without a frame (see #tryClauses)
    const stop = ctx.steps + budget
    for (;;) {
      const f = this.goals
      if (f === null) {
        this.state = 'solution'
        return true
      }
      if (ctx.steps >= stop) return null
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

  push(
    kind: ChoicePoint['kind'],
    frame: Frame,
    idx: number,
    list?: readonly CompiledClause[],
    table?: AnswerTable,
  ): void {
    const trail = this.ctx.trail
    this.#pushAt(kind, frame, idx, list, table, trail.refs.length, trail.counter, this.plog)
    trail.varMark = trail.counter
  }

  /** Pushes a choicepoint as of an earlier trail height, variable counter and proof log. */
  #pushAt(
    kind: ChoicePoint['kind'],
    frame: Frame,
    idx: number,
    list: readonly CompiledClause[] | undefined,
    table: AnswerTable | undefined,
    trailTop: number,
    mark: number,
    plog: PLog | null,
  ): void {
    const cps = this.cps
    const top = this.#top++
    const cp = cps[top]
    if (cp === undefined) cps.push({ kind, frame, idx, list, table, trailTop, mark, plog })
    else {
      // choicepoint records are reused (a stack of them never shrinks), so that pushing one allocates nothing
      cp.kind = kind
      cp.frame = frame
      cp.idx = idx
      cp.list = list
      cp.table = table
      cp.trailTop = trailTop
      cp.mark = mark
      cp.plog = plog
    }
  }

  /** The number of live choicepoints. */
  get top(): number {
    return this.#top
  }

  /** Cuts back to `height` choicepoints. */
  cut(height: number): void {
    this.#popTo(height)
  }

  #popTo(height: number): void {
    this.#cuts++
    this.#top = height
    this.ctx.trail.varMark = height > 0 ? (this.cps[height - 1] as ChoicePoint).mark : this.#baseMark
  }

  backtrack(): boolean {
    const trail = this.ctx.trail
    while (this.#top > 0) {
      // read before trying: the next push reuses this record
      const { kind, frame, idx, list, table, trailTop, plog } = this.cps[--this.#top] as ChoicePoint
      trail.undo(trailTop)
      trail.varMark = this.#top > 0 ? (this.cps[this.#top - 1] as ChoicePoint).mark : this.#baseMark
      this.plog = plog
      if (kind === GOALS) {
        this.goals = frame
        return true
      }
      const g = deref(frame.goal)
      const args = frame.env !== null ? frame.env : g.kind === 'compound' ? g.args : EMPTY
      if (kind === CLAUSES && this.#tryClauses(g, args, frame, list as CompiledClause[], idx)) return true
      if (kind === ANSWERS && tryAnswers(this, g, frame, table as AnswerTable, idx)) return true
    }
    return false
  }

  frame(goal: RT, next: Frame | null, f: Frame, cutB = f.cutB): Frame {
    return { goal, next, depth: f.depth, cutB, pnode: f.pnode, site: null, env: null }
  }

  /** Logs a resolved goal in the proof log (proofs only). */
  log(goal: RT, via: ProofNode['via'], parent: PNode | null, clause?: Clause): PNode {
    const node: PNode = { goal, via, parent, ...(clause ? { clause } : {}) }
    this.plog = { node, next: this.plog }
    return node
  }

  step(f: Frame): boolean {
    if (f.env !== null) {
      // a compiled built-in run over the clause's variables, or a call with its arguments: unless the goal is needed
      const site = f.site as Site
      let t = site.target as Target
      if (site.owner !== this.ctx.targets) {
        t = this.#target(site.name, site.arity)
        site.owner = this.ctx.targets
        site.target = t
      }
      const op = site.op
      if (op !== null) {
        if (t.kind === T_BUILTIN && !t.tabled && !this.proof) return op(f.env, this.ctx.trail)
      } else if (!t.tabled) {
        // a call whose arguments the clause built without the goal term (frames of compiled clauses, never proofs)
        if (t.kind === T_CLAUSES) return this.#tryClauses(f.goal, f.env, f, select(t.pred as Predicate, f.env[0]), 0)
        if (t.kind === T_BUILTIN) return (t.builtin as Builtin)(f.env, this.ctx.trail)
      }
      const goal: RT =
        op !== null ? instantiate(site.tpl, f.env, this.ctx.trail) : { kind: 'compound', name: site.name, args: f.env }
      f = { goal, next: f.next, depth: f.depth, cutB: f.cutB, pnode: f.pnode, site, env: null }
    }
    const g = deref(f.goal)
    if (g.kind === 'ref') throw new InstantiationError('call of an unbound variable')
    if (g.kind !== 'atom' && g.kind !== 'compound') throw new InvalidClauseError(`goal is not callable: ${g.kind}`)
    const args = g.kind === 'compound' ? g.args : EMPTY
    const n = args.length
    const ctx = this.ctx
    const site = f.site
    let t: Target
    if (site !== null && site.owner === ctx.targets) t = site.target as Target
    else {
      t = this.#target(g.name, n)
      if (site !== null) {
        site.owner = ctx.targets
        site.target = t
      }
    }
    if (t.kind === T_CONTROL) return control(this, t.key, args, f)
    if (t.kind === T_CALL) {
      let goal = deref(args[0] as RT)
      if (n > 1) {
        if (goal.kind === 'atom') goal = { kind: 'compound', name: goal.name, args: args.slice(1) }
        else if (goal.kind === 'compound')
          goal = { kind: 'compound', name: goal.name, args: [...goal.args, ...args.slice(1)] }
      }
      this.goals = {
        goal,
        next: f.next,
        depth: f.depth,
        cutB: this.#top,
        pnode: f.pnode,
        site: null,
        env: null,
      }
      return true
    }
    if (t.tabled && f !== this.#direct) {
      if (t.cycle !== undefined) throw new UnstratifiedError(t.cycle)
      // A proof is wanted through automatically tabled predicates: SLD resolution that fails on a call that is a
      // variant of one of its ancestors (complete for function-free programs), instead of an opaque table leaf.
      if (!this.proof || !t.autoTabled) return tabledCall(this, g, f)
      if (loops(g, f.pnode)) return false
    }
    switch (t.kind) {
      case T_BUILTIN:
        if (!(t.builtin as Builtin)(args, ctx.trail)) return false
        if (this.proof) this.log(g, 'builtin', f.pnode)
        return true
      case T_CLAUSES:
        return this.#tryClauses(g, args, f, select(t.pred as Predicate, args[0]), 0)
      case T_NONDET:
        return this.#nondet(g, args, (t.nondet as NondetBuiltin)(args), f)
      default:
        throw new UnknownPredicateError(t.key)
    }
  }

  #target(name: string, n: number): Target {
    const key = piKey(name, n)
    const ctx = this.ctx
    let t = ctx.targets.get(key)
    if (t === undefined) {
      t = resolveTarget(key, n, ctx.kb, ctx.analysis)
      ctx.targets.set(key, t)
    }
    return t
  }

  /** Tries the solutions of a nondeterministic built-in as alternatives (a disjunction of unifications). */
  #nondet(g: RT & { kind: 'atom' | 'compound' }, args: readonly RT[], sols: (RT | undefined)[][], f: Frame): boolean {
    if (sols.length === 0) return false
    if (this.proof) this.log(g, 'builtin', f.pnode)
    this.goals = this.frame(nondetGoal(g.name, args, sols), f.next, f)
    return true
  }

  #tryClauses(g: RT, args: readonly RT[], f: Frame, list: readonly CompiledClause[], i: number): boolean {
    return this.#call(g, args, f, f.next, f.depth, f.pnode, null, list, i)
  }

  /**
   * Tries `list` from clause `i` for a call (its frame `f`, or null for a clause's first body call: then the frame is
   * made of `next`, `depth`, `pnode`, `site` and `args` only if a choicepoint needs it). A clause whose first body
   * call is a plain clause call continues here with that call, without a goal frame (up to 1024 calls in a row,
   * then the frame goes to the goal list so that `next` checks the deadline and its budget).
   */
  #call(
    g: RT,
    args: readonly RT[],
    f: Frame | null,
    next: Frame | null,
    depth: number,
    pnode: PNode | null,
    site: Site | null,
    list: readonly CompiledClause[],
    i: number,
  ): boolean {
    const ctx = this.ctx
    const trail = ctx.trail
    const fast = this.#fast
    let cutB = f === null ? 0 : f.cutB
    for (;;) {
      const d = depth + 1
      if (d > ctx.maxDepth) throw new DepthLimitError(ctx.maxDepth)
      const B = this.#top
      const mark = trail.refs.length
      const varMark = trail.varMark
      const counter = trail.counter
      let r: Frame | null | false | typeof CUT_FAIL = false
      for (const n = list.length; ; i++) {
        if (i >= n) return false
        const c = list[i] as CompiledClause
        const more = i + 1 < n
        // Clauses are entered before their choicepoint is pushed: it is pushed (as of now) only if the clause's
        // head and leading built-ins succeed without a cut. Meanwhile bindings are trailed as if it were there.
        trail.varMark = more ? counter : varMark
        const saved = this.plog
        const cuts = this.#cuts
        const pn = this.proof ? this.log(g, 'clause', pnode, c.source) : pnode
        r = fast
          ? (c.enter ?? compileEnter(c))(args, trail, next, d, B, pn, this)
          : interpretEnter(c, args, trail, next, d, B, pn)
        if (r !== false) {
          if (more && r !== CUT_FAIL && this.#cuts === cuts) {
            f ??= { goal: OP_GOAL, next, depth, cutB, pnode, site, env: args as RT[] }
            this.#pushAt(CLAUSES, f, i + 1, list, undefined, mark, counter, saved)
          }
          break
        }
        this.plog = saved
        trail.undo(mark)
      }
      if (r === CUT_FAIL) return false
      const s = this.pSite
      if (s === null) {
        this.goals = r
        return true
      }
      // the clause's first body call: run it here unless it needs its frame
      this.pSite = null
      const env = this.pEnv as RT[]
      let t = s.target as Target
      if (s.owner !== ctx.targets) {
        t = this.#target(s.name, s.arity)
        s.owner = ctx.targets
        s.target = t
      }
      if (t.kind !== T_CLAUSES || t.tabled || (++ctx.steps & 1023) === 0) {
        this.goals = { goal: OP_GOAL, next: r, depth: d, cutB: B, pnode, site: s, env }
        return true
      }
      args = env
      f = null
      next = r
      depth = d
      cutB = B
      site = s
      list = select(t.pred as Predicate, env[0])
      i = 0
    }
  }
}
