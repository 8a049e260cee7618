% Integer (unbounded) and float arithmetic, comparison.
fact(0, 1).
fact(N, F) :- N > 0, N1 is N - 1, fact(N1, F1), F is N * F1.
fib(0, 0).
fib(1, 1).
fib(N, F) :- N > 1, A is N - 1, B is N - 2, fib(A, FA), fib(B, FB), F is FA + FB.
gcd(X, 0, X) :- X > 0.
gcd(X, Y, G) :- Y > 0, R is X mod Y, gcd(Y, R, G).
sum_to(0, 0).
sum_to(N, S) :- N > 0, M is N - 1, sum_to(M, S0), S is S0 + N.
%? fact(25, F)
%? fib(15, F)
%? gcd(1071, 462, G)
%? sum_to(200, S)
%? X is 7 / 2, Y is 8 / 2, Z is 7 // 2, W is -7 // 2
%? X is 7 mod -2, Y is -7 mod 2, Z is 7 rem -2, W is -7 rem 2
%? X is 2 ** 10, Y is 2 ** 0.5, Z is 2 ^ 100
%? X is max(3, 4.0), Y is min(3, 3.5), Z is abs(-7), W is sign(-2.5)
%? X is 1.5 + 2, Y is 3 * 1.0, Z is 10 / 4.0, W is truncate(3.7)
%? X is floor(-2.5), Y is ceiling(2.1), Z is round(2.5), W is integer(-2.5)
%? X is 5 /\ 3, Y is 5 \/ 3, Z is 5 xor 3, W is 1 << 70
%? 1 =:= 1.0, 2 < 3, 3.5 >= 3, 2 =\= 3, X = yes
%? X is 123456789012345678901234567890 * 98765432109876543210
