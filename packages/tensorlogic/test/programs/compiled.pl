% Clause shapes the clause compiler specialises: guards and a cut run inside head unification, variables first
% bound by is/2 or =/2, nested head structures matched or built, repeated head variables, constants of every kind.
tak(X, Y, Z, A) :- X =< Y, !, Z = A.
tak(X, Y, Z, A) :- X1 is X - 1, Y1 is Y - 1, Z1 is Z - 1,
  tak(X1, Y, Z, A1), tak(Y1, Z, X, A2), tak(Z1, X, Y, A3), tak(A1, A2, A3, A).
classify(X, small) :- X < 10, !.
classify(X, medium) :- X < 100, !, X > 50.
classify(_, large).
same(X, X).
pair(f(X, g(Y, X)), Y, [X, Y|_]).
kinds(1, 2.5, "s", a, f(b), [c]).
twice(X, Y) :- Y = f(X, X), X = 1.
bound_is(X) :- 6 is X * 2.
late(X, Y) :- member(X, [1, 2, 3]), Y is X * 10, Y > 15.
mixed(X, Y) :- Y is X / 2, Y >= 1.0.
big(X) :- X is 2 ** 64 + 1.
eq(X, Y, Z) :- X = Y, Y = Z.
cmp(X) :- X =:= 3.0.
neq(X) :- X =\= 3.
mid(X, Y) :- member(X, [1, 2, 3]), Y = g(X), 2 is X, Y = g(_).
kind_of(X, atom) :- atom(X), !.
kind_of(X, pair) :- compound(X), functor(X, _, N), N > 1, !, arg(1, X, a).
kind_of(_, other).
%? tak(18, 12, 6, A)
%? kind_of(foo, K)
%? kind_of(f(a, b), K)
%? kind_of(f(b, a), K)
%? kind_of(f(a), K)
%? kind_of(X, K)
%? classify(5, C)
%? classify(70, C)
%? classify(30, C)
%? classify(500, C)
%? same(a, B)
%? same(f(X), f(1))
%? pair(P, Q, R)
%? pair(f(1, g(2, 1)), Q, R)
%? pair(f(1, g(2, 3)), Q, R)
%? kinds(A, B, C, D, E, F)
%? kinds(1, 2.5, "s", a, f(X), [Y])
%? kinds(2, B, C, D, E, F)
%? twice(A, B)
%? bound_is(3)
%? bound_is(4)
%? late(X, Y)
%? mixed(4, Y)
%? mixed(1, Y)
%? big(X)
%? eq(A, B, 7)
%? cmp(3)
%? neq(4)
%? neq(3)
%? mid(X, Y)
