import { describe, expect, it } from 'vitest'
import { KnowledgeBase, type ProofNode, printClause, printTerm, Solver } from '../src/index.js'

function kbOf(text: string): KnowledgeBase {
  const kb = new KnowledgeBase()
  kb.consult(text)
  return kb
}

async function show(kb: KnowledgeBase, goal: string, options = {}): Promise<string[]> {
  const answers = await kb.query(goal, options)
  return answers.map((a) =>
    Object.entries(a)
      .map(([k, t]) => `${k}=${printTerm(t)}`)
      .join(' '),
  )
}

const FAMILY = `
parent(tom, bob). parent(bob, ann). parent(bob, pat). parent(pat, jim).
ancestor(X, Y) :- parent(X, Y).
ancestor(X, Y) :- parent(X, Z), ancestor(Z, Y).
`

describe('solver', () => {
  it('finds all answers in SLD order, or the first N', async () => {
    const kb = kbOf(FAMILY)
    expect(await show(kb, 'ancestor(tom, X)')).toEqual(['X=bob', 'X=ann', 'X=pat', 'X=jim'])
    expect(await show(kb, 'ancestor(tom, X)', { limit: 2 })).toEqual(['X=bob', 'X=ann'])
    expect(await show(kb, 'ancestor(jim, X)')).toEqual([])
    expect(await show(kb, 'ancestor(tom, jim)')).toEqual([''])
  })

  it('unifies structures, with and without the occurs check', async () => {
    const kb = new KnowledgeBase()
    expect(await show(kb, 'f(X, g(Y), c) = f(a, Z, W)')).toEqual(['X=a Y=Y Z=g(Y) W=c'])
    expect(await show(kb, 'X = f(X)', { occursCheck: true })).toEqual([])
    expect(await show(kb, 'X = f(Y), Y = f(X)', { occursCheck: true })).toEqual([])
    expect(await show(kb, '[H|T] = [1, 2, 3]')).toEqual(['H=1 T=[2, 3]'])
    expect(await show(kb, 'f(X, b) \\= f(a, c), X == X')).toEqual(['X=X'])
    expect(await show(kb, '1 = 1.0')).toEqual([])
  })

  it('does arithmetic with unbounded integers and typed errors', async () => {
    const kb = new KnowledgeBase()
    expect(await show(kb, 'X is 2 ** 64 + 1, Y is X mod 7, Z is 7 / 2, W is 9 / 3')).toEqual([
      'X=18446744073709551617 Y=3 Z=3.5 W=3',
    ])
    await expect(kb.query('X is Y + 1')).rejects.toMatchObject({ code: 'ERR_INSTANTIATION' })
    await expect(kb.query('X is 1 / 0')).rejects.toMatchObject({ code: 'ERR_EVALUATION' })
    await expect(kb.query('X is foo + 1')).rejects.toMatchObject({ code: 'ERR_EVALUATION' })
    await expect(kb.query('nope(1)')).rejects.toMatchObject({ code: 'ERR_UNKNOWN_PREDICATE', predicate: 'nope/1' })
    await expect(kb.query('X')).rejects.toMatchObject({ code: 'ERR_INSTANTIATION' })
  })

  it('has negation as failure, cut, if-then-else, disjunction and library predicates', async () => {
    const kb = kbOf(`
      bird(tweety). bird(opus). penguin(opus).
      flies(X) :- bird(X), \\+ penguin(X).
      max(X, Y, X) :- X >= Y, !.
      max(_, Y, Y).
      sign(X, S) :- ( X > 0 -> S = pos ; X < 0 -> S = neg ; S = zero ).
    `)
    expect(await show(kb, 'flies(X)')).toEqual(['X=tweety'])
    expect(await show(kb, 'max(5, 3, M)')).toEqual(['M=5'])
    expect(await show(kb, 'max(2, 3, M)')).toEqual(['M=3'])
    expect(await show(kb, 'sign(-4, S)')).toEqual(['S=neg'])
    expect(await show(kb, 'member(X, [a, b]) ; X = c')).toEqual(['X=a', 'X=b', 'X=c'])
    expect(await show(kb, 'findall(X-Y, (between(1, 3, X), Y is X * X), L), length(L, N)')).toEqual([
      'X=X Y=Y L=[1 - 1, 2 - 4, 3 - 9] N=3',
    ])
    expect(await show(kb, 'append(X, Y, [1, 2])')).toEqual(['X=[] Y=[1, 2]', 'X=[1] Y=[2]', 'X=[1, 2] Y=[]'])
    expect(await show(kb, 'sort([c, a, b, a], S), msort([2, 1.0, "s", x, f(y)], M)')).toEqual([
      'S=[a, b, c] M=[1.0, 2, "s", x, f(y)]',
    ])
  })

  it('ends runaway recursion with ERR_DEPTH_LIMIT', async () => {
    // structural recursion is not tabled automatically: it runs by SLD resolution, as in Prolog
    const kb = kbOf('loop(f(X)) :- loop(f(X)).\nleft(s(X)) :- left(Y), e(Y, X).\ne(a, b).')
    await expect(kb.query('loop(f(1))', { maxDepth: 500 })).rejects.toMatchObject({ code: 'ERR_DEPTH_LIMIT' })
    await expect(kb.query('left(s(b))', { maxDepth: 500 })).rejects.toMatchObject({ code: 'ERR_DEPTH_LIMIT' })
    // the same loops without function symbols are tabled automatically and end (with no answer)
    const datalog = kbOf('loop(X) :- loop(X).\nleft(X) :- left(Y), e(Y, X).\ne(a, b).')
    expect(await datalog.query('loop(1)', { maxDepth: 500 })).toEqual([])
    expect(await datalog.query('left(b)', { maxDepth: 500 })).toEqual([])
  })

  it('ends long queries with ERR_TIMEOUT (time limit and AbortSignal)', async () => {
    const kb = kbOf('spin(N) :- N1 is N + 1, spin(N1).\nspin(_).\ncount :- nat(_), fail.')
    kb.consult('nat(0).\nnat(s(X)) :- nat(X).')
    await expect(kb.query('count', { timeoutMs: 150, maxDepth: 1e9 })).rejects.toMatchObject({ code: 'ERR_TIMEOUT' })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    await expect(kb.query('count', { signal: controller.signal, maxDepth: 1e9 })).rejects.toMatchObject({
      code: 'ERR_TIMEOUT',
    })
    // deep but finite: the depth limit, not the JS stack, is what bounds it
    await expect(kb.query('spin(0)', { maxDepth: 200_000, timeoutMs: 60_000, limit: 1 })).rejects.toMatchObject({
      code: 'ERR_DEPTH_LIMIT',
    })
  })

  it('terminates left-recursive transitive closure over a cyclic graph when tabled', async () => {
    const kb = kbOf(`
      :- table path/2.
      edge(1, 2). edge(2, 3). edge(3, 1). edge(3, 4).
      path(X, Y) :- path(X, Z), edge(Z, Y).
      path(X, Y) :- edge(X, Y).
    `)
    const reach = (await show(kb, 'path(1, X)')).sort()
    expect(reach).toEqual(['X=1', 'X=2', 'X=3', 'X=4'])
    expect(await show(kb, 'path(X, Y)')).toHaveLength(12)
    expect(await show(kb, 'path(4, X)')).toEqual([])
    // adding a clause invalidates the tables
    kb.consult('edge(4, 5).')
    expect((await show(kb, 'path(1, X)')).sort()).toEqual(['X=1', 'X=2', 'X=3', 'X=4', 'X=5'])
  })

  it('completes mutually recursive tables together', async () => {
    const kb = kbOf(`
      :- table even/1, odd/1.
      even(0).
      even(N) :- odd(M), M < 10, N is M + 1.
      odd(N) :- even(M), M < 10, N is M + 1.
    `)
    expect((await show(kb, 'even(X)')).map((s) => Number(s.slice(2))).sort((a, b) => a - b)).toEqual([
      0, 2, 4, 6, 8, 10,
    ])
    expect((await show(kb, 'odd(X)')).length).toBe(5)
  })

  it('returns a proof tree', async () => {
    const kb = kbOf(FAMILY)
    const p = await kb.prove('ancestor(tom, ann)')
    expect(p).toBeDefined()
    const root = p?.proof[0] as ProofNode
    expect(printTerm(root.goal)).toBe('ancestor(tom, ann)')
    expect(printClause(root.clause as never)).toBe('ancestor(X, Y) :- parent(X, Z), ancestor(Z, Y).')
    expect(root.children.map((c) => printTerm(c.goal))).toEqual(['parent(tom, bob)', 'ancestor(bob, ann)'])
    expect(root.children[1]?.children.map((c) => printTerm(c.goal))).toEqual(['parent(bob, ann)'])
    expect(await kb.prove('ancestor(ann, tom)')).toBeUndefined()
  })

  it('runs a deep deterministic recursion without growing the JS stack', () => {
    const kb = kbOf(
      'count(N, N) :- !.\ncount(I, N) :- I1 is I + 1, count(I1, N).\nnrev([], []).\nnrev([H|T], R) :- nrev(T, RT), append(RT, [H], R).',
    )
    expect(new Solver(kb).allSync('count(0, 100000)', { maxDepth: 1e6 })).toHaveLength(1)
    const r = new Solver(kb).allSync(
      'numlist(L), nrev(L, R)'.replace('numlist(L)', `L = [${Array.from({ length: 300 }, (_, i) => i).join(',')}]`),
    )
    expect(printTerm(r[0]?.R as never).startsWith('[299, 298, 297')).toBe(true)
  })
})
