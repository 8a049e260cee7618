% Cut-free recursion: Peano numbers, Ackermann, Hanoi, binary trees.
nat(0).
nat(s(X)) :- nat(X).
add(0, Y, Y).
add(s(X), Y, s(Z)) :- add(X, Y, Z).
times(0, _, 0).
times(s(X), Y, Z) :- times(X, Y, W), add(W, Y, Z).
ack(0, N, R) :- R is N + 1.
ack(M, 0, R) :- M > 0, M1 is M - 1, ack(M1, 1, R).
ack(M, N, R) :- M > 0, N > 0, M1 is M - 1, N1 is N - 1, ack(M, N1, R1), ack(M1, R1, R).
hanoi(0, _, _, _, []).
hanoi(N, A, B, C, Moves) :- N > 0, M is N - 1, hanoi(M, A, C, B, M1), hanoi(M, C, B, A, M2), append(M1, [A-B|M2], Moves).
insert(X, nil, t(nil, X, nil)).
insert(X, t(L, V, R), t(L1, V, R)) :- X < V, insert(X, L, L1).
insert(X, t(L, V, R), t(L, V, R1)) :- X >= V, insert(X, R, R1).
build([], T, T).
build([H|Tl], T0, T) :- insert(H, T0, T1), build(Tl, T1, T).
inorder(nil, []).
inorder(t(L, V, R), Xs) :- inorder(L, Ls), inorder(R, Rs), append(Ls, [V|Rs], Xs).
%? add(X, Y, s(s(s(0))))
%? times(s(s(0)), s(s(s(0))), Z)
%? ack(2, 3, R)
%? hanoi(3, a, b, c, M)
%? build([5, 3, 8, 1, 4, 7, 9], nil, T), inorder(T, L)
%? nat(s(s(0))), X = yes
