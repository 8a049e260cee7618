import { InvalidClauseError, ParseError } from './errors.js'
import {
  atom,
  type Clause,
  compound,
  type Directive,
  float,
  list,
  NIL,
  type Program,
  str,
  type Term,
  v,
} from './terms.js'
import { type Token, tokenize } from './tokenizer.js'

/** An operator's type and priority (ISO / SWI-Prolog defaults). */
export interface OpDef {
  readonly type: 'xfx' | 'xfy' | 'yfx' | 'fy' | 'fx'
  readonly priority: number
}

/** Infix operators (SWI-Prolog's standard table, the part this engine uses). */
export const INFIX_OPS: ReadonlyMap<string, OpDef> = new Map<string, OpDef>([
  [':-', { type: 'xfx', priority: 1200 }],
  ['-->', { type: 'xfx', priority: 1200 }],
  [';', { type: 'xfy', priority: 1100 }],
  ['|', { type: 'xfy', priority: 1100 }],
  ['->', { type: 'xfy', priority: 1050 }],
  [',', { type: 'xfy', priority: 1000 }],
  ...['=', '\\=', '==', '\\==', '@<', '@>', '@=<', '@>=', '=..', 'is', '=:=', '=\\=', '<', '>', '=<', '>='].map(
    (n) => [n, { type: 'xfx', priority: 700 }] as [string, OpDef],
  ),
  ...['+', '-', '/\\', '\\/', 'xor'].map((n) => [n, { type: 'yfx', priority: 500 }] as [string, OpDef]),
  ...['*', '/', '//', 'rem', 'mod', 'div', '<<', '>>'].map(
    (n) => [n, { type: 'yfx', priority: 400 }] as [string, OpDef],
  ),
  ['**', { type: 'xfx', priority: 200 }],
  ['^', { type: 'xfy', priority: 200 }],
])

/** Prefix operators. */
export const PREFIX_OPS: ReadonlyMap<string, OpDef> = new Map<string, OpDef>([
  [':-', { type: 'fx', priority: 1200 }],
  ['?-', { type: 'fx', priority: 1200 }],
  ['table', { type: 'fx', priority: 1150 }],
  ['dynamic', { type: 'fx', priority: 1150 }],
  ['\\+', { type: 'fy', priority: 900 }],
  ['-', { type: 'fy', priority: 200 }],
  ['+', { type: 'fy', priority: 200 }],
  ['\\', { type: 'fy', priority: 200 }],
])

