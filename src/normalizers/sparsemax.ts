/**
 * sparsemax(x)_i = max(x_i − τ, 0), τ such that Σ_i max(x_i − τ, 0) = 1: the
 * Euclidean projection of x onto the probability simplex, along any axis.
 *
 * τ by sort (exact, O(n log n)): with z = x − max sorted decreasingly,
 * K = max{k : z_(k) > τ_k}, τ_k = (Σ_{j≤k} z_(j) − 1)/k, and τ = τ_K.
 *
 * Stability: the row is shifted by its maximum first (sparsemax is shift
 * invariant); only entries within 1 of the max can be in the support, so only
 * those are sorted (the sort picks K; its cumulative sum is compensated). τ is
 * then recomputed in double-double — x − max and each x_i − max − τ carried
 * exactly (TwoSum), the support sum Neumaier-compensated — so an output just
 * above the threshold, a small difference x_i − τ, keeps full relative accuracy.
 *
 * VJP: dx = s ⊙ (dy − Σ_S dy / |S|), s = 1[y > 0], S the support.
 *
 * Paper: Martins & Astudillo, "From Softmax to Sparsemax", ICML 2016,
 * arXiv:1602.02068.
 *
 * Error bound: Float64 |y_i − y*_i| ≤ 2^−53·y*_i + K·2^−104 (K the support
 * size): every non-zero output within ~1 ulp, zeros exact (measured ≤ 1 ulp
 * over random rows and outputs of 2^−41 at the threshold). Float32: the double
 * result rounded once, ≤ 1 ulp. Tested against the sort formula in 60-digit
 * decimal arithmetic in test/normalizers/sparsemax.test.ts.
 *
 * Non-finite policy: −∞ entries get 0 and gradient 0; a fully masked row gives
 * zeros (and a zero gradient); a row holding +∞ takes the limit: its c entries
 * at +∞ get 1/c each, the rest 0; NaN makes its row NaN and touches no other.
 *
 * @example
 * sparsemax([1, 2, 3]);               // Float64Array [0, 0, 1]
 * sparsemax([0.1, 0.5, 0.9]);         // Float64Array [0, 0.3, 0.7] (to rounding)
 * sparsemax(new Float32Array([1, 2, 3, 4]), { shape: [2, 2], axis: 0 }); // [0, 0, 1, 1]
 */
import { addCompensated, type CompensatedSum } from '../kernels/js/exact.js';
import { ROW_RULES } from '../tensor/options.js';
import type { ArrayInput, ResultOf, RowOptions } from '../tensor/types.js';
import type { NormalizerEntry } from './entry.js';
import { sortSolvedMap, sortSolvedRow, sortSolvedVjp, type ThresholdRow } from './threshold.js';

/** Options of sparsemax: the row options (shape, axis, out, backend). */
export type SparsemaxOptions = RowOptions;

/**
 * τ of the candidates z[0, k) (z ≤ 0, max 0) by sort: the last k with
 * z_(k) > τ_k. Reorders z.
 */
function sparsemaxTauBySort(z: Float64Array, k: number): number {
  const s = z.subarray(0, k).sort(); // ascending: z_(j) = s[k − j]
  const acc: CompensatedSum = { sum: 0, comp: 0 };
  let tau = -1;
  for (let j = 1; j <= k; j++) {
    const zj = s[k - j]!;
    addCompensated(acc, zj);
    const t = (acc.sum + acc.comp - 1) / j;
    if (zj > t) tau = t;
  }
  return tau;
}

const sparsemaxRow: ThresholdRow = (x, off, n, y, z) =>
  sortSolvedRow(x, off, n, y, z, 1, 1, sparsemaxTauBySort);

/** Sparsemax along `options.axis` (default −1). See the module doc for the math. */
export function sparsemax<X extends ArrayInput>(x: X, options?: SparsemaxOptions): ResultOf<X> {
  return sortSolvedMap('sparsemax', x, options, sparsemaxRow) as ResultOf<X>;
}

/** dx = J_sparsemax(x)ᵀ·dy = s ⊙ (dy − Σ_S dy/|S|), s = 1[sparsemax(x) > 0]. */
export function sparsemaxVjp<X extends ArrayInput>(
  x: X,
  dy: ArrayInput,
  options?: SparsemaxOptions,
): ResultOf<X> {
  return sortSolvedVjp('sparsemaxVjp', x, dy, options, sparsemaxRow, 0) as ResultOf<X>;
}

export const entry: NormalizerEntry<SparsemaxOptions> = {
  name: 'sparsemax',
  forward: sparsemax,
  vjp: sparsemaxVjp,
  rules: ROW_RULES,
};
