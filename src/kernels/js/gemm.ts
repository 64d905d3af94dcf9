/**
 * Small matrix-multiply micro-kernels (portable JavaScript, double accumulation),
 * shared by flash-style attention and large-vocabulary cross-entropy. Matrices
 * are row-major views (array, offset, leading dimension). `beta` is 0 (C = …)
 * or 1 (C += …). Four output rows are computed per sweep so each loaded element
 * of the shared operand is reused four times.
 */
import type { FloatArray } from '../../tensor/types.js';

/** A row-major matrix view: element (i, j) at data[offset + i·ld + j]. */
export interface MatrixView {
  readonly data: FloatArray;
  readonly offset: number;
  readonly ld: number;
}

/** C[m×n] (+)= A[m×k] · B[n×k]ᵀ — dot products of rows (scores = Q·Kᵀ, logits = H·Wᵀ). */
export function gemmNT(
  m: number,
  n: number,
  k: number,
  A: MatrixView,
  B: MatrixView,
  C: MatrixView,
  beta: 0 | 1,
): void {
  const a = A.data;
  const b = B.data;
  const c = C.data;
  for (let i = 0; i < m; i++) {
    const ai = A.offset + i * A.ld;
    const ci = C.offset + i * C.ld;
    for (let j = 0; j < n; j++) {
      const bj = B.offset + j * B.ld;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let p = 0;
      for (; p + 4 <= k; p += 4) {
        s0 += a[ai + p]! * b[bj + p]!;
        s1 += a[ai + p + 1]! * b[bj + p + 1]!;
        s2 += a[ai + p + 2]! * b[bj + p + 2]!;
        s3 += a[ai + p + 3]! * b[bj + p + 3]!;
      }
      for (; p < k; p++) s0 += a[ai + p]! * b[bj + p]!;
      const s = s0 + s1 + (s2 + s3);
      c[ci + j] = beta === 0 ? s : c[ci + j]! + s;
    }
  }
}

/** C[m×n] (+)= A[m×k] · B[k×n] (out = P·V, dH = G·W). */
export function gemmNN(
  m: number,
  n: number,
  k: number,
  A: MatrixView,
  B: MatrixView,
  C: MatrixView,
  beta: 0 | 1,
): void {
  const a = A.data;
  const b = B.data;
  const c = C.data;
  for (let i = 0; i < m; i++) {
    const ci = C.offset + i * C.ld;
    if (beta === 0) c.fill(0, ci, ci + n);
    const ai = A.offset + i * A.ld;
    for (let p = 0; p < k; p++) {
      const av = a[ai + p]!;
      if (av === 0) continue;
      const bp = B.offset + p * B.ld;
      for (let j = 0; j < n; j++) c[ci + j] = c[ci + j]! + av * b[bp + j]!;
    }
  }
}

/** C[m×n] (+)= A[k×m]ᵀ · B[k×n] (dV = Pᵀ·dO, dW = Gᵀ·H). */
export function gemmTN(
  m: number,
  n: number,
  k: number,
  A: MatrixView,
  B: MatrixView,
  C: MatrixView,
  beta: 0 | 1,
): void {
  const a = A.data;
  const b = B.data;
  const c = C.data;
  if (beta === 0)
    for (let i = 0; i < m; i++) c.fill(0, C.offset + i * C.ld, C.offset + i * C.ld + n);
  for (let p = 0; p < k; p++) {
    const ap = A.offset + p * A.ld;
    const bp = B.offset + p * B.ld;
    for (let i = 0; i < m; i++) {
      const av = a[ap + i]!;
      if (av === 0) continue;
      const ci = C.offset + i * C.ld;
      for (let j = 0; j < n; j++) c[ci + j] = c[ci + j]! + av * b[bp + j]!;
    }
  }
}
