/**
 * Matrix-multiply dispatch for attention and linear cross-entropy: gemmNT /
 * gemmNN / gemmTN with the signatures and semantics of js/gemm.ts (C (+)= op(A)·op(B),
 * each entry a double sum over p rounded once on the store, 0·NaN = NaN), run by
 * a registered backend's `gemm` (the WebAssembly f64x2 kernel, once
 * kernels/wasm is imported) when the product is large enough to pay for copying
 * the operands into its memory, else by the JavaScript kernel. A call may name its
 * backend (the caller's resolved `backend` option): that backend's gemm if it has one,
 * else JavaScript — so `backend: 'js'` means JavaScript all the way down. Importing
 * this file loads nothing: with only 'js' registered every call is the JavaScript kernel.
 *
 * The WebAssembly kernel packs both operands into panels and keeps a 4×4 block of C
 * in registers (Goto & van de Geijn, "Anatomy of High-Performance Matrix
 * Multiplication", ACM TOMS 34(3), 2008); it runs at 14–17 GFLOP/s on 64³ where the
 * JavaScript kernel runs at 3–4.5 (measurements at MIN_MNK below).
 *
 * Accuracy is that of js/gemm.ts: |error| ≤ k·2^−53·Σ_p |a·b| per entry (plain
 * SIMD: bit-identical to JavaScript; relaxed SIMD: fused multiply-adds, no worse).
 *
 * @example
 * const A = { data: q, offset: 0, ld: 64 }; // 128×64
 * const B = { data: k, offset: 0, ld: 64 }; // 256×64
 * const S = new Float64Array(128 * 256);
 * gemmNT({ m: 128, n: 256, k: 64, A, B, C: { data: S, offset: 0, ld: 256 }, beta: 0 }); // S = Q·Kᵀ
 */
import { type Backend, gemmBackend } from './backend.js';
import { gemmNN as jsGemmNN, gemmNT as jsGemmNT, gemmTN as jsGemmTN } from './js/gemm.js';
import type { GemmForm, GemmProduct } from './kernel-args.js';

/**
 * Worth copying into WebAssembly: at least MIN_MNK multiply-adds, and at least one per
 * two elements copied, C's counting twice (A, B, C out, C in when beta = 1). Measured
 * (Node 20, AMD EPYC 2.6 GHz shared 2-core machine, best of 5 runs, wasm time including
 * the copies):
 * 12³: JS 2.7–3.2 GFLOP/s, wasm 1.7–2.0; 16³: JS 2.7–3.5, wasm 3.4–3.9; 24³: JS 3.2–3.5,
 * wasm 6.5–7.5; 64³: JS 1.7–4.5, wasm 14–17.7. Thin products: 1×2048×64 JS 0.8–1.0,
 * wasm 1.5–1.7; 64×64×4 JS 2.5–2.7, wasm 4.3–4.6; 64×4096×1 (k = 1, C dominates the
 * copies) JS 1.5, wasm 0.8 — that one stays in JavaScript.
 */
const MIN_MNK = 16 * 16 * 16;

function worthCopying(m: number, n: number, k: number, beta: 0 | 1): boolean {
  const mnk = m * n * k;
  return mnk >= MIN_MNK && 2 * mnk >= m * k + k * n + 2 * (1 + beta) * m * n;
}

function dispatch(
  form: GemmForm,
  js: (p: GemmProduct) => void,
  p: GemmProduct,
  backend: Backend | undefined,
): void {
  const b = backend ?? gemmBackend();
  if (worthCopying(p.m, p.n, p.k, p.beta) && b?.gemm?.({ ...p, form })) return;
  js(p);
}

/** C[m×n] (+)= A[m×k] · B[n×k]ᵀ — dot products of rows (scores = Q·Kᵀ, logits = H·Wᵀ). */
export function gemmNT(p: GemmProduct, backend?: Backend): void {
  dispatch('NT', jsGemmNT, p, backend);
}

/** C[m×n] (+)= A[m×k] · B[k×n] (out = P·V, dH = G·W). */
export function gemmNN(p: GemmProduct, backend?: Backend): void {
  dispatch('NN', jsGemmNN, p, backend);
}

/** C[m×n] (+)= A[k×m]ᵀ · B[k×n] (dV = Pᵀ·dO, dW = Gᵀ·H). */
export function gemmTN(p: GemmProduct, backend?: Backend): void {
  dispatch('TN', jsGemmTN, p, backend);
}
