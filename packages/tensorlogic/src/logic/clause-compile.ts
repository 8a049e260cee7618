/**
 * Clauses compiled for the solver: terms as templates over numbered variable slots, head unification against
 * runtime terms without building the head, body goals with call sites.
 */
import type { Enter, Op } from './clause-codegen.js'
import { piKey } from './goals.js'
import type { Atom, Clause, Float, Int, Str, Term } from './terms.js'
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
  /** Per body goal: its call site (where the solver caches what the goal resolves to). */
  readonly sites: readonly Site[]
  /** The generated head unification and body construction (clause-codegen.ts), made on the first call. */
  enter: Enter | undefined
}

/** A body goal's call site: the predicate it calls and the solver's cached resolution of it. */
export interface Site {
  readonly name: string
  readonly arity: number
  readonly key: string
  /** The resolution cache: valid while `owner` is the current query context's target table. */
  owner: unknown
  target: unknown
  /** The goal as a template over the clause's variable slots. */
  readonly tpl: Tpl
  /** The goal compiled (clause-codegen.ts), when it is one of the compiled built-ins; set with the clause's `enter`. */
  op: Op | null
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
  const sites = body.map((g): Site => {
    const name = g.kind === 'compound' || g.kind === 'atom' ? g.name : ''
    const arity = g.kind === 'compound' ? g.args.length : 0
    return { name, arity, key: piKey(name, arity), owner: undefined, target: undefined, tpl: g, op: null }
  })
  const key = head.length > 0 ? indexKey(head[0] as Tpl) : null
  return { source: c, nvars: slots.size, head, body, key, sites, enter: undefined }
}
