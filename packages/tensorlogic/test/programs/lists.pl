% List processing without cuts.
my_append([], L, L).
my_append([H|T], L, [H|R]) :- my_append(T, L, R).
nrev([], []).
nrev([H|T], R) :- nrev(T, RT), my_append(RT, [H], R).
len([], 0).
len([_|T], N) :- len(T, M), N is M + 1.
sum([], 0).
sum([H|T], S) :- sum(T, S0), S is S0 + H.
perm([], []).
perm(L, [H|T]) :- select(H, L, R), perm(R, T).
prefix(P, L) :- my_append(P, _, L).
%? my_append(X, Y, [a, b, c])
%? nrev([1, 2, 3, 4, 5, 6], R)
%? len([a, b, c, d], N)
%? sum([1, 2, 3, 4.5], S)
%? perm([1, 2, 3], P)
%? prefix(P, [x, y, z])
%? member(X, [c, a, b]), X @> a
%? append(X, [c], [a, b, c])
%? length(L, 2)
%? reverse([1, [2, 3], "s"], R)
%? nth0(1, [a, b, c], E), nth1(I, [a, b, c], c)
%? msort([b, a, c, a], M), sort([b, a, c, a], S)
%? last([1, 2, 3], X), sum_list([1, 2, 3], S)
