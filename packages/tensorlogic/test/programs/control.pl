% Cut, once, findall, between, forall.
max(X, Y, X) :- X >= Y, !.
max(_, Y, Y).
first_big([H|_], H) :- H > 10, !.
first_big([_|T], X) :- first_big(T, X).
color(red). color(green). color(blue).
t(X) :- color(X), !.
t(none).
squares(N, L) :- findall(X-Y, (between(1, N, X), Y is X * X), L).
%? max(3, 7, M)
%? max(9, 2, M)
%? first_big([1, 20, 5, 30], X)
%? t(X)
%? squares(5, L)
%? findall(C, color(C), Cs), length(Cs, N)
%? between(1, 4, X), X mod 2 =:= 0
%? forall(color(C), atom(C)), X = yes
%? once(color(C))
%? color(C), (C == green -> R = g ; R = other)
%? findall(X, (member(X, [3, 1, 2]), X > 1), L)
%? (color(X), X \== red ; X = black)
