/**
 * The JavaScript reference kernels over Float64 logit tiles (linear cross-entropy's
 * chunks, src/losses/linear-cross-entropy.ts; ../logit-tile-dispatch.ts picks a
 * backend's faster twin when one is registered): a row's split sum (m, c, b) of
 * ../online-state.ts, and y = e^(x − m_r)·f_r, the gradient's probabilities from a
 * row's saved lse. x − m is exact (TwoSum inside expDiff, < 1 ulp per term) and the
 * sums are Neumaier-compensated (~2 ulp independent of n), so b and u = (c − 1) + b
 * keep their relative accuracy as one entry dominates (u → 1e−17, where 1 + u rounds).
 * Tested against 60-digit references in test/kernels/js/logit-tiles.test.ts.
 */
import type { ExpScaleArgs, SplitStateArgs } from '../kernel-args.js';
import { rowMax, splitStateOfRow } from '../online-state.js';
import { expDiff } from './exact.js';

/**
 * Per row r of `rows` rows of length n (Float64 logit tiles): m[r] = its max and
 * u[r] = Σ e^(x − m) − 1 = (c − 1) + b of splitStateOfRow, so log d = log1p(u); u[r] = NaN
 * where the max is not finite (NaN, +∞, or −∞ for a fully masked row).
 */
export function splitStateRows({ x, rows, n, m, u }: SplitStateArgs): void {
  for (let r = 0; r < rows; r++) {
    const sp = splitStateOfRow(x, r * n, n);
    const finite = sp !== null && sp.m !== -Infinity;
    m[r] = sp === null ? rowMax(x, r * n, n) : sp.m;
    u[r] = finite ? sp.c - 1 + sp.b : Number.NaN;
  }
}

/** y_rj = e^(x_rj − m_r)·f_r over `rows` rows of length n (x − m exact; y may be x). */
export function expScaleRows({ x, y, rows, n, m, f }: ExpScaleArgs): void {
  for (let r = 0; r < rows; r++) {
    const mr = m[r]!;
    const fr = f[r]!;
    for (let j = r * n; j < (r + 1) * n; j++) y[j] = expDiff(x[j]!, mr) * fr;
  }
}
