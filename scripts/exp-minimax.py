"""The coefficients of the f32 exp polynomial in src/kernels/wasm/assembly/exp.ts.

e^r ≈ 1 + r + r²·Q(r) on |r| ≤ ln2/2, Q of degree DEG, minimax for the relative error
r²·(Q(r) − g(r))/e^r with g(r) = (e^r − 1 − r)/r², by the Remez exchange algorithm in
30-digit arithmetic. Prints the equioscillation level (the truncation error) and the
coefficients rounded to f32. Run: python3 scripts/exp-minimax.py [DEG=4] (needs mpmath).
"""
import struct
import sys

import mpmath as mp

mp.mp.dps = 30
DEG = int(sys.argv[1]) if len(sys.argv) > 1 else 4
N = DEG + 1  # unknown coefficients; with the level E, N + 1 reference points
a, b = -mp.log(2) / 2, mp.log(2) / 2


def g(r):
    return (mp.expm1(r) - r) / r**2


def weight(r):
    return r**2 / mp.e**r


grid = [a + (b - a) * i / 4000 for i in range(4001)]
grid = [r for r in grid if r != 0]
ref = [a + (b - a) * (i + 0.37) / (N + 0.74) for i in range(N + 1)]
for _ in range(30):
    A = mp.matrix(N + 1, N + 1)
    y = mp.matrix(N + 1, 1)
    for i, r in enumerate(ref):
        for j in range(N):
            A[i, j] = r**j
        A[i, N] = (-1) ** i / weight(r)
        y[i] = g(r)
    sol = mp.lu_solve(A, y)
    c = [sol[j] for j in range(N)]
    vals = [weight(r) * (g(r) - sum(c[j] * r**j for j in range(N))) for r in grid]
    # the next reference: local maxima of |error|, alternating in sign, the N + 1 largest
    peaks = [i for i in range(len(grid))
             if all(abs(vals[i]) >= abs(vals[k]) for k in (i - 1, i + 1) if 0 <= k < len(grid))]
    alt = []
    for i in peaks:
        if alt and mp.sign(vals[i]) == mp.sign(vals[alt[-1]]):
            if abs(vals[i]) > abs(vals[alt[-1]]):
                alt[-1] = i
        else:
            alt.append(i)
    while len(alt) > N + 1:
        alt.pop(0 if abs(vals[alt[0]]) < abs(vals[alt[-1]]) else -1)
    ref = [grid[i] for i in alt]
print('max relative truncation error', mp.nstr(max(abs(v) for v in vals), 5))
for j in range(N):
    f32 = struct.unpack('f', struct.pack('f', float(c[j])))[0]
    print(f'Q{j} = {f32!r}')
