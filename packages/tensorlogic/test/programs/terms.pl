% Unification, term comparison and inspection.
shape(circle(R), A) :- A is 3 * R * R.
shape(rect(W, H), A) :- A is W * H.
pair(X, Y, X-Y).
%? f(X, b) = f(a, Y)
%? f(X, X) = f(a, Z)
%? member(S, [circle(2), rect(3, 4), rect(1, 1)]), shape(S, A), A > 10
%? X = point(1, 2), X =.. L
%? T =.. [foo, a, B], functor(T, N, Ar)
%? functor(T, g, 3), arg(2, T, x)
%? compare(O, f(a), g(a)), compare(P, 1.0, 1), compare(Q, b, "b")
%? X == X, Y = a, Y \== b, f(Z) \== f(W)
%? copy_term(f(X, Y, X), C)
%? msort([f(b), 3, a, "s", 2.0, Z, g(a, b), f(a), "a", b, "c"], L)
%? pair(1, two, P), P = A-B
%? "abc" = S, string(S), atom(abc), \+ atom("abc")
%? X = 'hello world', Y = 'it''s', Z = [], W = '[]'
