import { compileRuntime, type Tpl } from './clause-compile.js'
import { deref, type RT, variantKey } from './unify.js'

/** The answers of one tabled call variant. `answers` only grows; consumers read it by index. */
export interface AnswerTable {
  readonly key: string
  readonly answers: Tpl[]
  readonly keys: Set<string>
  /** The answers with atomic arguments only, as a trie over argument values (atom names, integer bigints). */
  readonly flat: Map<unknown, unknown>
  status: 'evaluating' | 'incomplete' | 'complete'
  /** Position on the evaluation stack while evaluating (or of the leader that will evaluate it, when deferred). */
  index: number
  /** Creation order: a table made later was (usually) called by an earlier one, so worklists run latest first. */
  readonly seq: number
  /** Evaluates the table's clauses once, adding answers. */
  run: (table: AnswerTable) => void
  /** In a worklist: the unfinished tables its last evaluation read, with their answer counts when first read. */
  deps: Map<AnswerTable, number> | undefined
}

/** Table evaluations nested deeper than this are deferred to a worklist instead of using more JS stack. */
const MAX_NESTED = 150

/**
 * SLG-lite tabling by iterated fixpoint. The first call of a variant evaluates the predicate's clauses to completion:
 * recursive calls of a variant under evaluation consume its answers found so far (new answers appended during the
 * same pass are seen by consumers still running), and the pass is repeated while a consumer ran out of a table's
 * answers before the pass added more to it (so a closure whose consumers keep up completes in one pass). A table
 * that read a table lower on the stack (mutual recursion) stays incomplete and is re-evaluated, until the lowest one
 * (the leader of that strongly connected group) reaches its fixpoint and completes them all. Terminates whenever the
 * set of answers is finite (e.g. left-recursive transitive closure over cyclic graphs).
 *
 * New variants called more than `MAX_NESTED` evaluations deep (a long chain of right-recursive calls) are not
 * evaluated in place: they join a worklist of the lowest table above the innermost negation or aggregation (the
 * barrier), which, once its own pass is done, evaluates the worklist latest first and then repeats passes over all
 * of it until no table gains an answer. So the JS stack stays bounded whatever the length of the chain, and nothing
 * under a negation reads a table before it is complete.
 */
export class TableSpace {
  readonly #tables = new Map<string, AnswerTable>()
  readonly #stack: AnswerTable[] = []
  readonly #pending: AnswerTable[] = []
  /** Stack heights at which the open negations/aggregations began. */
  readonly #barriers: number[] = []
  #deferrals = 0
  /** The reads of the worklist member being evaluated. */
  #reading: Map<AnswerTable, number> | undefined = undefined
  #added = 0
  #minRead = Number.POSITIVE_INFINITY
  /** Consumers that ran out of answers of an incomplete table: the table and how many answers it had then. */
  readonly #starved: Array<{ t: AnswerTable; n: number }> = []

  /** Number of tables (complete or not). */
  get size(): number {
    return this.#tables.size
  }

  /** Marks the start (true) or end (false) of a negation or aggregation, whose goals must see complete tables. */
  barrier(open: boolean): void {
    if (open) this.#barriers.push(this.#stack.length)
    else this.#barriers.pop()
  }

  /**
   * The table of `goal`'s variant, evaluated (unless already complete) by the evaluator that `evaluator` makes when
   * the table is new (it must copy what it needs of `goal` then: it may run after `goal` has changed).
   */
  call(goal: RT, evaluator: () => (table: AnswerTable) => void): AnswerTable {
    const t = this.#call(goal, evaluator)
    const reading = this.#reading
    if (reading !== undefined && t.status !== 'complete' && !reading.has(t)) reading.set(t, t.answers.length)
    return t
  }

