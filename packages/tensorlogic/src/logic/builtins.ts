import { EvaluationError, InstantiationError } from './errors.js'
import { atom, float, type Int } from './terms.js'
import { compareTerms, copyTerm, deref, type RCompound, type RT, type Trail, unify } from './unify.js'

/** A deterministic built-in predicate: succeeds (true) or fails (false), binding through the trail. */
export type Builtin = (args: readonly RT[], trail: Trail) => boolean

type Num = bigint | number

const int = (value: bigint): Int => ({ kind: 'int', value })
const numTerm = (n: Num): RT => (typeof n === 'bigint' ? int(n) : float(n))

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

const BINARY: Record<string, (a: Num, b: Num) => Num> = {
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

const UNARY: Record<string, (a: Num) => Num> = {
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

function numCompare(args: readonly RT[]): number {
  const a = evaluate(args[0] as RT)
  const b = evaluate(args[1] as RT)
  if (a < b) return -1
  if (a > b) return 1
  return Number.isNaN(Number(a)) || Number.isNaN(Number(b)) ? Number.NaN : 0
}

/** The items of a proper runtime list (`null` for a partial or improper list). */
export function listToArray(t0: RT): RT[] | null {
  const out: RT[] = []
  let t = deref(t0)
  while (t.kind === 'compound' && t.name === '.' && t.args.length === 2) {
    out.push(t.args[0] as RT)
    t = deref(t.args[1] as RT)
  }
  return t.kind === 'atom' && t.name === '[]' ? out : null
}

/** A runtime list of the given items. */
export function arrayToList(items: readonly RT[], tail: RT = atom('[]')): RT {
  let out = tail
  for (let i = items.length - 1; i >= 0; i--) out = { kind: 'compound', name: '.', args: [items[i] as RT, out] }
  return out
}

function typeCheck(f: (t: RT) => boolean): Builtin {
  return (args) => f(deref(args[0] as RT))
}

function sortBuiltin(dedupe: boolean): Builtin {
  return (args, trail) => {
    const items = listToArray(args[0] as RT)
    if (items === null) throw new InstantiationError('sort/2 needs a proper list')
    items.sort(compareTerms)
    const out = dedupe ? items.filter((x, i) => i === 0 || compareTerms(items[i - 1] as RT, x) !== 0) : items
    return unify(args[1] as RT, arrayToList(out), trail)
  }
}

/** The deterministic built-ins by `name/arity`. */
export const BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ['=/2', (a, trail) => unify(a[0] as RT, a[1] as RT, trail)],
  [
    '\\=/2',
    (a, trail) => {
      const mark = trail.refs.length
      const saved = trail.varMark
      trail.varMark = trail.counter
      const ok = unify(a[0] as RT, a[1] as RT, trail)
      trail.undo(mark)
      trail.varMark = saved
      return !ok
    },
  ],
  ['==/2', (a) => compareTerms(a[0] as RT, a[1] as RT) === 0],
  ['\\==/2', (a) => compareTerms(a[0] as RT, a[1] as RT) !== 0],
  ['@</2', (a) => compareTerms(a[0] as RT, a[1] as RT) < 0],
  ['@>/2', (a) => compareTerms(a[0] as RT, a[1] as RT) > 0],
  ['@=</2', (a) => compareTerms(a[0] as RT, a[1] as RT) <= 0],
  ['@>=/2', (a) => compareTerms(a[0] as RT, a[1] as RT) >= 0],
  [
    'compare/3',
    (a, trail) => {
      const c = compareTerms(a[1] as RT, a[2] as RT)
      return unify(a[0] as RT, atom(c < 0 ? '<' : c > 0 ? '>' : '='), trail)
    },
  ],
  ['is/2', (a, trail) => unify(a[0] as RT, numTerm(evaluate(a[1] as RT)), trail)],
  ['</2', (a) => numCompare(a) < 0],
  ['>/2', (a) => numCompare(a) > 0],
  ['=</2', (a) => numCompare(a) <= 0],
  ['>=/2', (a) => numCompare(a) >= 0],
  ['=:=/2', (a) => numCompare(a) === 0],
  ['=\\=/2', (a) => numCompare(a) !== 0],
  ['var/1', typeCheck((t) => t.kind === 'ref')],
  ['nonvar/1', typeCheck((t) => t.kind !== 'ref')],
  ['atom/1', typeCheck((t) => t.kind === 'atom')],
  ['number/1', typeCheck((t) => t.kind === 'int' || t.kind === 'float')],
  ['integer/1', typeCheck((t) => t.kind === 'int')],
  ['float/1', typeCheck((t) => t.kind === 'float')],
  ['string/1', typeCheck((t) => t.kind === 'str')],
  ['atomic/1', typeCheck((t) => t.kind !== 'ref' && t.kind !== 'compound')],
  ['compound/1', typeCheck((t) => t.kind === 'compound')],
  ['callable/1', typeCheck((t) => t.kind === 'atom' || t.kind === 'compound')],
  ['is_list/1', (a) => listToArray(a[0] as RT) !== null],
  ['ground/1', (a) => isGround(a[0] as RT)],
  ['copy_term/2', (a, trail) => unify(a[1] as RT, copyTerm(a[0] as RT, trail), trail)],
  ['msort/2', sortBuiltin(false)],
  ['sort/2', sortBuiltin(true)],
  [
    'functor/3',
    (a, trail) => {
      const t = deref(a[0] as RT)
      if (t.kind === 'ref') {
        const name = deref(a[1] as RT)
        const n = evaluate(a[2] as RT)
        if (typeof n !== 'bigint' || n < 0n || n > 1024n) throw new EvaluationError('functor/3: bad arity')
        if (n === 0n) return unify(t, name, trail)
        if (name.kind !== 'atom') throw new InstantiationError('functor/3 needs an atom name')
        const args = Array.from({ length: Number(n) }, () => trail.fresh())
        return unify(t, { kind: 'compound', name: name.name, args }, trail)
      }
      const [name, arity]: [RT, bigint] = t.kind === 'compound' ? [atom(t.name), BigInt(t.args.length)] : [t, 0n]
      return unify(a[1] as RT, name, trail) && unify(a[2] as RT, int(arity), trail)
    },
  ],
  [
    'arg/3',
    (a, trail) => {
      const n = deref(a[0] as RT)
      const t = deref(a[1] as RT)
      if (n.kind !== 'int' || t.kind !== 'compound')
        throw new InstantiationError('arg/3 needs an integer and a compound')
      const x = t.args[Number(n.value) - 1]
      return x !== undefined && n.value >= 1n && unify(a[2] as RT, x, trail)
    },
  ],
  [
    '=../2',
    (a, trail) => {
      const t = deref(a[0] as RT)
      if (t.kind === 'compound') return unify(a[1] as RT, arrayToList([atom(t.name), ...t.args]), trail)
      if (t.kind !== 'ref') return unify(a[1] as RT, arrayToList([t]), trail)
      const items = listToArray(a[1] as RT)
      const head = items?.[0] === undefined ? undefined : deref(items[0])
      if (items === null || head === undefined) throw new InstantiationError('=../2 needs a proper list')
      if (items.length === 1) return unify(t, head, trail)
      if (head.kind !== 'atom') throw new InstantiationError('=../2 needs an atom functor')
      return unify(t, { kind: 'compound', name: head.name, args: items.slice(1) } as RCompound, trail)
    },
  ],
])

