/**
 * Clauses compiled to JavaScript: per clause, one function that unifies the head with a call's arguments (a constant
 * compare, a first-occurrence variable taken as is, a nested structure matched or built) and pushes the body goals,
 * with a fresh variable per remaining slot (no renaming of clause terms). Generated once per clause, on its first
 * call; clauses of the same shape (e.g. facts over constants) share one generated function, constants are passed in.
 */
import { ARITH_HELPERS, eagerGoal } from './arith-codegen.js'
import { type CompiledClause, instantiate, type Site, type TCompound, type Tpl, unifyTpl } from './clause-compile.js'
import type { Frame, PNode } from './engine-state.js'
import { deref, type RT, type Trail, unify } from './unify.js'

/** Head unification and body construction: the new goal list, or false when the head does not match. */
export type Enter = (
  args: readonly RT[],
  trail: Trail,
  next: Frame | null,
  depth: number,
  cutB: number,
  pnode: PNode | null,
  eng: { cut(height: number): void; pSite: Site | null; pEnv: RT[] | null },
) => Frame | null | false | typeof CUT_FAIL

/** What an entry function returns when a goal after a cut in its leading built-ins fails: the call fails. */
export const CUT_FAIL = 0

/** The built-ins compiled per call site (see arith-codegen.ts). */
const OPS = new Set(['is/2', '=/2', '</2', '>/2', '=</2', '>=/2', '=:=/2', '=\\=/2'])
/** The goal of a frame that runs a compiled built-in (the goal term is only built if needed). */
export const OP_GOAL: RT = { kind: 'atom', name: '$op' }

/** A compiled built-in goal over a clause's variable frame (every slot filled): succeeds or fails. */
export type Op = (env: RT[], trail: Trail) => boolean

type Factory = (helpers: unknown, K: unknown[], S: readonly Site[]) => Enter | Op
const factories = new Map<string, Factory>()
const MAX_FACTORIES = 10_000
const HELPERS = { deref, unify, bind: bindRef, bindTerm, OP: OP_GOAL, ...ARITH_HELPERS }
const PRELUDE = `'use strict'; const { deref, unify, bind, bindTerm, OP, evaluate, ev, isNum, numTerm, add, sub } = H;`

/** A generated function (one per distinct code text: clauses of the same shape share it) bound to its constants. */
function generate(params: string, body: string, K: unknown[], S: readonly Site[]): Enter | Op {
  let factory = factories.get(`${params}:${body}`)
  if (factory === undefined) {
    factory = new Function('H', 'K', 'S', `${PRELUDE}\nreturn function (${params}) {\n${body}\n}`) as Factory
    if (factories.size >= MAX_FACTORIES) factories.clear() // bounded: a long-lived process consults many programs
    factories.set(`${params}:${body}`, factory)
  }
  return factory(HELPERS, K, S)
}

/** A body goal's compiled form (for `is/2`, `=/2` and the numeric comparisons), run over the clause's variables. */
function compileOp(goal: Tpl): Op | null {
  const g = new Gen()
  const slots = new Set<number>()
  const walk = (t: Tpl): void => {
    if (t.kind === 'vi') slots.add(t.i)
    else if (t.kind === 'compound') for (const a of t.args) walk(a)
  }
  walk(goal)
  const assigned = new Array<boolean>(Math.max(0, ...slots) + 1).fill(true)
  if (!eagerGoal(g, goal, assigned)) return null
  const decl = [...slots].map((i) => `const v${i} = E[${i}];`)
  return generate('E, trail', [...decl, ...g.out, 'return true;'].join('\n'), g.K, []) as Op
}

/** The generated code of one clause and the constants it refers to. */
export class Gen {
  readonly out: string[] = []
  readonly K: unknown[] = []
  tmp = 0
  /** What the code returns on failure (`CUT_FAIL` once a cut has run). */
  fail = 'false'

  k(value: unknown): string {
    this.K.push(value)
    return `K[${this.K.length - 1}]`
  }

  /** A term built from a template: fresh variables for unassigned slots (declared in `out` first). */
  build(t: Tpl, assigned: boolean[]): string {
    if (t.kind === 'vi') {
      if (!assigned[t.i]) {
        assigned[t.i] = true
        this.out.push(`v${t.i} = trail.fresh();`)
      }
      return `v${t.i}`
    }
    if (t.kind !== 'compound' || t.ground) return this.k(t)
    const args = t.args.map((a) => this.build(a, assigned))
    return `{ kind: 'compound', name: ${this.k(t.name)}, args: [${args.join(', ')}] }`
  }

