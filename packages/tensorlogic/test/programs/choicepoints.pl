% A predicate's choicepoint is pushed only once a clause's head and leading built-ins succeed without a cut, as of
% before that clause: bindings made while entering it must still be undone when the next clause is tried.
p(X, Y) :- X = a, Y = 1.
p(X, Y) :- X = b, Y = 2.
q(R) :- p(X, Y), R = X-Y.
r(f(Z), Z) :- Z = 1.
r(f(2), 2).
s(X, Y) :- Y = 1, X > 5, !.
s(_, 2).
t(X) :- X > 0, !, X > 5.
t(0).
u(g(A, B), A, B) :- A = 1.
u(g(A, B), B, A) :- B = 2.
u(h, c, d).
v(L, X) :- L = [X|_], X > 1.
v([_|T], X) :- v(T, X).
w(X, Y) :- u(X, A, B), Y = A-B.
%? q(R)
%? r(A, B)
%? r(f(Z), Z)
%? s(3, Y)
%? s(7, Y)
%? t(3)
%? t(0)
%? t(9)
%? u(T, P, Q)
%? u(g(1, 2), P, Q)
%? v([1, 2, 3, 0, 4], X)
%? w(X, Y)
%? findall(X-Y, w(X, Y), L)
