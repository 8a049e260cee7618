import { describe, expect, it } from 'vitest'
import { KnowledgeBase, printTerm, Solver, UnstratifiedError } from '../src/index.js'

const kbOf = (text: string) => {
  const kb = new KnowledgeBase()
  kb.consult(text)
  return kb
}
const values = async (kb: KnowledgeBase, goal: string, name = 'X') =>
  (await kb.query(goal)).map((a) => printTerm(a[name] as never)).sort()

describe('automatic tabling and stratification', () => {
  it('tables recursive function-free components, not structural recursion', () => {
    const kb = kbOf(`
      anc(X, Y) :- anc(X, Z), parent(Z, Y).
      anc(X, Y) :- parent(X, Y).
      even(X) :- succ_(Y, X), odd(Y).
      even(z).
      odd(X) :- succ_(Y, X), even(Y).
      len([], 0).
      len([_|T], N) :- len(T, M), N is M + 1.
      first(X) :- first(X), !.
      :- table len/2.
    `)
    const a = new Solver(kb).analysis()
    expect([...a.autoTabled].sort()).toEqual(['anc/2', 'even/1', 'odd/1'])
    expect([...a.tabled].sort()).toEqual(['anc/2', 'even/1', 'len/2', 'odd/1'])
  })

  it('gives every answer of left, right and double recursion over a cycle, in every clause order', async () => {
    const facts = 'parent(a, b). parent(b, c). parent(c, a). parent(c, d).'
    const rules = [
      ['anc(X, Y) :- anc(X, Z), parent(Z, Y).', 'anc(X, Y) :- parent(X, Y).'],
      ['anc(X, Y) :- parent(X, Z), anc(Z, Y).', 'anc(X, Y) :- parent(X, Y).'],
      ['anc(X, Y) :- anc(X, Z), anc(Z, Y).', 'anc(X, Y) :- parent(X, Y).'],
    ]
    for (const [r1, r2] of rules)
      for (const text of [`${r1}\n${r2}\n${facts}`, `${facts}\n${r2}\n${r1}`])
        expect(await values(kbOf(text), 'anc(a, X)'), text).toEqual(['a', 'b', 'c', 'd'])
  })

  it('evaluates negation of a lower stratum after it is complete', async () => {
    const kb = kbOf(`
      e(1, 2). e(2, 1). e(2, 3). n(1). n(2). n(3).
      r(X, Y) :- r(X, Z), e(Z, Y).
      r(X, Y) :- e(X, Y).
      not_r(X, Y) :- n(X), n(Y), \\+ r(X, Y).
    `)
    expect(await values(kb, 'not_r(3, X)')).toEqual(['1', '2', '3'])
    expect(await values(kb, 'not_r(1, X)')).toEqual([])
  })

  it('rejects negation through recursion with a typed error naming the cycle', async () => {
    const kb = kbOf(`
      move(a, b). move(b, a). move(b, c).
      win(X) :- move(X, Y), \\+ win(Y).
      p(X) :- q(X). q(X) :- n(X), \\+ p(X). n(1).
    `)
    const err = await kb.query('win(a)').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UnstratifiedError)
    expect(err).toMatchObject({ code: 'ERR_UNSTRATIFIED', cycle: 'win/1 -> \\+ win/1' })
    await expect(kb.query('q(1)')).rejects.toMatchObject({ code: 'ERR_UNSTRATIFIED', cycle: 'q/1 -> \\+ p/1 -> q/1' })
    // the rest of the program still answers
    expect(await values(kb, 'move(a, X)')).toEqual(['b'])
  })

  it('proves a goal of an automatically tabled predicate with a real proof tree', async () => {
    const kb = kbOf('anc(X, Y) :- anc(X, Z), p(Z, Y).\nanc(X, Y) :- p(X, Y).\np(a, b). p(b, c). p(c, a).')
    const proof = await kb.prove('anc(a, c)')
    const root = proof?.proof[0]
    expect(printTerm(root?.goal as never)).toBe('anc(a, c)')
    expect(root?.via).toBe('clause')
    expect(root?.children.map((c) => printTerm(c.goal))).toEqual(['anc(a, b)', 'p(b, c)'])
  })
})
