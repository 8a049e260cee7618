/**
 * The leading built-ins of a clause body (arithmetic, comparisons, `=/2`, type checks and the other deterministic
 * built-ins, cuts) compiled into the
 * clause's generated entry function: run right after head unification over its local variables, before any goal
 * frame is built, so that a failing guard (as in `tak(X, Y, Z, A) :- X =< Y, !, ...`) costs no frames. A variable
 * first bound by `X is ...` or `X = ...` there is never a variable at all: it is the value.
 */
import { BINARY, evaluate, type Num, numTerm, UNARY } from './arith.js'
import { BUILTINS } from './builtins.js'
import { CUT_FAIL, type Gen } from './clause-codegen.js'
import type { TCompound, Tpl } from './clause-compile.js'
import { piKey } from './goals.js'
import { deref, type RT, type Trail, unify } from './unify.js'

function add(x: Num, y: Num): Num {
  return typeof x === 'bigint' && typeof y === 'bigint' ? x + y : (BINARY['+'] as (a: Num, b: Num) => Num)(x, y)
}
function sub(x: Num, y: Num): Num {
  return typeof x === 'bigint' && typeof y === 'bigint' ? x - y : (BINARY['-'] as (a: Num, b: Num) => Num)(x, y)
}

/** A variable's value in arithmetic: an integer's value read in place, anything else through `evaluate`. */
function ev(t: RT): Num {
  const x = deref(t)
  return x.kind === 'int' ? x.value : evaluate(x)
}

/** `X is Expr` with X bound or to bind: an integer X compared in place, anything else unified with the value's term. */
function isNum(t: RT, n: Num, trail: Trail): boolean {
  const x = deref(t)
  if (x.kind === 'int') return typeof n === 'bigint' && x.value === n
  return unify(x, numTerm(n), trail)
}

/** What the generated arithmetic code calls (destructured into locals of the generated function). */
export const ARITH_HELPERS = { evaluate, ev, isNum, numTerm, add, sub }

/** A JS expression evaluating an arithmetic template, as `evaluate` would (same order, same errors). */
function expr(g: Gen, t: Tpl, assigned: boolean[]): string {
  switch (t.kind) {
    case 'vi':
      return `ev(${g.build(t, assigned)})`
    case 'int':
    case 'float':
      return g.k(t.value)
    case 'compound':
      if (t.args.length === 2 && Object.hasOwn(BINARY, t.name)) {
        const a = expr(g, t.args[0] as Tpl, assigned)
        const b = expr(g, t.args[1] as Tpl, assigned)
        if (t.name === '+') return `add(${a}, ${b})`
        if (t.name === '-') return `sub(${a}, ${b})`
        return `${g.k(BINARY[t.name])}(${a}, ${b})`
      }
      if (t.args.length === 1 && t.name !== '.' && t.name !== '[]' && Object.hasOwn(UNARY, t.name))
        return `${g.k(UNARY[t.name])}(${expr(g, t.args[0] as Tpl, assigned)})`
  }
  return `evaluate(${g.build(t, assigned)})`
}

/**
 * The comparisons as JS operators on the two values (bigints and floats compare exactly, as `cmpNum` has them; with
 * a NaN all are false but `=\\=`, as `cmpNum`'s NaN compared with 0).
 */
const TESTS: Record<string, string> = {
  '<': '<',
  '>': '>',
  '=<': '<=',
  '>=': '>=',
  '=:=': '==',
  '=\\=': '!=',
}

/**
 * Code for one leading body goal if it can run inside the entry function (a deterministic built-in or `!`), else
 * false. Emits into `g.out`.
 */
export function eagerGoal(g: Gen, goal: Tpl, assigned: boolean[]): boolean {
  if (goal.kind === 'atom' && goal.name === '!') {
    g.out.push('eng.cut(cutB);')
    g.fail = String(CUT_FAIL) // failing after the cut fails the call: no other clause is tried
    return true
  }
  if (goal.kind !== 'compound') return false
  if (goal.args.length !== 2) return eagerBuiltin(g, goal, assigned)
  const l = goal.args[0] as Tpl
  const r = goal.args[1] as Tpl
  const out = g.out
  if (goal.name === 'is') {
    if (l.kind === 'vi' && !assigned[l.i]) {
      out.push(`v${l.i} = numTerm(${expr(g, r, assigned)});`)
      assigned[l.i] = true
    } else {
      const x = `t${g.tmp++}`
      out.push(`const ${x} = ${expr(g, r, assigned)};`)
      out.push(`if (!isNum(${g.build(l, assigned)}, ${x}, trail)) return ${g.fail};`)
    }
    return true
  }
  if (goal.name === '=') {
    if (l.kind === 'vi' && !assigned[l.i]) {
      const value = g.build(r, assigned)
      if (assigned[l.i]) out.push(`if (!unify(v${l.i}, ${value}, trail)) return ${g.fail};`)
      else {
        out.push(`v${l.i} = ${value};`)
        assigned[l.i] = true
      }
    } else if (r.kind === 'vi' && !assigned[r.i]) {
      out.push(`v${r.i} = ${g.build(l, assigned)};`)
      assigned[r.i] = true
    } else out.push(`if (!unify(${g.build(l, assigned)}, ${g.build(r, assigned)}, trail)) return ${g.fail};`)
    return true
  }
  const test = Object.hasOwn(TESTS, goal.name) ? TESTS[goal.name] : undefined
  if (test === undefined) return eagerBuiltin(g, goal, assigned)
  const a = expr(g, l, assigned)
  const b = expr(g, r, assigned)
  out.push(`if (!(${a} ${test} ${b})) return ${g.fail};`)
  return true
}

/** Any other deterministic built-in (type checks, `functor/3`, ...): called on its arguments built in place. */
function eagerBuiltin(g: Gen, goal: TCompound, assigned: boolean[]): boolean {
  const builtin = BUILTINS.get(piKey(goal.name, goal.args.length))
  if (builtin === undefined) return false
  const args = goal.args.map((a) => g.build(a, assigned))
  g.out.push(`if (!${g.k(builtin)}([${args.join(', ')}], trail)) return ${g.fail};`)
  return true
}