function isGround(t0: RT): boolean {
  const t = deref(t0)
  if (t.kind === 'ref') return false
  if (t.kind === 'compound') return t.args.every(isGround)
  return true
}

/** Library predicates written in Prolog (used when the knowledge base does not define them). */
export const LIBRARY = `
member(X, [X|_]).
member(X, [_|T]) :- member(X, T).
memberchk(X, L) :- member(X, L), !.
append([], L, L).
append([H|T], L, [H|R]) :- append(T, L, R).
between(L, H, L) :- L =< H.
between(L, H, X) :- L < H, L1 is L + 1, between(L1, H, X).
length(L, N) :- '$length'(L, 0, N).
'$length'([], N, N).
'$length'([_|T], N0, N) :- (integer(N) -> N0 < N ; true), N1 is N0 + 1, '$length'(T, N1, N).
reverse(L, R) :- '$reverse'(L, [], R).
'$reverse'([], R, R).
'$reverse'([H|T], A, R) :- '$reverse'(T, [H|A], R).
nth0(I, L, E) :- '$nth'(L, 0, I, E).
nth1(I, L, E) :- '$nth'(L, 1, I, E).
'$nth'([H|_], B, B, H).
'$nth'([_|T], B, I, E) :- B1 is B + 1, '$nth'(T, B1, I, E).
last([X], X) :- !.
last([_|T], X) :- last(T, X).
sum_list(L, S) :- '$sum'(L, 0, S).
'$sum'([], S, S).
'$sum'([H|T], A, S) :- A1 is A + H, '$sum'(T, A1, S).
select(X, [X|T], T).
select(X, [H|T], [H|R]) :- select(X, T, R).
ignore(G) :- (call(G) -> true ; true).
once(G) :- call(G), !.
`
