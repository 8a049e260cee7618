import type { Atom, Float, Int, Str, Term } from './terms.js'

/**
 * Runtime terms of the solver: the IR's atomic terms and compounds, with variables as mutable references bound
 * through a trail (undone on backtracking), as in the WAM. `id` orders variables by age.
 */
export class Ref {
  readonly kind = 'ref' as const
  ref: RT | undefined = undefined
  constructor(readonly id: number) {}
}
/** A runtime compound. */
export interface RCompound {
  readonly kind: 'compound'
  readonly name: string
  readonly args: readonly RT[]
}
/** A runtime term. */
export type RT = Ref | Atom | Int | Float | Str | RCompound

/** Follows bound references to a term's current value. */
export function deref(t: RT): RT {
  while (t.kind === 'ref' && t.ref !== undefined) t = t.ref
  return t
}

/**
 * The binding trail. A variable younger than the newest choicepoint (`id >= varMark`) is not trailed: nothing older
 * than that choicepoint can see it once we backtrack there.
 */
export class Trail {
  readonly refs: Ref[] = []
  counter = 0
  varMark = 0
  occursCheck = false

  fresh(): Ref {
    return new Ref(this.counter++)
  }
  bind(r: Ref, t: RT): void {
    r.ref = t
    if (r.id < this.varMark) this.refs.push(r)
  }
  undo(to: number): void {
    const refs = this.refs
    while (refs.length > to) (refs.pop() as Ref).ref = undefined
  }
}

/** Whether two atomic (non-variable, non-compound) terms are identical. */
export function sameAtomic(a: RT, b: RT): boolean {
  switch (a.kind) {
    case 'atom':
      return b.kind === 'atom' && a.name === b.name
    case 'int':
      return b.kind === 'int' && a.value === b.value
    case 'float':
      return b.kind === 'float' && (a.value === b.value || (Number.isNaN(a.value) && Number.isNaN(b.value)))
    case 'str':
      return b.kind === 'str' && a.value === b.value
    default:
      return false
  }
}

function occurs(r: Ref, t: RT): boolean {
  t = deref(t)
  if (t === r) return true
  if (t.kind !== 'compound') return false
  for (const a of t.args) if (occurs(r, a)) return true
  return false
}

/** Binds the younger of two terms, one of them an unbound variable, to the other (false: the occurs check failed). */
function bindVar(a: RT, b: RT, trail: Trail): boolean {
  if (a.kind === 'ref' && (b.kind !== 'ref' || b.id < a.id)) {
    if (trail.occursCheck && occurs(a, b)) return false
    trail.bind(a, b)
  } else {
    if (trail.occursCheck && occurs(b as Ref, a)) return false
    trail.bind(b as Ref, a)
  }
  return true
}

/** Unifies two runtime terms, recording bindings on the trail; with `trail.occursCheck` cyclic bindings fail. */
export function unify(a0: RT, b0: RT, trail: Trail): boolean {
  const a = deref(a0)
  const b = deref(b0)
  if (a === b) return true
  if (a.kind === 'ref' || b.kind === 'ref') return bindVar(a, b, trail)
  if (a.kind !== 'compound' || b.kind !== 'compound') return sameAtomic(a, b)
  return unifyArgs(a, b, trail, 0)
}

/**
 * Unifies two compounds argument by argument: nested compounds by recursion (to a bounded depth, then with an
 * explicit stack), the last argument by looping, so that long lists need no JS stack.
 */
function unifyArgs(a: RCompound, b: RCompound, trail: Trail, depth: number): boolean {
  for (;;) {
    const n = a.args.length
    if (a.name !== b.name || n !== b.args.length) return false
    let i = 0
    for (; i < n - 1; i++) {
      const x = deref(a.args[i] as RT)
      const y = deref(b.args[i] as RT)
      if (x === y) continue
      if (x.kind === 'ref' || y.kind === 'ref') {
        if (!bindVar(x, y, trail)) return false
      } else if (x.kind === 'compound') {
        if (y.kind !== 'compound') return false
        if (!(depth < 64 ? unifyArgs(x, y, trail, depth + 1) : unifyStack(x, y, trail))) return false
      } else if (!sameAtomic(x, y)) return false
    }
    const x = deref(a.args[i] as RT)
    const y = deref(b.args[i] as RT)
    if (x === y) return true
    if (x.kind === 'ref' || y.kind === 'ref') return bindVar(x, y, trail)
    if (x.kind !== 'compound' || y.kind !== 'compound') return sameAtomic(x, y)
    a = x
    b = y
  }
}

/** Unification of deep terms with an explicit work stack. */
function unifyStack(a1: RT, b1: RT, trail: Trail): boolean {
  const stack: RT[] = [a1, b1]
  while (stack.length > 0) {
    const b = deref(stack.pop() as RT)
    const a = deref(stack.pop() as RT)
    if (a === b) continue
    if (a.kind === 'ref' || b.kind === 'ref') {
      if (!bindVar(a, b, trail)) return false
    } else if (a.kind === 'compound') {
      if (b.kind !== 'compound' || a.name !== b.name || a.args.length !== b.args.length) return false
      for (let i = a.args.length - 1; i >= 0; i--) stack.push(a.args[i] as RT, b.args[i] as RT)
    } else if (!sameAtomic(a, b)) return false
  }
  return true
}

