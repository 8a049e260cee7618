% Compiled arithmetic: comparisons run as JS operators on the two values (integers and floats, mixed), and `is/2`
% with its left side already bound compares an integer in place (an integer never equals a float).
cmp(lt, X, Y) :- X < Y.
cmp(gt, X, Y) :- X > Y.
cmp(le, X, Y) :- X =< Y.
cmp(ge, X, Y) :- X >= Y.
cmp(eq, X, Y) :- X =:= Y.
cmp(ne, X, Y) :- X =\= Y.
cmps(X, Y, L) :- findall(Op, cmp(Op, X, Y), L).
next(X, Y) :- X is Y + 1.
half(X, Y) :- X is Y / 2.
both(X, Y, Z) :- Z = X, Z is Y * 2.
%? cmps(1, 2, L)
%? cmps(2, 2, L)
%? cmps(2, 2.0, L)
%? cmps(2.5, 2, L)
%? cmps(-3, 2 - 5, L)
%? cmps(123456789012345678901234567890, 123456789012345678901234567891, L)
%? next(3, 2)
%? next(4, 2)
%? next(3.0, 2)
%? next(3, 2.0)
%? next(3.0, 2.0)
%? next(X, 2)
%? next(a, 2)
%? next(f(X), 2)
%? next(123456789012345678901234567891, 123456789012345678901234567890)
%? half(1, 2)
%? half(1.5, 3)
%? half(1, 3)
%? both(4, 2, Z)
%? both(4.0, 2, Z)
%? both(X, 2, Z)