  #call(goal: RT, evaluator: () => (table: AnswerTable) => void): AnswerTable {
    const key = variantKey(goal)
    let t = this.#tables.get(key)
    if (t?.status === 'complete') return t
    if (t?.status === 'evaluating') {
      this.#minRead = Math.min(this.#minRead, t.index)
      return t
    }
    if (t === undefined) {
      t = {
        key,
        answers: [],
        keys: new Set(),
        flat: new Map(),
        status: 'evaluating',
        index: 0,
        seq: this.#tables.size,
        run: evaluator(),
        deps: undefined,
      }
      this.#tables.set(key, t)
    }
    const barrier = this.#barriers[this.#barriers.length - 1] ?? 0
    if (this.#stack.length >= MAX_NESTED && this.#stack.length > barrier) {
      t.status = 'evaluating' // read as it grows; the leader at the barrier evaluates it
      t.index = barrier
      this.#pending.push(t)
      this.#deferrals++
      this.#minRead = Math.min(this.#minRead, barrier)
      return t
    }
    t.status = 'evaluating'
    t.index = this.#stack.length
    this.#stack.push(t)
    const savedMin = this.#minRead
    const pendingStart = this.#pending.length
    const starvedStart = this.#starved.length
    const deferrals = this.#deferrals
    let min = Number.POSITIVE_INFINITY
    try {
      for (;;) {
        const before = this.#added
        this.#starved.length = starvedStart
        this.#minRead = Number.POSITIVE_INFINITY
        this.#once(t)
        min = Math.min(min, this.#minRead)
        if (this.#added === before || !this.#missed(starvedStart)) break
      }
      if (min >= t.index && this.#deferrals > deferrals) this.#worklist(t, pendingStart)
    } catch (err) {
      this.#starved.length = starvedStart
      this.#stack.pop()
      this.#tables.delete(key)
      for (const p of this.#pending.splice(pendingStart)) this.#tables.delete(p.key)
      this.#minRead = savedMin
      throw err
    }
    this.#stack.pop()
    if (min < t.index) {
      // Under deferred work the leader re-evaluates it: until then calls read it instead of evaluating it again.
      if (this.#deferrals > deferrals) {
        t.status = 'evaluating'
        t.index = min
      } else t.status = 'incomplete'
      this.#pending.push(t)
    } else {
      t.status = 'complete'
      for (const p of this.#pending.splice(pendingStart)) p.status = 'complete'
      this.#starved.length = starvedStart
    }
    this.#minRead = Math.min(savedMin, min)
    return t
  }

  #once(t: AnswerTable): void {
    t.run(t)
  }

  /** Evaluates a worklist member again unless nothing it read has gained an answer since. */
  #again(t: AnswerTable): void {
    if (t.deps !== undefined) {
      let dirty = false
      for (const [d, n] of t.deps) if (d.answers.length > n) dirty = true
      if (!dirty) return
    }
    const saved = this.#reading
    const reading = new Map<AnswerTable, number>()
    this.#reading = reading
    try {
      t.run(t)
    } finally {
      this.#reading = saved
    }
    t.deps = reading
  }

  /**
   * The leader `t` evaluates the tables deferred under it (and those left incomplete with them), latest first; new
   * members are evaluated as they appear, then whole passes repeat until no table gains an answer.
   */
  #worklist(t: AnswerTable, pendingStart: number): void {
    let from = pendingStart
    for (;;) {
      const before = this.#added
      const to = this.#pending.length
      const members = this.#pending.slice(from, to).sort((a, b) => b.seq - a.seq)
      for (const m of members) {
        m.status = 'evaluating' // read as they are, not re-evaluated in place
        m.index = t.index
      }
      for (const m of members) this.#again(m)
      if (this.#pending.length === to) this.#again(t)
      if (this.#pending.length > to) from = to
      else if (from === pendingStart && this.#added === before) return
      else from = pendingStart
    }
  }

  /** Records that a consumer read every answer of `t` (not complete) and stopped there. */
  starved(t: AnswerTable): void {
    this.#starved.push({ t, n: t.answers.length })
  }

  /** Whether a consumer since `from` stopped before answers that came later (then the pass must run again). */
  #missed(from: number): boolean {
    for (let i = from; i < this.#starved.length; i++) {
      const s = this.#starved[i] as { t: AnswerTable; n: number }
      if (s.t.answers.length > s.n) return true
    }
    return false
  }

  /** Adds an answer (an instance of the table's goal) unless a variant of it is already there. */
  addAnswer(t: AnswerTable, answer: RT): void {
    const flat = flatAnswer(answer)
    if (flat !== null) {
      if (!addFlat(t.flat, flat.args)) return
      t.answers.push(flat)
    } else {
      const key = variantKey(answer)
      if (t.keys.has(key)) return
      t.keys.add(key)
      t.answers.push(compileRuntime(answer, new Map()))
    }
    this.#added++
  }

  /** Drops every table. */
  clear(): void {
    if (this.#stack.length === 0) this.#tables.clear()
  }
}

/** The common answer `p(a, 1, ...)` whose arguments are all atoms or integers is its own template; else `null`. */
function flatAnswer(t0: RT): (Tpl & { kind: 'compound' }) | null {
  const t = deref(t0)
  if (t.kind !== 'compound') return null
  const n = t.args.length
  const args = new Array<Tpl>(n)
  for (let i = 0; i < n; i++) {
    const a = deref(t.args[i] as RT)
    if (a.kind !== 'atom' && a.kind !== 'int') return null
    args[i] = a
  }
  return { kind: 'compound', name: t.name, args, ground: true }
}

/** Adds the arguments to the trie (an atom by its name, an integer by its bigint value); false if already there. */
function addFlat(root: Map<unknown, unknown>, args: readonly Tpl[]): boolean {
  let node = root
  const last = args.length - 1
  for (let i = 0; i < last; i++) {
    const a = args[i] as Tpl
    const k = a.kind === 'atom' ? a.name : (a as { value: bigint }).value
    let next = node.get(k) as Map<unknown, unknown> | undefined
    if (next === undefined) {
      next = new Map()
      node.set(k, next)
    }
    node = next
  }
  const a = args[last] as Tpl
  const k = a.kind === 'atom' ? a.name : (a as { value: bigint }).value
  if (node.has(k)) return false
  node.set(k, true)
  return true
}