/** An IR term as a runtime term; variables by name through `vars` (created on first use). */
export function toRuntime(t: Term, vars: Map<string, Ref>, trail: Trail): RT {
  switch (t.kind) {
    case 'var': {
      let r = vars.get(t.name)
      if (r === undefined) {
        r = trail.fresh()
        vars.set(t.name, r)
      }
      return r
    }
    case 'compound':
      return { kind: 'compound', name: t.name, args: t.args.map((a) => toRuntime(a, vars, trail)) }
    default:
      return t
  }
}

/**
 * Rebuilds a term bottom-up, looping (not recursing) along the last argument so long lists do not exhaust the JS
 * stack; `leaf` maps variables and atomic terms, `sub` maps the other arguments.
 */
function rebuild<T>(t0: RT, leaf: (t: RT) => T, sub: (t: RT) => T): T {
  const spine: Array<{ name: string; args: T[] }> = []
  let t = deref(t0)
  while (t.kind === 'compound') {
    const n = t.args.length
    const args = new Array<T>(n)
    for (let i = 0; i < n - 1; i++) args[i] = sub(t.args[i] as RT)
    spine.push({ name: t.name, args })
    t = deref(t.args[n - 1] as RT)
  }
  let out = leaf(t)
  for (let i = spine.length - 1; i >= 0; i--) {
    const s = spine[i] as { name: string; args: T[] }
    s.args[s.args.length - 1] = out
    out = { kind: 'compound', name: s.name, args: s.args } as T
  }
  return out
}

/** A runtime term as an IR term; unbound variables become `_G<id>` (or the name `names` gives them). */
export function resolve(t: RT, names?: Map<Ref, string>): Term {
  return rebuild<Term>(
    t,
    (x) => (x.kind === 'ref' ? { kind: 'var', name: names?.get(x) ?? `_G${x.id}` } : (x as Term)),
    (x) => resolve(x, names),
  )
}

/** A copy with fresh variables (copy_term/2). */
export function copyTerm(t: RT, trail: Trail, map = new Map<Ref, Ref>()): RT {
  return rebuild<RT>(
    t,
    (x) => {
      if (x.kind !== 'ref') return x
      let r = map.get(x)
      if (r === undefined) {
        r = trail.fresh()
        map.set(x, r)
      }
      return r
    },
    (x) => copyTerm(x, trail, map),
  )
}

/** A string equal for two terms exactly when they are variants (equal up to variable renaming). */
export function variantKey(t: RT, vars: Map<Ref, number> = new Map()): string {
  t = deref(t)
  switch (t.kind) {
    case 'ref': {
      let n = vars.get(t)
      if (n === undefined) {
        n = vars.size
        vars.set(t, n)
      }
      return `_${n}`
    }
    case 'atom':
      return `a${t.name.length}:${t.name}`
    case 'int':
      return `i${t.value}`
    case 'float':
      return `f${t.value}`
    case 'str':
      return `s${t.value.length}:${t.value}`
    case 'compound': {
      let s = `c${t.name.length}:${t.name}(`
      for (const a of t.args) s += `${variantKey(a, vars)},`
      return `${s})`
    }
  }
}

const ORDER = { ref: 0, float: 1, int: 1, str: 2, atom: 3, compound: 5 } as const

/** The standard order of terms as SWI-Prolog has it: Var < Number < String < Atom < Compound; returns -1, 0 or 1. */
export function compareTerms(a0: RT, b0: RT): number {
  const a = deref(a0)
  const b = deref(b0)
  if (a === b) return 0
  const d = ORDER[a.kind] - ORDER[b.kind]
  if (d !== 0) return d < 0 ? -1 : 1
  switch (a.kind) {
    case 'ref':
      return a.id < (b as Ref).id ? -1 : 1
    case 'int':
    case 'float': {
      const bv = (b as Int | Float).value
      if (a.value < bv) return -1
      if (a.value > bv) return 1
      return a.kind === b.kind ? 0 : a.kind === 'float' ? -1 : 1
    }
    case 'atom':
      return cmpStr(a.name, (b as Atom).name)
    case 'str':
      return cmpStr(a.value, (b as Str).value)
    case 'compound': {
      const c = b as RCompound
      if (a.args.length !== c.args.length) return a.args.length < c.args.length ? -1 : 1
      const n = cmpStr(a.name, c.name)
      if (n !== 0) return n
      for (let i = 0; i < a.args.length; i++) {
        const r = compareTerms(a.args[i] as RT, c.args[i] as RT)
        if (r !== 0) return r
      }
      return 0
    }
  }
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