/** A recursive-descent operator-precedence parser over one token list. */
class Parser {
  #pos = 0
  #anon = 0
  #anonPrefix = '_G'
  constructor(readonly toks: Token[]) {
    const names = new Set(toks.filter((t) => t.kind === 'var').map((t) => t.text))
    while ([...names].some((n) => n.startsWith(this.#anonPrefix))) this.#anonPrefix += '_'
  }
  peek(o = 0): Token {
    return this.toks[Math.min(this.#pos + o, this.toks.length - 1)] as Token
  }
  next(): Token {
    return this.toks[this.#pos < this.toks.length - 1 ? this.#pos++ : this.#pos] as Token
  }
  fail(msg: string, t: Token = this.peek()): never {
    throw new ParseError(`${msg}${t.kind === 'eof' ? ' (end of text)' : ` near "${t.text}"`}`, t.line, t.col)
  }
  expect(text: string): void {
    const t = this.next()
    if (t.kind !== 'punct' || t.text !== text) this.fail(`expected "${text}"`, t)
  }
  atEnd(): boolean {
    return this.peek().kind === 'end' || this.peek().kind === 'eof'
  }
  /** Whether `t` ends an operand (so a prefix operator before it is a plain atom). */
  isTerminator(t: Token): boolean {
    if (t.kind === 'end' || t.kind === 'eof') return true
    if (t.kind === 'punct') return t.text !== '(' && t.text !== '[' && t.text !== '{'
    return t.kind === 'name' && INFIX_OPS.has(t.text) && !PREFIX_OPS.has(t.text) && this.peek(1).text !== '('
  }

  /** An operator-precedence term up to priority `max`; an argument (`arg`) stops at `,` and `|` (SWI-style). */
  parse(max: number, arg = false): { term: Term; prec: number } {
    let { term: left, prec: leftPrec } = this.primary(max, arg)
    for (;;) {
      const t = this.peek()
      if (arg && t.kind === 'punct' && (t.text === ',' || t.text === '|')) break
      const name = t.kind === 'name' || (t.kind === 'punct' && (t.text === ',' || t.text === '|')) ? t.text : null
      const op = name === null ? undefined : INFIX_OPS.get(name)
      if (op === undefined || op.priority > max) break
      const leftMax = op.type === 'yfx' ? op.priority : op.priority - 1
      if (leftPrec > leftMax) break
      this.next()
      const right = this.parse(op.type === 'xfy' ? op.priority : op.priority - 1, arg)
      left = compound(name === '|' ? ';' : (name as string), [left, right.term])
      leftPrec = op.priority
    }
    return { term: left, prec: leftPrec }
  }

  primary(max: number, arg: boolean): { term: Term; prec: number } {
    const t = this.next()
    switch (t.kind) {
      case 'int':
        return { term: { kind: 'int', value: t.value as bigint }, prec: 0 }
      case 'float':
        return { term: float(t.value as number), prec: 0 }
      case 'str':
        return { term: str(t.text), prec: 0 }
      case 'var':
        return { term: v(t.text === '_' ? `${this.#anonPrefix}${++this.#anon}` : t.text), prec: 0 }
      case 'punct':
        return this.punct(t)
      case 'name':
        return this.name(t, max, arg)
      default:
        return this.fail('unexpected end of clause', t)
    }
  }

  punct(t: Token): { term: Term; prec: number } {
    if (t.text === '(') {
      const inner = this.parse(1200).term
      this.expect(')')
      return { term: inner, prec: 0 }
    }
    if (t.text === '[') {
      if (this.peek().kind === 'punct' && this.peek().text === ']') {
        this.next()
        return this.maybeFunctional('[]')
      }
      const items = [this.parse(1200, true).term]
      while (this.peek().kind === 'punct' && this.peek().text === ',') {
        this.next()
        items.push(this.parse(1200, true).term)
      }
      let tail: Term = NIL
      if (this.peek().kind === 'punct' && this.peek().text === '|') {
        this.next()
        tail = this.parse(1200, true).term
      }
      this.expect(']')
      return { term: list(items, tail), prec: 0 }
    }
    if (t.text === '{') {
      if (this.peek().kind === 'punct' && this.peek().text === '}') {
        this.next()
        return this.maybeFunctional('{}')
      }
      const inner = this.parse(1200).term
      this.expect('}')
      return { term: compound('{}', [inner]), prec: 0 }
    }
    return this.fail('unexpected', t)
  }

  maybeFunctional(name: string): { term: Term; prec: number } {
    const p = this.peek()
    if (p.kind === 'punct' && p.text === '(' && !p.layout) {
      this.next()
      const args = [this.parse(1200, true).term]
      while (this.peek().kind === 'punct' && this.peek().text === ',') {
        this.next()
        args.push(this.parse(1200, true).term)
      }
      this.expect(')')
      return { term: compound(name, args), prec: 0 }
    }
    return { term: atom(name), prec: 0 }
  }

  name(t: Token, max: number, inArg: boolean): { term: Term; prec: number } {
    const p = this.peek()
    if (p.kind === 'punct' && p.text === '(' && !p.layout) return this.maybeFunctional(t.text)
    if (t.text === '-' && !t.quoted && (p.kind === 'int' || p.kind === 'float') && !p.layout) {
      this.next()
      const n = p.kind === 'int' ? { kind: 'int' as const, value: -(p.value as bigint) } : float(-(p.value as number))
      return { term: n, prec: 0 }
    }
    const op = t.quoted ? undefined : PREFIX_OPS.get(t.text)
    if (op !== undefined && !this.isTerminator(p)) {
      let priority = op.priority
      if (priority > max) priority = 999
      const arg = this.parse(op.type === 'fy' ? priority : priority - 1, inArg)
      return { term: compound(t.text, [arg.term]), prec: priority }
    }
    return { term: atom(t.text), prec: 0 }
  }

  /** One term ending with `.` (required) or end of text (when `allowEof`). */
  clauseTerm(allowEof: boolean): Term {
    this.#anon = 0
    const { term } = this.parse(1200)
    const t = this.next()
    if (t.kind === 'end' || (allowEof && t.kind === 'eof')) return term
    return this.fail('operator expected', t)
  }
}

/** Parses one term, e.g. a query `path(a, X), X \= b`; a final `.` is optional. */
export function parseTerm(text: string): Term {
  const p = new Parser(tokenize(text))
  if (p.peek().kind === 'eof') p.fail('empty term')
  const term = p.clauseTerm(true)
  if (p.peek().kind !== 'eof') p.fail('text after the end of the term')
  return term
}

/** Turns a read term into a clause; throws InvalidClauseError when the head is not callable. */
export function toClause(term: Term): Clause {
  if (term.kind === 'compound' && term.name === ':-' && term.args.length === 2) {
    const [head, body] = term.args as [Term, Term]
    if (head.kind !== 'atom' && head.kind !== 'compound') throw new InvalidClauseError('clause head is not callable')
    return { head, body }
  }
  if (term.kind !== 'atom' && term.kind !== 'compound') throw new InvalidClauseError('clause is not callable')
  return { head: term, body: atom('true') }
}

/** Parses program text: clauses `head :- body.` and facts `head.`, directives `:- goal.`, comments. */
export function parseProgram(text: string): Program {
  const p = new Parser(tokenize(text))
  const clauses: Clause[] = []
  const directives: Directive[] = []
  while (p.peek().kind !== 'eof') {
    const start = p.peek()
    const term = p.clauseTerm(false)
    if (term.kind === 'compound' && term.name === ':-' && term.args.length === 1) {
      directives.push({ goal: term.args[0] as Term })
      continue
    }
    try {
      clauses.push(toClause(term))
    } catch (err) {
      throw new ParseError((err as Error).message, start.line, start.col)
    }
  }
  return { clauses, directives }
}

/** Parses exactly one clause (with or without its final `.`). */
export function parseClause(text: string): Clause {
  const t = parseTerm(text)
  try {
    return toClause(t)
  } catch (err) {
    throw new ParseError((err as Error).message, 1, 1)
  }
}
