/**
 * Row kernels over Float64 logit tiles, for linear cross-entropy (src/losses): the
 * registered backend that has them (WebAssembly) takes the call, else the JavaScript
 * reference (js/logit-tiles.ts). Both carry x − m exactly and sum with compensation,
 * so they agree to a few ulp.
 *
 * - splitStateRows: per row its max m and u = Σ e^(x − m) − 1, the split sum of
 *   online-state.ts (d = 1 + u, log d = log1p(u)); u = NaN where the max is not finite.
 * - expScaleRows: y = e^(x − m_r)·f_r, the gradient's p·(scale) from a row's lse.
 */
import { gemmBackend } from './backend.js';
import {
  expScaleRows as jsExpScaleRows,
  splitStateRows as jsSplitStateRows,
} from './js/logit-tiles.js';
import type { ExpScaleArgs, SplitStateArgs } from './kernel-args.js';

/** m[r], u[r] for `rows` rows of length n of x (see the module doc). */
export function splitStateRows(args: SplitStateArgs): void {
  if (!gemmBackend()?.splitStateRows?.(args)) jsSplitStateRows(args);
}

/** y_rj = e^(x_rj − m_r)·f_r for `rows` rows of length n (y may be x). */
export function expScaleRows(args: ExpScaleArgs): void {
  if (!gemmBackend()?.expScaleRows?.(args)) jsExpScaleRows(args);
}
