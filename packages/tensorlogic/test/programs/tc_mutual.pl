% Mutually recursive tabled predicates and same generation.
:- table a/2, b/2.
e(p, q). e(q, r). e(r, p). e(r, s).
f(q, t). f(t, q). f(s, u).
a(X, Y) :- b(X, Z), e(Z, Y).
a(X, Y) :- e(X, Y).
b(X, Y) :- a(X, Z), f(Z, Y).
b(X, Y) :- f(X, Y).
:- table sg/2.
par(c1, p1). par(c2, p1). par(c3, p2). par(c4, p2). par(p1, g). par(p2, g).
sg(X, X) :- par(X, _).
sg(X, Y) :- par(X, XP), sg(XP, YP), par(Y, YP).
%?set a(p, X)
%?set b(X, Y)
%?set a(X, u)
%?set sg(c1, Y)
%?set sg(X, Y)
