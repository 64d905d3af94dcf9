/**
 * The re-weighting (sharpening) stage of LSSAR (Gao & Spratling 2025, "Softplus
 * Attention with Re-weighting Boosts Length Extrapolation in Large Language
 * Models", arXiv:2501.13428), applied to an l1-normalized row a over its n visible
 * entries:
 *
 *   u_j = max(n·a_j − o, 0),   o = 1 when n > 3, else 0,   y_j = u_j^p / Σ_k u_k^p.
 *
 * n·a_j − 1 > 0 exactly when a_j is above the row's mean 1/n, so below-average
 * weights are cut and the rest raised to the power p (p → ∞ tends to argmax; the
 * paper uses p = 3 at the training length and p = 15 for long contexts). The
 * paper's offset is 0 on the first three causal rows; here that is any row of at
 * most three visible entries, which is the same rows in causal self-attention.
 *
 * Stability: the powers are taken of u_j/u_max, so the largest term is exactly 1
 * and n^p never overflows nor the row underflows as a whole; the paper's +eps in
 * the denominator is therefore not needed and is left out (it would bias rows whose
 * u are small). Sums are Neumaier-compensated.
 *
 * VJP: with D = ⟨dy, y⟩, ∂L/∂a_j = n·p·y_j·(dy_j − D)/u_j where u_j > 0, else 0.
 *
 * Error bound (first order): if a carries relative error δ_a, u_k carries
 * δ_k = (δ_a + ε)·n·a_k/u_k + ε, and y_j is within p·(δ_j + Σ_k y_k·δ_k) + (p + 4)·ε
 * relative: a few p ulp for the weights that matter (u of order one), more only
 * for weights barely above the mean. Tested against 60-digit references in
 * test/normalizers/softplus-norm.test.ts.
 *
 * Non-finite policy: a row whose u are all 0 (every visible a_j = 1/n, n > 3; or
 * nothing visible) gives zeros and a zero gradient.
 */
import { addCompensated, type CompensatedSum } from '../kernels/js/exact.js';

/** Replace the l1-normalized row a[0, len) (n of its entries visible) by its re-weighting. */
export function reweightRow(a: Float64Array, len: number, n: number, p: number): void {
  const off = n > 3 ? 1 : 0;
  let uMax = 0;
  for (let j = 0; j < len; j++) {
    const u = n * a[j]! - off;
    a[j] = u > 0 ? u : 0;
    if (u > uMax) uMax = u;
  }
  if (uMax === 0) return;
  const acc: CompensatedSum = { sum: 0, comp: 0 };
  for (let j = 0; j < len; j++) {
    const w = (a[j]! / uMax) ** p;
    a[j] = w;
    addCompensated(acc, w);
  }
  const W = acc.sum + acc.comp;
  for (let j = 0; j < len; j++) a[j] = a[j]! / W;
}

/**
 * Pull dy[dyo, dyo + len) back through the re-weighting of the l1-normalized row
 * a[0, len) (n of its entries visible): g[0, len) ← ∂L/∂a. `u` is scratch of length ≥ len.
 */
export function reweightRowVjp(
  a: Float64Array,
  dy: ArrayLike<number>,
  dyo: number,
  g: Float64Array,
  len: number,
  n: number,
  p: number,
  u: Float64Array,
): void {
  for (let j = 0; j < len; j++) u[j] = a[j]!;
  reweightRow(u, len, n, p); // u ← y
  const acc: CompensatedSum = { sum: 0, comp: 0 };
  for (let j = 0; j < len; j++) addCompensated(acc, dy[dyo + j]! * u[j]!);
  const D = acc.sum + acc.comp;
  const off = n > 3 ? 1 : 0;
  for (let j = 0; j < len; j++) {
    const uj = n * a[j]! - off;
    g[j] = uj > 0 ? (n * p * u[j]! * (dy[dyo + j]! - D)) / uj : 0;
  }
}
