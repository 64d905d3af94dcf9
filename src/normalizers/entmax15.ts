/**
 * entmax15(x)_i = [x_i/2 − τ]_+², τ such that Σ_i y_i = 1: 1.5-entmax, the
 * α = 1.5 member of the α-entmax family (between softmax, α = 1, and
 * sparsemax, α = 2), along any axis.
 *
 * τ by sort (exact, O(n log n)), as in the paper's Algorithm 2 / deep-spin's
 * Entmax15Function: with z = (x − max)/2 sorted decreasingly and, over the
 * top k, mean μ_k and sum of squared deviations ss_k,
 *   τ_k = μ_k − √((1 − ss_k)/k),   K = max{k : τ_k ≤ z_(k)},   τ = τ_K
 * (τ_k is the root of Σ_{j≤k} (z_(j) − τ)² = 1 below the mean μ_k).
 *
 * Stability: the row is shifted by its maximum first (shift invariant); only
 * entries with z > −1 can be in the support, so only those are sorted; ss_k is
 * Welford's update (no Σz² − kμ² cancellation), and √((1 − ss)/K) ≥ 1/K on
 * the support, so the square root does not amplify rounding. τ_K is then
 * polished by one Newton step on Σ (z − τ)_+² = 1 whose residual is summed in
 * double-double (TwoSum for x_i − max − τ, TwoProduct for the squares), so an
 * output just above the threshold keeps full relative accuracy.
 *
 * VJP: g = √y; dx = g ⊙ dy − g·⟨g, dy⟩/Σg.
 *
 * Paper: Peters, Niculae & Martins, "Sparse Sequence-to-Sequence Models",
 * ACL 2019, arXiv:1905.05702.
 *
 * Error bound: Float64 |y_i − y*_i| ≤ 4·2^−53·y*_i + K·2^−100 (K the support
 * size): every non-zero output within ~2 ulp, zeros exact (measured ≤ 2.9·2^−53
 * relative). Float32: the double result rounded once, ≤ 1 ulp. Tested against
 * the closed-form root in 60-digit decimal arithmetic in
 * test/normalizers/entmax15.test.ts.
 *
 * Non-finite policy: −∞ entries get 0 and gradient 0; a fully masked row gives
 * zeros (and a zero gradient); a row holding +∞ takes the limit: its c entries
 * at +∞ get 1/c each, the rest 0; NaN makes its row NaN and touches no other.
 *
 * @example
 * entmax15([1, 2, 3]);          // Float64Array [0, 0.1692…, 0.8307…]
 * entmax15([0, 0, 0, -10]);     // Float64Array [⅓, ⅓, ⅓, 0]
 */
import { ROW_RULES } from '../tensor/options.js';
import type { ArrayInput, ResultOf, RowOptions } from '../tensor/types.js';
import type { NormalizerEntry } from './entry.js';
import { sortSolvedMap, sortSolvedRow, sortSolvedVjp, type ThresholdRow } from './threshold.js';

/** Options of entmax15: the row options (shape, axis, out, backend). */
export type Entmax15Options = RowOptions;

/**
 * τ of the candidates z[0, k) (z ≤ 0, max 0) by sort: the last k with
 * τ_k ≤ z_(k), with Welford's running mean and ss. Reorders z.
 */
function entmax15TauBySort(z: Float64Array, k: number): number {
  const s = z.subarray(0, k).sort(); // ascending: z_(j) = s[k − j]
  let mean = 0;
  let ss = 0;
  let tau = -1;
  for (let j = 1; j <= k; j++) {
    const zj = s[k - j]!;
    const d = zj - mean;
    mean += d / j;
    ss += d * (zj - mean);
    const t = mean - Math.sqrt(Math.max((1 - ss) / j, 0));
    if (t <= zj) tau = t;
  }
  return tau;
}

const entmax15Row: ThresholdRow = (x, off, n, y, z) =>
  sortSolvedRow(x, off, n, y, z, 0.5, 2, entmax15TauBySort);

/** 1.5-entmax along `options.axis` (default −1). See the module doc for the math. */
export function entmax15<X extends ArrayInput>(x: X, options?: Entmax15Options): ResultOf<X> {
  return sortSolvedMap('entmax15', x, options, entmax15Row) as ResultOf<X>;
}

/** dx = J_entmax15(x)ᵀ·dy = g ⊙ dy − g·⟨g, dy⟩/Σg, g = √entmax15(x). */
export function entmax15Vjp<X extends ArrayInput>(
  x: X,
  dy: ArrayInput,
  options?: Entmax15Options,
): ResultOf<X> {
  return sortSolvedVjp('entmax15Vjp', x, dy, options, entmax15Row, 0.5) as ResultOf<X>;
}

export const entry: NormalizerEntry<Entmax15Options> = {
  name: 'entmax15',
  forward: entmax15,
  vjp: entmax15Vjp,
  rules: ROW_RULES,
};
