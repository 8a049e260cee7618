// The classic Prolog benchmarks, written for this bench: each a program and a goal that binds N to a check value
// (the same for ours and SWI-Prolog) after repeating the work. Used by inference.ts.

const SEL = `sel(X, [X|T], T).
sel(X, [H|T], [H|R]) :- sel(X, T, R).
`

/** All 92 solutions of 8 queens, by selection with an incremental attack check. */
export const QUEENS = `${SEL}
queens(N, Qs) :- range(1, N, Ns), queens(Ns, [], Qs).
queens([], Qs, Qs).
queens(Unplaced, Safe, Qs) :- sel(Q, Unplaced, R), \\+ attack(Q, Safe), queens(R, [Q|Safe], Qs).
attack(X, Xs) :- attack(X, 1, Xs).
attack(X, N, [Y|_]) :- X is Y + N.
attack(X, N, [Y|_]) :- X is Y - N.
attack(X, N, [_|Ys]) :- N1 is N + 1, attack(X, N1, Ys).
range(N, N, [N]) :- !.
range(M, N, [M|Ns]) :- M < N, M1 is M + 1, range(M1, N, Ns).
bench(K, N) :- ( between(2, K, _), queens(8, _), fail ; true ), findall(Q, queens(8, Q), L), length(L, N).
`

/** Takeuchi's function, deterministic with cut: tak(18, 12, 6) = 7. */
export const TAK = `tak(X, Y, Z, A) :- X =< Y, !, Z = A.
tak(X, Y, Z, A) :- X1 is X - 1, Y1 is Y - 1, Z1 is Z - 1,
  tak(X1, Y, Z, A1), tak(Y1, Z, X, A2), tak(Z1, X, Y, A3), tak(A1, A2, A3, A).
bench(K, N) :- ( between(2, K, _), tak(18, 12, 6, _), fail ; true ), tak(18, 12, 6, N).
`

/** The zebra puzzle: houses h(Colour, Nation, Pet, Drink, Smoke) found by unification. */
export const ZEBRA = `right_of(X, Y, [Y, X|_]).
right_of(X, Y, [_|T]) :- right_of(X, Y, T).
next_to(X, Y, L) :- right_of(X, Y, L).
next_to(X, Y, L) :- right_of(Y, X, L).
mem(X, [X|_]).
mem(X, [_|T]) :- mem(X, T).
zebra(Owner, Water) :- Hs = [h(_, norwegian, _, _, _), _, h(_, _, _, milk, _), _, _],
  mem(h(red, english, _, _, _), Hs), mem(h(green, _, _, coffee, _), Hs),
  right_of(h(green, _, _, _, _), h(ivory, _, _, _, _), Hs), mem(h(_, spanish, dog, _, _), Hs),
  mem(h(yellow, _, _, _, kools), Hs), mem(h(_, ukrainian, _, tea, _), Hs), mem(h(_, _, snails, _, winston), Hs),
  next_to(h(_, _, _, _, chesterfield), h(_, _, fox, _, _), Hs), next_to(h(_, _, _, _, kools), h(_, _, horse, _, _), Hs),
  mem(h(_, _, _, orange_juice, lucky), Hs), mem(h(_, japanese, _, _, parliament), Hs),
  next_to(h(_, norwegian, _, _, _), h(blue, _, _, _, _), Hs), mem(h(_, Owner, zebra, _, _), Hs),
  mem(h(_, Water, _, water, _), Hs).
bench(K, N) :- ( between(2, K, _), zebra(_, _), fail ; true ), findall(O-W, zebra(O, W), [japanese-norwegian]), N = 1.
`

/** SEND + MORE = MONEY, column by column with carries, digits chosen by selection. */
export const CRYPT = `${SEL}
crypt(S, E, N, D, M, O, R, Y) :- Ds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  sel(D, Ds, R1), sel(E, R1, R2), T1 is D + E, Y is T1 mod 10, C1 is T1 // 10, sel(Y, R2, R3),
  sel(N, R3, R4), sel(R, R4, R5), T2 is N + R + C1, E =:= T2 mod 10, C2 is T2 // 10,
  sel(O, R5, R6), T3 is E + O + C2, N =:= T3 mod 10, C3 is T3 // 10,
  sel(S, R6, R7), S > 0, sel(M, R7, _), M > 0, T4 is S + M + C3, O =:= T4 mod 10, M =:= T4 // 10.
bench(K, N) :- ( between(2, K, _), crypt(_, _, _, _, _, _, _, _), fail ; true ),
  findall(S-E-N0-D-M-O-R-Y, crypt(S, E, N0, D, M, O, R, Y), [S-E-N0-D-M-O-R-Y]),
  N is S * 1000 + E * 100 + N0 * 10 + D.
`

/** Symbolic differentiation (Warren's ops8, divide10, log10, times10), with cuts and first-argument indexing. */
export const DERIV = `d(U + V, X, DU + DV) :- !, d(U, X, DU), d(V, X, DV).
d(U - V, X, DU - DV) :- !, d(U, X, DU), d(V, X, DV).
d(U * V, X, DU * V + U * DV) :- !, d(U, X, DU), d(V, X, DV).
d(U / V, X, (DU * V - U * DV) / V ^ 2) :- !, d(U, X, DU), d(V, X, DV).
d(U ^ N, X, DU * N * U ^ N1) :- !, integer(N), N1 is N - 1, d(U, X, DU).
d(- U, X, - DU) :- !, d(U, X, DU).
d(exp(U), X, exp(U) * DU) :- !, d(U, X, DU).
d(log(U), X, DU / U) :- !, d(U, X, DU).
d(X, X, 1) :- !.
d(_, _, 0).
all(A, B, C, D) :- d((x + 1) * ((x ^ 2 + 2) * (x ^ 3 + 3)), x, A),
  d(((((((((x / x) / x) / x) / x) / x) / x) / x) / x) / x, x, B),
  d(log(log(log(log(log(log(log(log(log(log(x)))))))))), x, C),
  d(((((((((x * x) * x) * x) * x) * x) * x) * x) * x) * x, x, D).
size(T, 1) :- atomic(T), !.
size(T, N) :- T =.. [_|As], sizes(As, 1, N).
sizes([], N, N).
sizes([A|As], N0, N) :- size(A, S), N1 is N0 + S, sizes(As, N1, N).
bench(K, N) :- ( between(2, K, _), all(_, _, _, _), fail ; true ), all(A, B, C, D), size(f(A, B, C, D), N).
`
