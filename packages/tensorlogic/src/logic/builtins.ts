import { evaluate, int, numCompare, numTerm } from './arith.js'
import { EvaluationError, InstantiationError } from './errors.js'
import { atom } from './terms.js'
import { compareTerms, copyTerm, deref, type RCompound, type RT, type Trail, unify } from './unify.js'

/** A deterministic built-in predicate: succeeds (true) or fails (false), binding through the trail. */
export type Builtin = (args: readonly RT[], trail: Trail) => boolean

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
