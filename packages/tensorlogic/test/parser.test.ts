import { describe, expect, it } from 'vitest'
import {
  atom,
  type Clause,
  compound,
  float,
  int,
  list,
  ParseError,
  parseClause,
  parseProgram,
  parseTerm,
  printClause,
  printProgram,
  printTerm,
  str,
  type Term,
  v,
} from '../src/index.js'

const CORPUS = [
  "f(X, 'A b', \"str\", [1, 2|T], -3, 1.0e10, a- -1, (a:-b,c;d->e), \\+ x, [a|b], {x,y}, 'it''s', f(-))",
  'X = f(Y), \\+ a = b, X \\== Y, 1 + 2 * 3 - (4 - 5), 2 ** -1, -(2)^2, (-2)^2, - 2^2',
  'X is 7 // 2 mod 3 rem 4, Y =:= 1.5e-7, Z =\\= 0x1F, W >= 0b101, V =< 0o17, U < 12345678901234567890123',
  "f(;, '|', ',', [], '[]', {}, '{}', !, '.', 'hello\\nworld', \"tab\\there\", '\\\\')",
  'p :- \\+ \\+ q, (a -> b ; c), (x ; y ; z)',
  'f((a :- b), (:- c), [(d :- e)], - (1), -(-(1)), - - a, 1 - -1, a = \\+ b)',
  "f(1.5NaN, 1.0Inf, -1.0Inf, -0.0, 0.1, 100.0, 1.0e21, 1.0e-300, 0'a, 0' , 0''')",
  'f(a;b), f(a :- b, c), [a :- b, c|T], f(_, _, _X)',
  "'Hello'(world), 'ünïcödé', [](1), f(a)(b) = c",
]

describe('parser and printer', () => {
  it('round-trips terms built from the IR', () => {
    const terms: Term[] = [
      compound('f', [v('X'), int(-5), float(2.5), str('a "q" \\ b'), atom("it's"), list([int(1)], v('T'))]),
      int(2n ** 200n),
      float(-0),
      compound('-', [int(1)]),
      compound('-', [compound('-', [v('A'), v('B')]), compound('-', [v('C'), v('D')])]),
      compound('^', [compound('^', [int(1), int(2)]), int(3)]),
      compound(',', [compound(';', [atom('a'), atom('b')]), compound('->', [atom('c'), atom('d')])]),
      compound('f', [atom('-'), atom(':-'), atom('\\+'), atom(',')]),
      compound('=', [atom('-'), atom('+')]),
      compound('|', [atom('a'), atom('b')]),
      compound('.', [atom('a')]),
      list([compound(':-', [atom('a'), atom('b')])]),
      compound('{}', [compound(',', [atom('a'), atom('b')])]),
    ]
    for (const t of terms) {
      const text = printTerm(t)
      expect(parseTerm(text), text).toEqual(t)
    }
  })

  it('prints canonically: print(parse(s)) is a fixed point', () => {
    for (const s of CORPUS.filter((s) => !s.includes('f(a)(b)'))) {
      const once = printTerm(parseTerm(s))
      expect(printTerm(parseTerm(once)), s).toBe(once)
      expect(parseTerm(once), s).toEqual(parseTerm(s))
    }
    expect(printTerm(parseTerm('p(X):-q(X,Y),\\+r(Y)'))).toBe('p(X) :- q(X, Y), \\+ r(Y)')
    expect(printTerm(parseTerm('[1,2|[3]]'))).toBe('[1, 2, 3]')
    expect(printTerm(parseTerm('a-(b-c)'))).toBe('a - (b - c)')
    expect(printTerm(parseTerm('(a-b)-c'))).toBe('a - b - c')
    expect(printTerm(parseTerm('2*(3+4)'))).toBe('2 * (3 + 4)')
  })

  it('reads numbers, strings, quoted atoms, escapes and anonymous variables', () => {
    expect(parseTerm('123456789012345678901234567890')).toEqual(int(123456789012345678901234567890n))
    expect(parseTerm('-7')).toEqual(int(-7))
    expect(parseTerm('- 7')).toEqual(compound('-', [int(7)]))
    expect(parseTerm('1.0e3')).toEqual(float(1000))
    expect(parseTerm("0'a")).toEqual(int(97))
    expect(parseTerm('"a\\x41\\b"')).toEqual(str('aAb')) // \x41\ is one escape
    expect(parseTerm('"\\b\\t\\101\\"')).toEqual(str('\b\tA'))
    expect(parseTerm("'don''t'")).toEqual(atom("don't"))
    expect(parseTerm('a | b')).toEqual(compound(';', [atom('a'), atom('b')]))
    const anon = parseTerm('f(_, _, _G1)') as { args: readonly Term[] }
    const names = anon.args.map((a) => (a as { name: string }).name)
    expect(new Set(names).size).toBe(3) // each `_` is a distinct variable, not clashing with _G1
  })

  it('parses programs with comments and directives, and prints them back', () => {
    const text = `% a comment
:- table path/2.
/* block
   comment */ edge(a, b). edge(b, c).
path(X, Y) :- path(X, Z), edge(Z, Y).   % left recursive
path(X, Y) :- edge(X, Y).
`
    const p = parseProgram(text)
    expect(p.directives).toHaveLength(1)
    expect(p.clauses).toHaveLength(4)
    const printed = printProgram(p)
    expect(printed).toBe(
      ':- table path / 2.\nedge(a, b).\nedge(b, c).\npath(X, Y) :- path(X, Z), edge(Z, Y).\npath(X, Y) :- edge(X, Y).\n',
    )
    expect(parseProgram(printed)).toEqual(p)
    const c: Clause = parseClause('f(X) :- X > 0, !')
    expect(parseClause(printClause(c))).toEqual(c)
  })

  const bad: Array<[string, number, number]> = [
    ['foo(a,\n  b c).', 2, 5],
    ['f(a', 1, 4],
    ['f(a)) .', 1, 5],
    ["'unterminated", 1, 1],
    ['X = [1,2|]', 1, 10],
    ['a :- b :- c', 1, 8],
    ['p(X) :- \n\n   q(X) $ r.', 3, 9],
    ['"bad \\q escape"', 1, 6],
    ['f(a) /* never closed', 1, 6],
    ['', 1, 1],
  ]
  it.each(bad)('rejects %j with ERR_PARSE at its line and column', (text, line, column) => {
    let err: unknown
    try {
      parseTerm(text)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ParseError)
    expect((err as ParseError).code).toBe('ERR_PARSE')
    expect([(err as ParseError).line, (err as ParseError).column]).toEqual([line, column])
  })

  it('rejects program text with bad clauses, naming the position', () => {
    expect(() => parseProgram('ok.\n3 :- true.\n')).toThrow(/line 2, column 1/)
    expect(() => parseProgram('p(a)\nq(b).')).toThrow(ParseError) // missing end
    expect(() => parseProgram('p(a).\nq(b)')).toThrow(/line 2/)
  })
})
