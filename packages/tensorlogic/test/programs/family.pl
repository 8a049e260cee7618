% Family relations: facts, recursion, inequality.
% ancestor/2 is recursive and function-free: tabled automatically, so its answers are a set (as with SWI tabling).
parent(tom, bob).
parent(tom, liz).
parent(bob, ann).
parent(bob, pat).
parent(pat, jim).
parent(liz, joe).
male(tom). male(bob). male(jim). male(joe).
female(liz). female(ann). female(pat).
father(X, Y) :- parent(X, Y), male(X).
mother(X, Y) :- parent(X, Y), female(X).
grandparent(X, Z) :- parent(X, Y), parent(Y, Z).
sibling(X, Y) :- parent(P, X), parent(P, Y), X \= Y.
ancestor(X, Y) :- parent(X, Y).
ancestor(X, Y) :- parent(X, Z), ancestor(Z, Y).
cousin(X, Y) :- parent(A, X), parent(B, Y), sibling(A, B).
%?set ancestor(tom, X)
%?set ancestor(X, jim)
%? sibling(X, Y)
%? grandparent(G, C), female(C)
%? mother(M, C)
%? cousin(X, Y)
%? father(F, C), \+ male(C)
