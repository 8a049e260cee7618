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
  /** Position on the evaluation stack while evaluating. */
  index: number
}

/**
 * SLG-lite tabling by iterated fixpoint. The first call of a variant evaluates the predicate's clauses to completion:
 * recursive calls of a variant under evaluation consume its answers found so far (new answers appended during the
 * same pass are seen by consumers still running), and the pass is repeated while a consumer ran out of a table's
 * answers before the pass added more to it (so a closure whose consumers keep up completes in one pass). A table
 * that read a table lower on the stack (mutual recursion) stays incomplete and is re-evaluated, until the lowest one
 * (the leader of that strongly connected group) reaches its fixpoint and completes them all. Terminates whenever the
 * set of answers is finite (e.g. left-recursive transitive closure over cyclic graphs). Negation of a tabled goal that
 * is still being evaluated is not stratified and may be unsound.
 */
export class TableSpace {
  readonly #tables = new Map<string, AnswerTable>()
  readonly #stack: AnswerTable[] = []
  readonly #pending: AnswerTable[] = []
  #added = 0
  #minRead = Number.POSITIVE_INFINITY
  /** Consumers that ran out of answers of an incomplete table: the table and how many answers it had then. */
  readonly #starved: Array<{ t: AnswerTable; n: number }> = []

  /** Number of tables (complete or not). */
  get size(): number {
    return this.#tables.size
  }

  /** The table of `goal`'s variant, evaluated by `run` (which calls `addAnswer`) unless already complete. */
  call(goal: RT, run: (table: AnswerTable) => void): AnswerTable {
    const key = variantKey(goal)
    let t = this.#tables.get(key)
    if (t?.status === 'complete') return t
    if (t?.status === 'evaluating') {
      this.#minRead = Math.min(this.#minRead, t.index)
      return t
    }
    if (t === undefined) {
      t = { key, answers: [], keys: new Set(), flat: new Map(), status: 'evaluating', index: 0 }
      this.#tables.set(key, t)
    }
    t.status = 'evaluating'
    t.index = this.#stack.length
    this.#stack.push(t)
    const savedMin = this.#minRead
    const pendingStart = this.#pending.length
    const starvedStart = this.#starved.length
    let min = Number.POSITIVE_INFINITY
    try {
      for (;;) {
        const before = this.#added
        this.#starved.length = starvedStart
        this.#minRead = Number.POSITIVE_INFINITY
        run(t)
        min = Math.min(min, this.#minRead)
        if (this.#added === before || !this.#missed(starvedStart)) break
      }
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
      t.status = 'incomplete'
      this.#pending.push(t)
    } else {
      t.status = 'complete'
      for (const p of this.#pending.splice(pendingStart)) p.status = 'complete'
      this.#starved.length = starvedStart
    }
    this.#minRead = Math.min(savedMin, min)
    return t
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
