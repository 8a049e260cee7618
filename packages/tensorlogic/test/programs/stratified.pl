% Negation through recursion, stratified: a lower stratum is complete before a higher one negates it.
edge(1, 2). edge(2, 3). edge(3, 1). edge(3, 4). edge(4, 5). edge(6, 7).
node(1). node(2). node(3). node(4). node(5). node(6). node(7).
reach(X, Y) :- reach(X, Z), edge(Z, Y).
reach(X, Y) :- edge(X, Y).
unreachable(X, Y) :- node(X), node(Y), \+ reach(X, Y).
on_cycle(X) :- reach(X, X).
acyclic_reach(X, Y) :- reach(X, Y), \+ on_cycle(Y).
chain(X, Y) :- acyclic_reach(X, Y).
chain(X, Y) :- chain(X, Z), acyclic_reach(Z, Y).
sink(X) :- node(X), \+ edge(X, _).
to_sink(X, Y) :- reach(X, Y), sink(Y).
count_reach(X, N) :- node(X), aggregate_all(count, reach(X, _), N).
%?set unreachable(1, X)
%?set unreachable(X, 1)
%?set on_cycle(X)
%?set acyclic_reach(X, Y)
%?set chain(1, X)
%?set to_sink(X, Y)
%?set count_reach(X, N)
