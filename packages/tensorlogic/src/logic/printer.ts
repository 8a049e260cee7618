import { INFIX_OPS, PREFIX_OPS } from './parser.js'
import { type Clause, isFact, type Program, type Term } from './terms.js'

/**
 * The canonical text form: `parseTerm(printTerm(t))` deep-equals `t`, and printing a parsed text always gives the
 * same string. Infix operators are printed with a space on each side (`X is Y + 1`), a conjunction as `a, b`, lists
 * in bracket notation, prefix operators followed by a space, and parentheses only where priorities need them.
 */
export function printTerm(t: Term, max = 1200): string {
  switch (t.kind) {
    case 'var':
      return t.name
    case 'int':
      return t.value.toString()
    case 'float':
      return formatFloat(t.value)
    case 'str':
      return `"${escapeText(t.value, '"')}"`
    case 'atom':
      return formatAtom(t.name)
    case 'compound':
      return printCompound(t.name, t.args, max)
  }
}

function printCompound(name: string, args: readonly Term[], max: number): string {
  if (name === '.' && args.length === 2) return printList(args[0] as Term, args[1] as Term)
  if (name === '{}' && args.length === 1) return `{${printTerm(args[0] as Term)}}`
  if (args.length === 2 && name !== '|') {
    const op = INFIX_OPS.get(name)
    if (op !== undefined) {
      const lmax = op.type === 'yfx' ? op.priority : op.priority - 1
      const rmax = op.type === 'xfy' ? op.priority : op.priority - 1
      const sep = name === ',' ? ', ' : ` ${formatAtom(name)} `
      const s = `${operand(args[0] as Term, lmax)}${sep}${operand(args[1] as Term, rmax)}`
      return op.priority > max ? `(${s})` : s
    }
  }
  if (args.length === 1) {
    const op = PREFIX_OPS.get(name)
    const arg = args[0] as Term
    if (op !== undefined && arg.kind !== 'int' && arg.kind !== 'float') {
      const s = `${formatAtom(name)} ${operand(arg, op.type === 'fy' ? op.priority : op.priority - 1)}`
      return op.priority > max ? `(${s})` : s
    }
  }
  return `${formatAtom(name)}(${args.map((a) => printTerm(a, 999)).join(', ')})`
}

/** An operand of an operator: an atom that is itself an operator is put in parentheses. */
function operand(t: Term, max: number): string {
  if (t.kind === 'atom' && (INFIX_OPS.has(t.name) || PREFIX_OPS.has(t.name))) return `(${formatAtom(t.name)})`
  return printTerm(t, max)
}

function printList(head: Term, tail: Term): string {
  const items = [printTerm(head, 999)]
  let rest = tail
  while (rest.kind === 'compound' && rest.name === '.' && rest.args.length === 2) {
    items.push(printTerm(rest.args[0] as Term, 999))
    rest = rest.args[1] as Term
  }
  const end = rest.kind === 'atom' && rest.name === '[]' ? '' : `|${printTerm(rest, 999)}`
  return `[${items.join(', ')}${end}]`
}

/** A float in a form that reads back as the same float (always with `.` or an exponent; `1.0Inf`, `1.5NaN`). */
export function formatFloat(x: number): string {
  if (Number.isNaN(x)) return '1.5NaN'
  if (x === Number.POSITIVE_INFINITY) return '1.0Inf'
  if (x === Number.NEGATIVE_INFINITY) return '-1.0Inf'
  if (Object.is(x, -0)) return '-0.0'
  let s = String(x)
  if (!/[.e]/.test(s)) s += '.0'
  else if (!s.includes('.')) s = s.replace('e', '.0e')
  return s.replace('e+', 'e')
}

const SOLO = new Set(['[]', '{}', '!', ';'])

/** An atom as written: bare when it lexes back as the same atom, quoted otherwise. */
export function formatAtom(name: string): string {
  if (/^[a-z][A-Za-z0-9_]*$/.test(name) || SOLO.has(name)) return name
  if (/^[+\-*/\\^<>=~:.?@#&$]+$/.test(name) && name !== '.' && !name.startsWith('/*')) return name
  return `'${escapeText(name, "'")}'`
}

function escapeText(s: string, quote: string): string {
  let out = ''
  for (const ch of s) {
    const c = ch.codePointAt(0) as number
    if (ch === '\\') out += '\\\\'
    else if (ch === quote) out += `\\${quote}`
    else if (ch === '\n') out += '\\n'
    else if (ch === '\t') out += '\\t'
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16)}\\`
    else out += ch
  }
  return out
}

/** A clause as `head.` or `head :- body.` */
export function printClause(c: Clause): string {
  return isFact(c) ? `${printTerm(c.head, 1199)}.` : `${printTerm(c.head, 1199)} :- ${printTerm(c.body, 1199)}.`
}

/** A program: directives first (`:- goal.`), then clauses, one per line. */
export function printProgram(p: Program): string {
  const lines = [...p.directives.map((d) => `:- ${printTerm(d.goal, 1199)}.`), ...p.clauses.map(printClause)]
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`
}
