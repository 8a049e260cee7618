% Negation as failure and if-then-else.
bird(tweety). bird(opus). bird(polly).
penguin(opus).
flies(X) :- bird(X), \+ penguin(X).
item(1). item(2). item(3). item(4). item(5).
odd(X) :- 1 =:= X mod 2.
even_item(X) :- item(X), \+ odd(X).
classify(X, C) :- item(X), ( X < 3 -> C = small ; X =:= 3 -> C = medium ; C = large ).
not_member(_, []).
not_member(X, [H|T]) :- X \= H, not_member(X, T).
lonely(X) :- item(X), \+ (item(Y), Y =:= X + 1).
%? flies(X)
%? even_item(X)
%? classify(X, C)
%? not_member(z, [a, b, c]), X = ok
%? item(X), not_member(X, [2, 4])
%? lonely(X)
%? \+ flies(opus), X = true
%? item(X), \+ \+ X = 3
