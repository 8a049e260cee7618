/** Arithmetic (`is/2` and the comparisons): integers stay exact bigints as in SWI-Prolog, mixed arithmetic is float. */
import { EvaluationError, InstantiationError } from './errors.js'
import { float, type Int } from './terms.js'
import { deref, type RT } from './unify.js'
export type Num = bigint | number

export const int = (value: bigint): Int => ({ kind: 'int', value })
/** The integers -256..1023 as shared terms (results of arithmetic are mostly small: no allocation for them). */
const SMALL: readonly Int[] = Array.from({ length: 1280 }, (_, i) => int(BigInt(i - 256)))
export function numTerm(n: Num): RT {
  if (typeof n !== 'bigint') return float(n)
  return n >= -256n && n < 1024n ? (SMALL[Number(n) + 256] as Int) : int(n)
}

function checkFloat(x: number, op: string): number {
  if (!Number.isFinite(x)) throw new EvaluationError(`${op}: float overflow or undefined result`)
  return x
}

function toInt(x: number, op: string): bigint {
  if (!Number.isFinite(x)) throw new EvaluationError(`${op}: cannot convert ${x} to an integer`)
  return BigInt(x)
}

function needInt(n: Num, op: string): bigint {
  if (typeof n !== 'bigint') throw new EvaluationError(`${op}: integer expected, found ${n}`)
  return n
}

export const BINARY: Record<string, (a: Num, b: Num) => Num> = {
  '+': (a, b) => (typeof a === 'bigint' && typeof b === 'bigint' ? a + b : checkFloat(Number(a) + Number(b), '+')),
  '-': (a, b) => (typeof a === 'bigint' && typeof b === 'bigint' ? a - b : checkFloat(Number(a) - Number(b), '-')),
  '*': (a, b) => (typeof a === 'bigint' && typeof b === 'bigint' ? a * b : checkFloat(Number(a) * Number(b), '*')),
  '/': (a, b) => {
    if (typeof a === 'bigint' && typeof b === 'bigint') {
      if (b === 0n) throw new EvaluationError('division by zero')
      return a % b === 0n ? a / b : Number(a) / Number(b)
    }
    if (Number(b) === 0) throw new EvaluationError('division by zero')
    return checkFloat(Number(a) / Number(b), '/')
  },
  '//': (a, b) => {
    if (needInt(b, '//') === 0n) throw new EvaluationError('division by zero')
    return needInt(a, '//') / (b as bigint)
  },
  mod: (a, b) => {
    const m = needInt(b, 'mod')
    if (m === 0n) throw new EvaluationError('division by zero')
    return ((needInt(a, 'mod') % m) + m) % m
  },
  rem: (a, b) => {
    if (needInt(b, 'rem') === 0n) throw new EvaluationError('division by zero')
    return needInt(a, 'rem') % (b as bigint)
  },
  div: (a, b) => {
    const x = needInt(a, 'div')
    const y = needInt(b, 'div')
    if (y === 0n) throw new EvaluationError('division by zero')
    const q = x / y
    return x % y !== 0n && x < 0n !== y < 0n ? q - 1n : q
  },
  min: (a, b) => pick(a, b, -1),
  max: (a, b) => pick(a, b, 1),
  '**': (a, b) => power(a, b, '**'),
  '^': (a, b) => power(a, b, '^'),
  '>>': (a, b) => needInt(a, '>>') >> needInt(b, '>>'),
  '<<': (a, b) => needInt(a, '<<') << needInt(b, '<<'),
  '/\\': (a, b) => needInt(a, '/\\') & needInt(b, '/\\'),
  '\\/': (a, b) => needInt(a, '\\/') | needInt(b, '\\/'),
  xor: (a, b) => needInt(a, 'xor') ^ needInt(b, 'xor'),
  atan2: (a, b) => checkFloat(Math.atan2(Number(a), Number(b)), 'atan2'),
  atan: (a, b) => checkFloat(Math.atan2(Number(a), Number(b)), 'atan'),
}

/** The smaller (dir -1) or larger (dir 1) of two numbers; bigints are not Math.min material. */
function pick(a: Num, b: Num, dir: -1 | 1): Num {
  if (dir < 0) {
    if (b < a) return b
  } else if (b > a) return b
  return a
}

function power(a: Num, b: Num, op: string): Num {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    if (b >= 0n) {
      if (b > 100_000n) throw new EvaluationError(`${op}: exponent too large`)
      return a ** b
    }
    if (a === 1n) return 1n
    if (a === -1n) return b % 2n === 0n ? 1n : -1n
    if (op === '^') throw new EvaluationError('^: negative exponent of an integer')
    return checkFloat(Number(a) ** Number(b), op)
  }
  return checkFloat(Number(a) ** Number(b), op)
}

