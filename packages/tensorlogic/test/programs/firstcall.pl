% A clause's first body call runs without a goal frame (the engine makes one only when the call needs it): long
% deterministic chains (past the 1024 calls run in a row), first calls that leave choicepoints, first calls that are
% control constructs, negation, built-ins or call/N, cuts after them and inside them, and cuts in the callee.
count(N, N) :- !.
count(I, N) :- I1 is I + 1, count(I1, N).
len([], 0).
len([_|T], N) :- len(T, M), N is M + 1.
mk(0, []) :- !.
mk(N, [N|T]) :- M is N - 1, mk(M, T).
deep(N, M) :- mk(N, L), len(L, M).
app([], L, L).
app([H|T], L, [H|R]) :- app(T, L, R).
nrev([], []).
nrev([H|T], R) :- nrev(T, RT), app(RT, [H], R).
split(L, A, B) :- app(A, B, L).
opt(1).
opt(2).
opt(3).
first_nd(X, Y) :- member(X, [1, 2, 3]), Y is X * 2.
pick(X) :- opt(X), X > 1, !.
pick(none).
disj(X, Y) :- (X = a ; X = b), opt(Y), Y < 3.
ite(X, Y) :- (opt(X), X > 1 -> Y = yes ; Y = no).
cut_in_first(X, Y) :- (opt(X) -> Y = X ; Y = 0), opt(Y).
via_call(G, X) :- call(G, X), X > 1.
neg(X) :- \+ opt(X), X > 0.
cut_after(X) :- opt(X), !.
dcut(X, Y) :- (opt(X), X > 1, ! ; X = 9), opt(Y).
cuts(X, Y) :- cut_after(X), opt(Y).
chain(X, Z) :- step(X, Y), step(Y, Z).
step(a, b).
step(b, c).
step(b, d).
step(c, e).
walk(X, X, []).
walk(X, Z, [Y|P]) :- step(X, Y), walk(Y, Z, P).
%? count(0, 3000)
%? deep(5000, M)
%? mk(1200, L), nrev(L, R), R = [F, S|_], len(R, N)
%? split([1, 2, 3], A, B)
%? first_nd(X, Y)
%? pick(X)
%? disj(X, Y)
%? ite(X, Y)
%? cut_in_first(X, Y)
%? via_call(opt, X)
%? neg(4)
%? neg(2)
%? cut_after(X)
%? opt(A), dcut(X, Y)
%? cuts(X, Y)
%? chain(a, Z)
%? walk(a, Z, P)
