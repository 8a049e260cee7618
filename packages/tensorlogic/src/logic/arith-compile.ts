/**
 * Arithmetic compiled per call site: the body goals `is/2`, the numeric comparisons and `=/2` become closures over
 * the clause's variable frame, run without building the goal term or evaluating through the term interpreter.
 */
import { BINARY, cmpNum, evaluate, type Num, numTerm, UNARY } from './arith.js'
import { instantiate, type Tpl, unifyTpl } from './clause-compile.js'
import type { RT, Trail } from './unify.js'
import { unify } from './unify.js'

/** A compiled built-in goal over a clause's variable frame (every slot filled): succeeds or fails. */
export type Op = (env: RT[], trail: Trail) => boolean
type Expr = (env: RT[], trail: Trail) => Num

function compileExpr(t: Tpl): Expr {
  switch (t.kind) {
    case 'vi': {
      const i = t.i
      return (env) => evaluate(env[i] as RT)
    }
    case 'int':
    case 'float': {
      const value = t.value
      return () => value
    }
    case 'compound': {
      const name = t.name
      if (t.args.length === 2 && Object.hasOwn(BINARY, name)) {
        const a = compileExpr(t.args[0] as Tpl)
        const b = compileExpr(t.args[1] as Tpl)
        const f = BINARY[name] as (a: Num, b: Num) => Num
        if (name === '+')
          return (env, trail) => {
            const x = a(env, trail)
            const y = b(env, trail)
            return typeof x === 'bigint' && typeof y === 'bigint' ? x + y : f(x, y)
          }
        if (name === '-')
          return (env, trail) => {
            const x = a(env, trail)
            const y = b(env, trail)
            return typeof x === 'bigint' && typeof y === 'bigint' ? x - y : f(x, y)
          }
        return (env, trail) => f(a(env, trail), b(env, trail))
      }
      if (t.args.length === 1 && name !== '.' && name !== '[]' && Object.hasOwn(UNARY, name)) {
        const a = compileExpr(t.args[0] as Tpl)
        const f = UNARY[name] as (a: Num) => Num
        return (env, trail) => f(a(env, trail))
      }
      break
    }
  }
  // anything else (constants such as pi, one-character strings, errors) through the interpreter, as before
  return (env, trail) => evaluate(instantiate(t, env, trail))
}

const COMPARE: Record<string, (c: number) => boolean> = {
  '<': (c) => c < 0,
  '>': (c) => c > 0,
  '=<': (c) => c <= 0,
  '>=': (c) => c >= 0,
  '=:=': (c) => c === 0,
  '=\\=': (c) => c !== 0,
}

/** The compiled form of a body goal, or null when it is not one of the compiled built-ins. */
export function compileOp(g: Tpl): Op | null {
  if (g.kind !== 'compound' || g.args.length !== 2) return null
  const l = g.args[0] as Tpl
  const r = g.args[1] as Tpl
  if (g.name === 'is') {
    const ev = compileExpr(r)
    if (l.kind === 'vi') {
      const i = l.i
      return (env, trail) => {
        const n = ev(env, trail)
        return unify(env[i] as RT, numTerm(n), trail)
      }
    }
    return (env, trail) => {
      const n = ev(env, trail)
      return unify(instantiate(l, env, trail), numTerm(n), trail)
    }
  }
  if (g.name === '=') return (env, trail) => unifyTpl(l, instantiate(r, env, trail), env, trail)
  if (!Object.hasOwn(COMPARE, g.name)) return null
  const test = COMPARE[g.name] as (c: number) => boolean
  const a = compileExpr(l)
  const b = compileExpr(r)
  // each comparison its own closure, so that the test is inlined and the call site stays monomorphic
  switch (g.name) {
    case '<':
      return (env, trail) => cmpNum(a(env, trail), b(env, trail)) < 0
    case '>':
      return (env, trail) => cmpNum(a(env, trail), b(env, trail)) > 0
    case '=<':
      return (env, trail) => cmpNum(a(env, trail), b(env, trail)) <= 0
    case '>=':
      return (env, trail) => cmpNum(a(env, trail), b(env, trail)) >= 0
    default:
      return (env, trail) => test(cmpNum(a(env, trail), b(env, trail)))
  }
}