export const UNARY: Record<string, (a: Num) => Num> = {
  '-': (a) => (typeof a === 'bigint' ? -a : -a),
  '+': (a) => a,
  abs: (a) => (a < 0 ? -a : a),
  sign: (a) => (typeof a === 'bigint' ? (a > 0n ? 1n : a < 0n ? -1n : 0n) : Math.sign(a)),
  min: (a) => a,
  sqrt: (a) => {
    if (Number(a) < 0) throw new EvaluationError('sqrt: undefined')
    return Math.sqrt(Number(a))
  },
  float: (a) => Number(a),
  integer: (a) => (typeof a === 'bigint' ? a : toInt(Math.sign(a) * Math.round(Math.abs(a)), 'integer')),
  truncate: (a) => (typeof a === 'bigint' ? a : toInt(Math.trunc(a), 'truncate')),
  floor: (a) => (typeof a === 'bigint' ? a : toInt(Math.floor(a), 'floor')),
  ceiling: (a) => (typeof a === 'bigint' ? a : toInt(Math.ceil(a), 'ceiling')),
  round: (a) => (typeof a === 'bigint' ? a : toInt(Math.sign(a) * Math.round(Math.abs(a)), 'round')),
  float_integer_part: (a) => Math.trunc(Number(a)),
  float_fractional_part: (a) => Number(a) - Math.trunc(Number(a)),
  '\\': (a) => ~needInt(a, '\\'),
  exp: (a) => checkFloat(Math.exp(Number(a)), 'exp'),
  log: (a) => {
    if (Number(a) <= 0) throw new EvaluationError('log: undefined')
    return Math.log(Number(a))
  },
  log2: (a) => {
    if (Number(a) <= 0) throw new EvaluationError('log2: undefined')
    return Math.log2(Number(a))
  },
  sin: (a) => Math.sin(Number(a)),
  cos: (a) => Math.cos(Number(a)),
  tan: (a) => Math.tan(Number(a)),
  asin: (a) => checkFloat(Math.asin(Number(a)), 'asin'),
  acos: (a) => checkFloat(Math.acos(Number(a)), 'acos'),
  atan: (a) => Math.atan(Number(a)),
  succ: (a) => needInt(a, 'succ') + 1n,
}

const CONSTANTS: Record<string, Num> = {
  pi: Math.PI,
  e: Math.E,
  inf: Infinity,
  infinite: Infinity,
  nan: Number.NaN,
  epsilon: Number.EPSILON,
}

/** Evaluates an arithmetic expression (`is/2`): integers stay exact bigints, mixed arithmetic is float. */
export function evaluate(t0: RT, depth = 0): Num {
  const t = deref(t0)
  switch (t.kind) {
    case 'int':
      return t.value
    case 'float':
      return t.value
    case 'ref':
      throw new InstantiationError('arithmetic on an unbound variable')
    case 'atom': {
      const c = CONSTANTS[t.name]
      if (c === undefined) throw new EvaluationError(`unknown arithmetic constant ${t.name}`)
      return c
    }
    case 'str':
      if (t.value.length === 1) return BigInt(t.value.codePointAt(0) as number)
      throw new EvaluationError('string in arithmetic')
    case 'compound': {
      if (depth > 10_000) throw new EvaluationError('arithmetic expression too deep')
      if (t.args.length === 2) {
        const name = t.name
        if (name === '+' || name === '-') {
          // the common integer case without the operator table
          const a = evaluate(t.args[0] as RT, depth + 1)
          const b = evaluate(t.args[1] as RT, depth + 1)
          if (typeof a === 'bigint' && typeof b === 'bigint') return name === '+' ? a + b : a - b
          return (BINARY[name] as (a: Num, b: Num) => Num)(a, b)
        }
        const f = BINARY[name]
        if (f) return f(evaluate(t.args[0] as RT, depth + 1), evaluate(t.args[1] as RT, depth + 1))
      } else if (t.args.length === 1) {
        if (t.name === '.' || t.name === '[]') throw new EvaluationError('list in arithmetic')
        const f = UNARY[t.name]
        if (f) return f(evaluate(t.args[0] as RT, depth + 1))
      }
      throw new EvaluationError(`unknown arithmetic function ${t.name}/${t.args.length}`)
    }
  }
}

/** Compares two evaluated numbers: -1, 0, 1, or NaN when either is NaN. */
export function cmpNum(a: Num, b: Num): number {
  if (a < b) return -1
  if (a > b) return 1
  return Number.isNaN(Number(a)) || Number.isNaN(Number(b)) ? Number.NaN : 0
}

/** Evaluates and compares two arithmetic expressions (the comparison built-ins). */
export function numCompare(args: readonly RT[]): number {
  return cmpNum(evaluate(args[0] as RT), evaluate(args[1] as RT))
}
