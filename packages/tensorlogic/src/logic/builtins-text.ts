import { arrayToList, listToArray } from './builtins.js'
import { EvaluationError, InstantiationError } from './errors.js'
import { INFIX_OPS, PREFIX_OPS } from './parser.js'
import { formatAtom, formatFloat } from './printer.js'
import { atom, type Int } from './terms.js'
import { deref, type RT } from './unify.js'

/**
 * A nondeterministic built-in: every solution as the argument tuple it binds (`undefined` leaves an argument as it
 * is); the solver tries them in order, as alternatives.
 */
export type NondetBuiltin = (args: readonly RT[]) => (RT | undefined)[][]

const int = (value: number): Int => ({ kind: 'int', value: BigInt(value) })

/** The text of an atomic term as atom_concat/3 and sub_atom/5 read it (numbers by their written form). */
function textOf(t: RT, what: string): string | null {
  switch (t.kind) {
    case 'ref':
      return null
    case 'atom':
      return t.name
    case 'str':
      return t.value
    case 'int':
      return t.value.toString()
    case 'float':
      return formatFloat(t.value)
    default:
      throw new EvaluationError(`${what}: atomic argument expected`)
  }
}

function atomConcat(args: readonly RT[]): (RT | undefined)[][] {
  const a = textOf(deref(args[0] as RT), 'atom_concat/3')
  const b = textOf(deref(args[1] as RT), 'atom_concat/3')
  if (a !== null && b !== null) return [[undefined, undefined, atom(a + b)]]
  const whole = textOf(deref(args[2] as RT), 'atom_concat/3')
  if (whole === null) throw new InstantiationError('atom_concat/3')
  const cps = [...whole]
  const out: (RT | undefined)[][] = []
  for (let i = 0; i <= cps.length; i++)
    out.push([atom(cps.slice(0, i).join('')), atom(cps.slice(i).join('')), undefined])
  return out
}

function intOrNull(t: RT, what: string): number | null {
  const x = deref(t)
  if (x.kind === 'ref') return null
  if (x.kind !== 'int') throw new EvaluationError(`${what}: integer expected`)
  return Number(x.value)
}

