/**
 * The TensorLogic term IR: immutable plain objects. Integers are bigints (unbounded, as in SWI-Prolog), floats are
 * IEEE doubles, strings are SWI-7 style string objects (double quotes), booleans are the atoms `true` and `false` (as
 * in Prolog). Lists are built from the functor `'.'/2` and the atom `[]`.
 */

/** A logic variable, named as written (`X`, `_Tail`); anonymous `_` get fresh names when parsed. */
export interface Var {
  readonly kind: 'var'
  readonly name: string
}
/** An unbounded integer. */
export interface Int {
  readonly kind: 'int'
  readonly value: bigint
}
/** A 64-bit float. */
export interface Float {
  readonly kind: 'float'
  readonly value: number
}
/** A string object (`"text"`), distinct from an atom. */
export interface Str {
  readonly kind: 'str'
  readonly value: string
}
/** An atom (`foo`, `'Hello world'`, `[]`, `+`). */
export interface Atom {
  readonly kind: 'atom'
  readonly name: string
}
/** A compound term `name(arg1, ..., argN)` with N >= 1. */
export interface Compound {
  readonly kind: 'compound'
  readonly name: string
  readonly args: readonly Term[]
}
/** Any term. */
export type Term = Var | Int | Float | Str | Atom | Compound

/** A clause `head :- body`; a fact has the body `true`. The head is an atom or a compound. */
export interface Clause {
  readonly head: Atom | Compound
  readonly body: Term
}

/** A directive `:- goal.` in program text (e.g. `:- table path/2.`). */
export interface Directive {
  readonly goal: Term
}

/** A parsed program: clauses and directives in text order. */
export interface Program {
  readonly clauses: Clause[]
  readonly directives: Directive[]
}

/** A variable term. */
export const v = (name: string): Var => ({ kind: 'var', name })
/** An integer term (from a number that must be an integer, or a bigint). */
export const int = (value: number | bigint): Int => ({ kind: 'int', value: BigInt(value) })
/** A float term. */
export const float = (value: number): Float => ({ kind: 'float', value })
/** A string term. */
export const str = (value: string): Str => ({ kind: 'str', value })
/** An atom term. */
export const atom = (name: string): Atom => ({ kind: 'atom', name })
/** A boolean: the atom `true` or `false`. */
export const bool = (value: boolean): Atom => atom(value ? 'true' : 'false')
/** A compound term; with no arguments this is the atom `name`. */
export function compound(name: string, args: readonly Term[]): Compound | Atom {
  return args.length === 0 ? atom(name) : { kind: 'compound', name, args }
}
/** The empty list atom. */
export const NIL: Atom = atom('[]')
/** A list of `items` ending in `tail` (default `[]`). */
export function list(items: readonly Term[], tail: Term = NIL): Term {
  let out = tail
  for (let i = items.length - 1; i >= 0; i--) out = { kind: 'compound', name: '.', args: [items[i] as Term, out] }
  return out
}
/** A fact clause. */
export const fact = (head: Atom | Compound): Clause => ({ head, body: TRUE })
/** A rule clause. */
export const rule = (head: Atom | Compound, body: Term): Clause => ({ head, body })
/** The atom `true`. */
export const TRUE: Atom = atom('true')

/** Whether the clause is a fact (body `true`). */
export function isFact(c: Clause): boolean {
  return c.body.kind === 'atom' && c.body.name === 'true'
}

/** The predicate indicator `name/arity` of a callable term. */
export function indicator(t: Term): string {
  if (t.kind === 'atom') return `${t.name}/0`
  if (t.kind === 'compound') return `${t.name}/${t.args.length}`
  throw new TypeError(`not callable: ${t.kind}`)
}

/** Structural equality of two terms (variables equal when their names are). */
export function termEquals(a: Term, b: Term): boolean {
  if (a.kind !== b.kind) return false
  switch (a.kind) {
    case 'var':
      return a.name === (b as Var).name
    case 'atom':
      return a.name === (b as Atom).name
    case 'int':
    case 'str':
      return a.value === (b as Int | Str).value
    case 'float':
      return Object.is(a.value, (b as Float).value)
    case 'compound': {
      const c = b as Compound
      if (a.name !== c.name || a.args.length !== c.args.length) return false
      for (let i = 0; i < a.args.length; i++) if (!termEquals(a.args[i] as Term, c.args[i] as Term)) return false
      return true
    }
  }
}

/** The variable names of a term in order of first appearance (depth-first, left to right). */
export function variables(t: Term, out: string[] = []): string[] {
  if (t.kind === 'var') {
    if (!out.includes(t.name)) out.push(t.name)
  } else if (t.kind === 'compound') for (const a of t.args) variables(a, out)
  return out
}

/** Renames every variable through `f`. */
export function mapVars(t: Term, f: (name: string) => Term): Term {
  if (t.kind === 'var') return f(t.name)
  if (t.kind !== 'compound') return t
  return { kind: 'compound', name: t.name, args: t.args.map((a) => mapVars(a, f)) }
}

/** The clause with variables renamed `_0, _1, ...` in order of first appearance (head first, then body). */
export function canonicalClause(c: Clause): Clause {
  const names = variables(c.body, variables(c.head))
  const map = new Map(names.map((n, i) => [n, v(`_${i}`)]))
  const f = (n: string) => map.get(n) as Var
  return { head: mapVars(c.head, f) as Atom | Compound, body: mapVars(c.body, f) }
}
