import { describe, expect, it } from 'vitest';
import { gemmNN, gemmNT, gemmTN } from '../../../src/kernels/js/gemm.js';
import type { MatrixView } from '../../../src/kernels/kernel-args.js';
import type { FloatArray } from '../../../src/tensor/types.js';
import { randomArray } from '../../helpers/finite-difference.js';

type Gemm = typeof gemmNT;

/** A(i, p), B(p, j) readers for each variant, and the naive left-to-right double reference. */
const variants: [
  string,
  Gemm,
  (A: MatrixView, i: number, p: number) => number,
  (B: MatrixView, p: number, j: number) => number,
  (m: number, n: number, k: number) => [number, number, number, number],
][] = [
  [
    'gemmNT',
    gemmNT,
    (A, i, p) => A.data[A.offset + i * A.ld + p]!,
    (B, p, j) => B.data[B.offset + j * B.ld + p]!,
    (m, n, k) => [m, k, n, k],
  ],
  [
    'gemmNN',
    gemmNN,
    (A, i, p) => A.data[A.offset + i * A.ld + p]!,
    (B, p, j) => B.data[B.offset + p * B.ld + j]!,
    (m, n, k) => [m, k, k, n],
  ],
  [
    'gemmTN',
    gemmTN,
    (A, i, p) => A.data[A.offset + p * A.ld + i]!,
    (B, p, j) => B.data[B.offset + p * B.ld + j]!,
    (m, n, k) => [k, m, k, n],
  ],
];

function view(
  rows: number,
  cols: number,
  seed: number,
  f32: boolean,
  pad = 3,
  off = 5,
): MatrixView {
  const ld = cols + pad;
  const raw = randomArray(off + rows * ld, seed, -2, 2);
  const data: FloatArray = f32 ? Float32Array.from(raw) : raw;
  return { data, offset: off, ld };
}

describe('gemm micro-kernels: against the naive double sum', () => {
  for (const [name, gemm, getA, getB, dims] of variants)
    for (const f32 of [false, true])
      it(`${name} ${f32 ? 'Float32' : 'Float64'}: m, n, k around the 4×4 block, offsets, ld > cols, beta 0/1`, () => {
        for (const [m, n, k] of [
          [1, 1, 1],
          [3, 5, 2],
          [4, 4, 4],
          [5, 7, 9],
          [8, 12, 16],
          [13, 9, 1],
          [16, 3, 33],
        ] as const) {
          const [ar, ac, br, bc] = dims(m, n, k);
          const A = view(ar, ac, m * 31 + k, f32);
          const B = view(br, bc, n * 17 + k + 1, f32);
          for (const beta of [0, 1] as const) {
            const C = view(m, n, 99, f32);
            const before = Float64Array.from(C.data);
            gemm({ m, n, k, A, B, C, beta });
            for (let i = 0; i < m; i++)
              for (let j = 0; j < n; j++) {
                let s = 0;
                for (let p = 0; p < k; p++) s += getA(A, i, p) * getB(B, p, j);
                const at = C.offset + i * C.ld + j;
                const want = beta === 0 ? s : before[at]! + s;
                expect(C.data[at]).toBe(f32 ? Math.fround(want) : want);
              }
            // Padding and the prefix stay untouched.
            for (let i = 0; i < C.offset; i++) expect(C.data[i]).toBe(before[i]);
            for (let i = 0; i < m; i++)
              for (let j = n; j < C.ld; j++)
                expect(C.data[C.offset + i * C.ld + j]).toBe(before[C.offset + i * C.ld + j]);
          }
        }
      });
});
