% Left-recursive transitive closure over cyclic graphs, tabled (answer sets compared).
:- table path/2.
edge(1, 2). edge(2, 3). edge(3, 1). edge(3, 4). edge(4, 5). edge(5, 4). edge(6, 6). edge(7, 1).
path(X, Y) :- path(X, Z), edge(Z, Y).
path(X, Y) :- edge(X, Y).
:- table reach/2.
reach(X, Y) :- reach(X, Z), reach(Z, Y).
reach(X, Y) :- edge(X, Y).
%?set path(1, X)
%?set path(X, 4)
%?set path(X, Y)
%?set reach(7, X)
%?set path(X, X)
%?set path(6, X)
