% Datalog recursion with no `:- table` line: recursive function-free predicates are tabled automatically, so left
% recursion, right recursion, double recursion and cycles end with every answer whatever the clause order.
parent(tom, bob). parent(bob, ann). parent(ann, joe). parent(joe, tom). parent(liz, pat).
anc(X, Y) :- anc(X, Z), parent(Z, Y).
anc(X, Y) :- parent(X, Y).
anc2(X, Y) :- parent(X, Y).
anc2(X, Y) :- parent(X, Z), anc2(Z, Y).
anc3(X, Y) :- anc3(X, Z), anc3(Z, Y).
anc3(X, Y) :- parent(X, Y).
edge(a, b). edge(b, c). edge(c, a). edge(c, d). edge(d, e). edge(e, d). edge(f, f). edge(g, a).
path(X, Y) :- path(X, Z), edge(Z, Y).
path(X, Y) :- edge(X, Y).
same_scc(X, Y) :- path(X, Y), path(Y, X).
odd_path(X, Y) :- edge(X, Y).
odd_path(X, Y) :- even_path(X, Z), edge(Z, Y).
even_path(X, Y) :- odd_path(X, Z), edge(Z, Y).
loop(X) :- loop(X).
%?set anc(bob, X)
%?set anc(X, tom)
%?set anc(X, Y)
%?set anc2(liz, X)
%?set anc2(X, X)
%?set anc3(tom, X)
%?set path(a, X)
%?set path(X, d)
%?set path(X, Y)
%?set same_scc(a, X)
%?set odd_path(a, X)
%?set even_path(X, Y)
%?set loop(x)
%?set path(g, X), \+ path(X, g)