function subAtom(args: readonly RT[]): (RT | undefined)[][] {
  const whole = textOf(deref(args[0] as RT), 'sub_atom/5')
  if (whole === null) throw new InstantiationError('sub_atom/5')
  const cps = [...whole]
  const n = cps.length
  const B = intOrNull(args[1] as RT, 'sub_atom/5')
  const L = intOrNull(args[2] as RT, 'sub_atom/5')
  const A = intOrNull(args[3] as RT, 'sub_atom/5')
  const subText = textOf(deref(args[4] as RT), 'sub_atom/5')
  const out: (RT | undefined)[][] = []
  const sub = subText === null ? null : [...subText]
  for (let b = B ?? 0; b <= (B ?? n); b++) {
    const lens = sub !== null ? [sub.length] : L !== null ? [L] : A !== null ? [n - b - A] : range(0, n - b)
    for (const l of lens) {
      if (l < 0 || b + l > n || (A !== null && n - b - l !== A)) continue
      const s = cps.slice(b, b + l).join('')
      if (sub !== null && s !== subText) continue
      out.push([undefined, int(b), int(l), int(n - b - l), atom(s)])
    }
  }
  return out
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/** The nondeterministic built-ins by `name/arity`. */
export const NONDET_BUILTINS: ReadonlyMap<string, NondetBuiltin> = new Map<string, NondetBuiltin>([
  ['atom_concat/3', atomConcat],
  ['sub_atom/5', subAtom],
])

const ALPHA = /^[a-z]/
const SYMBOL = /^[+\-*/\\^<>=~:.?@#&$]/

/** A term as SWI-Prolog's write/1 (`quoted` false) or writeq/1 (`quoted` true) prints it. */
function writeTerm(t0: RT, quoted: boolean, max = 1200): string {
  const t = deref(t0)
  switch (t.kind) {
    case 'ref':
      return `_G${t.id}`
    case 'int':
      return t.value.toString()
    case 'float':
      return formatFloat(t.value)
    case 'str':
      return quoted ? JSON.stringify(t.value) : t.value
    case 'atom':
      return quoted ? formatAtom(t.name) : t.name
  }
  const name = t.name
  const args = t.args
  const w = (x: RT, m: number) => writeTerm(x, quoted, m)
  if (name === '.' && args.length === 2) {
    const items = [w(args[0] as RT, 999)]
    let rest = deref(args[1] as RT)
    while (rest.kind === 'compound' && rest.name === '.' && rest.args.length === 2) {
      items.push(w(rest.args[0] as RT, 999))
      rest = deref(rest.args[1] as RT)
    }
    const end = rest.kind === 'atom' && rest.name === '[]' ? '' : `|${w(rest, 999)}`
    return `[${items.join(',')}${end}]`
  }
  const fname = quoted ? formatAtom(name) : name
  const op2 = args.length === 2 ? INFIX_OPS.get(name) : undefined
  if (op2 !== undefined) {
    const l = w(args[0] as RT, op2.type === 'yfx' ? op2.priority : op2.priority - 1)
    const r = w(args[1] as RT, op2.type === 'xfy' ? op2.priority : op2.priority - 1)
    const s = ALPHA.test(name)
      ? `${l} ${fname} ${r}`
      : `${l}${SYMBOL.test(l.slice(-1)) ? ' ' : ''}${fname}${SYMBOL.test(r) && name !== ',' ? ' ' : ''}${r}`
    return op2.priority > max ? `(${s})` : s
  }
  const op1 = args.length === 1 ? PREFIX_OPS.get(name) : undefined
  if (op1 !== undefined) {
    const a = deref(args[0] as RT)
    const inner = w(a, op1.type === 'fy' ? op1.priority : op1.priority - 1)
    const space = ALPHA.test(name) || a.kind === 'int' || a.kind === 'float' || SYMBOL.test(inner)
    const s = `${fname}${space ? ' ' : ''}${inner}`
    return op1.priority > max ? `(${s})` : s
  }
  return `${fname}(${args.map((a) => w(a, 999)).join(',')})`
}

/** The text of a format string argument: an atom, a string, or a list of codes or characters. */
function formatText(t0: RT): string {
  const t = deref(t0)
  const direct = t.kind === 'compound' ? null : textOf(t, 'format/3')
  if (direct !== null) return direct
  const items = listToArray(t)
  if (items === null) throw new InstantiationError('format/3 needs a format text')
  return items
    .map((x) => {
      const c = deref(x)
      if (c.kind === 'int') return String.fromCodePoint(Number(c.value))
      if (c.kind === 'atom') return c.name
      throw new EvaluationError('format/3: bad format text')
    })
    .join('')
}

function number(t: RT, d: string): number | bigint {
  const x = deref(t)
  if (x.kind === 'int') return x.value
  if (x.kind === 'float') return x.value
  throw new EvaluationError(`format/3: ~${d} expects a number`)
}

/**
 * SWI-Prolog's format/2 directives into a string: `~w ~p ~q ~a ~d ~D ~s ~e ~f ~g ~c ~n ~~ ~i` with an optional
 * numeric argument (`~2f`, `~3d`, `~*c`). Column directives (`~t ~| ~+`) are not supported.
 */
export function formatString(fmt0: RT, args0: RT): string {
  const fmt = formatText(fmt0)
  const a = deref(args0)
  const args = listToArray(a) ?? [a]
  let k = 0
  const next = (d: string): RT => {
    const x = args[k++]
    if (x === undefined) throw new EvaluationError(`format/3: not enough arguments for ~${d}`)
    return x
  }
  let out = ''
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i] as string
    if (ch !== '~') {
      out += ch
      continue
    }
    let numArg: number | undefined
    let j = i + 1
    if (fmt[j] === '*') {
      numArg = Number(number(next('*'), '*'))
      j++
    } else {
      const m = /^[0-9]+/.exec(fmt.slice(j))
      if (m) {
        numArg = Number(m[0])
        j += m[0].length
      }
    }
    const d = fmt[j]
    i = j
    switch (d) {
      case 'w':
      case 'p':
        out += writeTerm(next(d), false)
        break
      case 'q':
        out += writeTerm(next(d), true)
        break
      case 'a': {
        const x = textOf(deref(next(d)), 'format/3')
        if (x === null) throw new InstantiationError('format/3 ~a')
        out += x
        break
      }
      case 'd':
      case 'D': {
        const x = number(next(d), d)
        if (typeof x !== 'bigint') throw new EvaluationError('format/3: ~d expects an integer')
        let s = (x < 0n ? -x : x).toString()
        let frac = ''
        if (numArg !== undefined && numArg > 0) {
          s = s.padStart(numArg + 1, '0')
          frac = `.${s.slice(-numArg)}`
          s = s.slice(0, -numArg)
        }
        if (d === 'D') s = s.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
        out += `${x < 0n ? '-' : ''}${s}${frac}`
        break
      }
      case 'f':
      case 'e':
      case 'g': {
        const x = Number(number(next(d), d))
        const p = numArg ?? 6
        out += d === 'f' ? x.toFixed(p) : d === 'e' ? x.toExponential(p).replace(/e([+-])(\d)$/, 'e$10$2') : String(x)
        break
      }
      case 's':
        out += formatText(next(d))
        break
      case 'c': {
        const x = number(next(d), d)
        out += String.fromCodePoint(Number(x)).repeat(numArg ?? 1)
        break
      }
      case 'n':
        out += '\n'.repeat(numArg ?? 1)
        break
      case '~':
        out += '~'
        break
      case 'i':
        next(d)
        break
      default:
        throw new EvaluationError(`format/3: unsupported directive ~${d ?? ''}`)
    }
  }
  if (k < args.length) throw new EvaluationError('format/3: too many arguments')
  return out
}

/** The sink of `format/3`: `atom(A)`, `string(S)`, `codes(Cs)` or `chars(Cs)`, as the term to unify with the text. */
export function formatSink(sink0: RT, text: string): { target: RT; value: RT } {
  const sink = deref(sink0)
  if (sink.kind !== 'compound' || sink.args.length !== 1)
    throw new EvaluationError('format/3: the sink must be atom(A), string(S), codes(Cs) or chars(Cs)')
  const target = sink.args[0] as RT
  const chars = [...text]
  const list = arrayToList
  switch (sink.name) {
    case 'atom':
      return { target, value: atom(text) }
    case 'string':
      return { target, value: { kind: 'str', value: text } }
    case 'codes':
      return { target, value: list(chars.map((c) => int(c.codePointAt(0) as number))) }
    case 'chars':
      return { target, value: list(chars.map((c) => atom(c))) }
    default:
      throw new EvaluationError(`format/3: unknown sink ${sink.name}/1`)
  }
}
