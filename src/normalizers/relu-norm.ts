/**
 * reluNorm(x)_i = relu(x_i) / Σ_j relu(x_j): ReLU followed by l1 normalization —
 * the normalized form of ReLU attention (ReLA: Zhang, Titov & Sennrich 2021,
 * "Sparse Attention with Linear Units", arXiv:2104.07012, which replaces softmax
 * by a ReLU; here the rectified scores are also made to sum to one). Sparse:
 * entries ≤ 0 get exactly 0. Scale invariant (reluNorm(a·x) = reluNorm(x) for
 * a > 0), not shift invariant.
 *
 * A row with no positive entry gives zeros (the 0/0 of an empty support is
 * taken as "attend to nothing", as ReLA's switched-off heads), with gradient 0.
 *
 * Stability: terms are the inputs themselves; a row beyond 2^1000 is scaled by
 * 2^−64 (exactly) so its sum cannot overflow; the sum is compensated. The l1
 * normalization is shared with softplusNorm (src/normalizers/softplus-norm.ts).
 *
 * VJP: dx_k = 1[x_k > 0]/S · (dy_k − ⟨dy, y⟩), S = Σ relu(x); at the kink x_k = 0
 * the subgradient 0 is taken.
 *
 * Error bound: Float64 ≤ 3 ulp (compensated sum ≤ 2 ulp, one division), Float32
 * ≤ 1 ulp; tested against 60-digit references in test/normalizers/relu-norm.test.ts.
 *
 * Non-finite policy: −∞ entries get 0 and gradient 0 (relu(−∞) = 0); a fully
 * masked row gives zeros; +∞ entries share probability 1 (the limit), the rest
 * get 0, gradient 0; NaN stays in its row.
 *
 * @example
 * reluNorm([1, -2, 3]); // Float64Array [0.25, 0, 0.75]
 * reluNorm([-1, -2]);   // Float64Array [0, 0]
 */
import { ROW_RULES } from '../tensor/options.js';
import type { ArrayInput, ResultOf, RowOptions } from '../tensor/types.js';
import type { NormalizerEntry } from './entry.js';
import { hugeRowScale, l1Normalize, l1NormalizeVjp, type ScaledTerms } from './l1-normalize.js';

/** relu(x) and its derivative 1[x > 0], scaled by 2^−64 beyond 2^1000. */
const reluTerms: ScaledTerms = (x, o, n, c, t, d) => {
  const k = hugeRowScale(c);
  for (let i = 0; i < n; i++) {
    const v = x[o + i]!;
    t[i] = v > 0 ? k * v : 0;
    if (d) d[i] = v > 0 ? k : 0;
  }
};

/** relu(x)/Σ relu(x) along `options.axis` (default −1). See the module doc. */
export function reluNorm<X extends ArrayInput>(x: X, options?: RowOptions): ResultOf<X> {
  return l1Normalize('reluNorm', x, options, ROW_RULES, reluTerms) as ResultOf<X>;
}

/** dx = J_reluNorm(x)ᵀ·dy = 1[x > 0]/S ⊙ (dy − ⟨dy, y⟩); a subnormal row gives 0 or ±∞, never NaN. */
export function reluNormVjp<X extends ArrayInput>(
  x: X,
  dy: ArrayInput,
  options?: RowOptions,
): ResultOf<X> {
  return l1NormalizeVjp('reluNormVjp', x, dy, options, ROW_RULES, reluTerms) as ResultOf<X>;
}

export const entry: NormalizerEntry = {
  name: 'reluNorm',
  forward: reluNorm,
  vjp: reluNormVjp,
  rules: ROW_RULES,
};
