/**
 * softplusNorm(x)_i = softplus(x_i) / Σ_j softplus(x_j), softplus(x) = log(1 + e^x):
 * softmax with its exponential replaced by softplus before the l1 normalization
 * (Gao & Spratling 2025, "Softplus Attention with Re-weighting Boosts Length
 * Extrapolation in Large Language Models", arXiv:2501.13428, without their
 * length scale factor — scale x first for it). Sums to one; not shift invariant.
 * Built on the shared l1 normalization of l1-normalize.ts.
 *
 * With `reweight: p` it is LSSAR's second stage (reweight.ts): the normalized row a
 * is sharpened to relu(n·a − o)^p / Σ relu(n·a − o)^p, n = the entries other than
 * −∞, o = 1 for rows of more than 3 such entries (0 otherwise).
 *
 * Stability: softplus(x) = max(x, 0) + log1p(e^(−|x|)) (no overflow, no
 * cancellation). When the row's max c is < 0 every term is below log 2 and may
 * underflow (softplus(−800) = e^(−800)), so the terms are scaled by e^(−c):
 * softplus(x)·e^(−c) = e^(x − c)·r(x), r(x) = log1p(e^x)/e^x (1 − e^x/2 below
 * e^x < 2^−30), with x − c exact; a row beyond 2^1000 is scaled by 2^−64 so
 * its sum cannot overflow. The scale cancels in the ratio; sums are compensated.
 *
 * VJP: φ' = σ, the logistic sigmoid: dx_k = σ(x_k)/S · (dy_k − ⟨dy, y⟩).
 *
 * Error bound: Float64 ≤ 8 ulp (≈ 2e−15 relative) for outputs that are not
 * subnormal, Float32 ≤ 1 ulp; re-weighted, y_j within ≈ (p·(n·a_j + 1)/u_j + 4)·ε
 * relative (a few p ulp where u_j is of order one). Tested against 60-digit
 * references in test/normalizers/softplus-norm.test.ts.
 *
 * Non-finite policy: −∞ entries get 0 and gradient 0 (softplus(−∞) = 0); a fully
 * masked row gives zeros; +∞ entries share probability 1 (the limit), the rest
 * get 0, gradient 0; NaN stays in its row.
 *
 * @example
 * softplusNorm([0, 0]);     // Float64Array [0.5, 0.5]
 * softplusNorm([-800, -801]); // ≈ softmax: [0.7310…, 0.2689…] (softplus(x) ≈ e^x there)
 * softplusNorm([3, 1, 0, 0, -2], { reweight: 15 }); // ≈ [1, 0, 0, 0, 0]: only above-mean weights survive
 */
import { expDiff } from '../kernels/js/exact.js';
import type { ArrayInput, ResultOf, RowOptions } from '../tensor/types.js';
import type { NormalizerEntry } from './entry.js';
import {
  hugeRowScale,
  L1_RULES,
  l1Normalize,
  l1NormalizeVjp,
  type ScaledTerms,
} from './l1-normalize.js';

/** r(x) = log1p(e^x)/e^x for x < 0, through 1 − u/2 when u = e^x < 2^−30 (error < u²/3). */
function softplusRatio(x: number): number {
  const u = Math.exp(x);
  return u < 2 ** -30 ? 1 - u / 2 : Math.log1p(u) / u;
}

/** softplus and sigmoid terms, scaled by e^(−c) when c < 0 and by 2^−64 beyond 2^1000. */
const softplusTerms: ScaledTerms = (x, o, n, c, t, d) => {
  const k = hugeRowScale(c);
  for (let i = 0; i < n; i++) {
    const v = x[o + i]!;
    if (v === -Infinity) {
      t[i] = 0;
      if (d) d[i] = 0;
    } else if (c < 0) {
      const e = expDiff(v, c); // e^(x − c)
      t[i] = e * softplusRatio(v);
      if (d) d[i] = e / (1 + Math.exp(v));
    } else {
      const a = Math.abs(v);
      t[i] = k * (Math.max(v, 0) + Math.log1p(Math.exp(-a)));
      if (d) d[i] = k * (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
    }
  }
};

/** Options of softplusNorm. */
export interface SoftplusNormOptions extends RowOptions {
  /** LSSAR's re-weighting power p ≥ 1 (the paper: 3, or 15 for long contexts). Default: none. */
  reweight?: number;
}

/** softplus(x)/Σ softplus(x) along `options.axis` (default −1). See the module doc. */
export function softplusNorm<X extends ArrayInput>(
  x: X,
  options?: SoftplusNormOptions,
): ResultOf<X> {
  return l1Normalize('softplusNorm', x, options, L1_RULES, softplusTerms) as ResultOf<X>;
}

/** dx = J_softplusNorm(x)ᵀ·dy = σ(x)/S ⊙ (g − ⟨g, a⟩), g = dy pulled back through any re-weighting. */
export function softplusNormVjp<X extends ArrayInput>(
  x: X,
  dy: ArrayInput,
  options?: SoftplusNormOptions,
): ResultOf<X> {
  return l1NormalizeVjp('softplusNormVjp', x, dy, options, L1_RULES, softplusTerms) as ResultOf<X>;
}

export const entry: NormalizerEntry<SoftplusNormOptions> = {
  name: 'softplusNorm',
  forward: softplusNorm,
  vjp: softplusNormVjp,
  rules: L1_RULES,
};