  /** Code unifying the template with the runtime term `src` (an expression), returning false on a mismatch. */
  match(t: Tpl, src: string, assigned: boolean[]): void {
    const out = this.out
    if (t.kind === 'vi') {
      if (assigned[t.i]) out.push(`if (!unify(v${t.i}, ${src}, trail)) return false;`)
      else out.push(`v${t.i} = ${src};`)
      assigned[t.i] = true
      return
    }
    if (t.kind === 'compound' && t.ground) {
      out.push(`if (!unify(${src}, ${this.k(t)}, trail)) return false;`)
      return
    }
    const x = `t${this.tmp++}`
    out.push(`const ${x} = deref(${src});`)
    if (t.kind !== 'compound') {
      const test = t.kind === 'atom' ? `${x}.name === ${this.k(t.name)}` : `${x}.value === ${this.k(t.value)}` // int, float, str
      out.push(`if (${x}.kind === 'ref') bind(${x}, ${this.k(t)}, trail);`)
      out.push(`else if (${x}.kind !== '${t.kind}' || !(${test})) return false;`)
      return
    }
    // an unbound argument: build the structure (fresh variables for first occurrences) and bind it
    out.push(`if (${x}.kind === 'ref') {`)
    const built = [...assigned]
    const term = this.build(t, built)
    out.push(`if (!bindTerm(${x}, ${term}, trail)) return false;`)
    out.push(
      `} else if (${x}.kind === 'compound' && ${x}.name === ${this.k(t.name)} && ${x}.args.length === ${t.args.length}) {`,
    )
    const a = `t${this.tmp++}`
    out.push(`const ${a} = ${x}.args;`)
    for (let j = 0; j < t.args.length; j++) this.match(t.args[j] as Tpl, `${a}[${j}]`, assigned)
    out.push('} else return false;')
  }
}

function bindRef(r: RT & { kind: 'ref' }, t: RT, trail: Trail): void {
  r.ref = t
  if (r.id < trail.varMark) trail.refs.push(r)
}

/** Binds a variable to a structure just built (through unify when the occurs check is on). */
function bindTerm(r: RT & { kind: 'ref' }, t: RT, trail: Trail): boolean {
  if (trail.occursCheck) return unify(r, t, trail)
  bindRef(r, t, trail)
  return true
}

/** How deep a clause's terms may nest for its code to be generated (deeper ones, e.g. long list literals, are run
 * from their templates rather than as deeply nested generated code). */
const MAX_DEPTH = 500

function depthOf(t: Tpl): number {
  let level = 0
  let max = 0
  while (t.kind === 'compound' && max <= MAX_DEPTH) {
    level++
    for (let i = 0; i < t.args.length - 1; i++) max = Math.max(max, level + depthOf(t.args[i] as Tpl))
    t = t.args[t.args.length - 1] as Tpl
  }
  return Math.max(max, level)
}

/** Generates (once) the clause's entry function. */
export function compileEnter(c: CompiledClause): Enter {
  if ([...c.head, ...c.body].some((t) => depthOf(t) > MAX_DEPTH)) {
    const enter: Enter = (A, trail, next, depth, cutB, pnode) => interpretEnter(c, A, trail, next, depth, cutB, pnode)
    c.enter = enter
    return enter
  }
  const g = new Gen()
  const assigned = new Array<boolean>(c.nvars).fill(false)
  for (let k = 0; k < c.head.length; k++) g.match(c.head[k] as Tpl, `A[${k}]`, assigned)
  // the leading built-ins (and a cut after them) run here; the goals from `start` on become frames
  let start = 0
  while (start < c.body.length) {
    const goal = c.body[start] as Tpl
    if (!eagerGoal(g, goal, assigned)) break
    start++
  }
  for (let i = 0; i < c.nvars; i++) if (!assigned[i]) g.out.push(`v${i} = trail.fresh();`)
  const ops = c.body.map((goal, k) => {
    const site = c.sites[k] as Site
    site.op = k >= start && OPS.has(site.key) ? compileOp(goal) : null
    return site.op !== null
  })
  if (ops.includes(true)) g.out.push(`const E = [${Array.from({ length: c.nvars }, (_, i) => `v${i}`).join(', ')}];`)
  const all = new Array<boolean>(c.nvars).fill(true)
  for (let k = c.body.length - 1; k >= start; k--) {
    const t = c.body[k] as Tpl
    // a call: its arguments in `env`, the goal term never built unless needed (see Engine.step)
    const call = !ops[k] && t.kind === 'compound' && !t.ground
    const goal = ops[k] || call ? 'OP' : g.build(t, all)
    const env = ops[k] ? 'E' : call ? `[${(t as TCompound).args.map((a) => g.build(a, all)).join(', ')}]` : 'null'
    // the first call is left to the engine without a frame (Engine.#call makes one only if needed)
    if (k === start && call) g.out.push(`eng.pSite = S[${k}]; eng.pEnv = ${env};`)
    else g.out.push(`next = { goal: ${goal}, next, depth, cutB, pnode, site: S[${k}], env: ${env} };`)
  }
  g.out.push('return next;')
  const decl = c.nvars > 0 ? `let ${Array.from({ length: c.nvars }, (_, i) => `v${i}`).join(', ')};` : ''
  const body = `${decl}\n${g.out.join('\n')}`
  const enter = generate('A, trail, next, depth, cutB, pnode, eng', body, g.K, c.sites) as Enter
  c.enter = enter
  return enter
}

/**
 * The same as a generated entry function, interpreted from the templates, every body goal a frame with its goal term
 * built (for proofs, which log each goal, and when a compiled built-in is tabled).
 */
export function interpretEnter(
  c: CompiledClause,
  args: readonly RT[],
  trail: Trail,
  next: Frame | null,
  depth: number,
  cutB: number,
  pnode: PNode | null,
): Frame | null | false {
  const vars = new Array<RT | undefined>(c.nvars)
  for (let k = 0; k < c.head.length; k++) if (!unifyTpl(c.head[k] as Tpl, args[k] as RT, vars, trail)) return false
  for (let k = c.body.length - 1; k >= 0; k--) {
    const goal = instantiate(c.body[k] as Tpl, vars, trail)
    next = { goal, next, depth, cutB, pnode, site: c.sites[k] as Site, env: null }
  }
  return next
}
