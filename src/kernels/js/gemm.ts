/**
 * Small matrix-multiply micro-kernels (portable JavaScript, double accumulation),
 * shared by flash-style attention and large-vocabulary cross-entropy. Matrices
 * are row-major views (array, offset, leading dimension). `beta` is 0 (C = …)
 * or 1 (C += …).
 *
 * The three forms are one strided kernel (A(i, p) = a[ao + i·sai + p·sap],
 * B(p, j) = b[bo + p·sbp + j·sbj]). Register blocking: it computes a 4×4
 * block of C in 16 local accumulators, loading 4 elements of A and 4 of B per step of the shared
 * dimension (8 loads for 16 multiply-adds instead of 2 per 1). Rows and
 * columns left over when m or n is not a multiple of 4 go through one strided
 * dot-product edge kernel. Each C entry is one left-to-right sum over p in
 * double, rounded once on the store (Float32 C) — the same value whatever the
 * blocking, so tiles of a larger product agree bit for bit with the whole.
 *
 * Measured (256×512×64, Float64, on the shared 2-core machine under load):
 * ~1.1–3 GFLOP/s for each form, against 0.3–0.8 for the unblocked loops it
 * replaced (2–4×). src/kernels/gemm.ts sends large products to WebAssembly.
 */
import type { FloatArray } from '../../tensor/types.js';
import type { GemmProduct, MatrixView } from '../kernel-args.js';

/**
 * Edge kernel: C(i, j) (+)= Σ_p A(i, p)·B(p, j) for i in [i0, m), j in [j0, n)
 * and for i < i0, j in [j0, n) — i.e. everything outside the [0, i0)×[0, j0)
 * block. A(i, p) = a[ao + i·sai + p·sap], B(p, j) = b[bo + p·sbp + j·sbj].
 */
function edge(
  m: number,
  n: number,
  k: number,
  i0: number,
  j0: number,
  a: FloatArray,
  ao: number,
  sai: number,
  sap: number,
  b: FloatArray,
  bo: number,
  sbp: number,
  sbj: number,
  C: MatrixView,
  beta: 0 | 1,
): void {
  const c = C.data;
  for (let i = 0; i < m; i++)
    for (let j = i < i0 ? j0 : 0; j < n; j++) {
      let s = 0;
      let pa = ao + i * sai;
      let pb = bo + j * sbj;
      for (let p = 0; p < k; p++, pa += sap, pb += sbp) s += a[pa]! * b[pb]!;
      const ci = C.offset + i * C.ld + j;
      c[ci] = beta === 0 ? s : c[ci]! + s;
    }
}

/**
 * C(i, j) (+)= Σ_p A(i, p)·B(p, j) over the strided views of {@link edge}: the
 * 4×4 register-blocked part, then the edge kernel for the leftover rows/columns.
 */
// biome-ignore format: the 4×4 register block reads as a grid
function blocked(
  m: number, n: number, k: number,
  a: FloatArray, ao: number, sai: number, sap: number,
  b: FloatArray, bo: number, sbp: number, sbj: number,
  C: MatrixView, beta: 0 | 1,
): void {
  const c = C.data;
  const ldc = C.ld;
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    const a0 = ao + i * sai;
    const a1 = a0 + sai;
    const a2 = a1 + sai;
    const a3 = a2 + sai;
    for (let j = 0; j < n4; j += 4) {
      const b0 = bo + j * sbj;
      const b1 = b0 + sbj;
      const b2 = b1 + sbj;
      const b3 = b2 + sbj;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0, pa = 0, pb = 0; p < k; p++, pa += sap, pb += sbp) {
        const x0 = a[a0 + pa]!, x1 = a[a1 + pa]!, x2 = a[a2 + pa]!, x3 = a[a3 + pa]!;
        const y0 = b[b0 + pb]!, y1 = b[b1 + pb]!, y2 = b[b2 + pb]!, y3 = b[b3 + pb]!;
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      let ci = C.offset + i * ldc + j;
      if (beta === 0) {
        c[ci] = c00; c[ci + 1] = c01; c[ci + 2] = c02; c[ci + 3] = c03; ci += ldc;
        c[ci] = c10; c[ci + 1] = c11; c[ci + 2] = c12; c[ci + 3] = c13; ci += ldc;
        c[ci] = c20; c[ci + 1] = c21; c[ci + 2] = c22; c[ci + 3] = c23; ci += ldc;
        c[ci] = c30; c[ci + 1] = c31; c[ci + 2] = c32; c[ci + 3] = c33;
      } else {
        c[ci] += c00; c[ci + 1] += c01; c[ci + 2] += c02; c[ci + 3] += c03; ci += ldc;
        c[ci] += c10; c[ci + 1] += c11; c[ci + 2] += c12; c[ci + 3] += c13; ci += ldc;
        c[ci] += c20; c[ci + 1] += c21; c[ci + 2] += c22; c[ci + 3] += c23; ci += ldc;
        c[ci] += c30; c[ci + 1] += c31; c[ci + 2] += c32; c[ci + 3] += c33;
      }
    }
  }
  edge(m, n, k, m4, n4, a, ao, sai, sap, b, bo, sbp, sbj, C, beta);
}

/** C[m×n] (+)= A[m×k] · B[n×k]ᵀ — dot products of rows (scores = Q·Kᵀ, logits = H·Wᵀ). */
export function gemmNT({ m, n, k, A, B, C, beta }: GemmProduct): void {
  blocked(m, n, k, A.data, A.offset, A.ld, 1, B.data, B.offset, 1, B.ld, C, beta);
}

/** C[m×n] (+)= A[m×k] · B[k×n] (out = P·V, dH = G·W). */
export function gemmNN({ m, n, k, A, B, C, beta }: GemmProduct): void {
  blocked(m, n, k, A.data, A.offset, A.ld, 1, B.data, B.offset, B.ld, 1, C, beta);
}

/** C[m×n] (+)= A[k×m]ᵀ · B[k×n] (dV = Pᵀ·dO, dW = Gᵀ·H). */
export function gemmTN({ m, n, k, A, B, C, beta }: GemmProduct): void {
  blocked(m, n, k, A.data, A.offset, 1, A.ld, B.data, B.offset, B.ld, 1, C, beta);
}
