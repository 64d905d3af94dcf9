/**
 * maxSupLoss(logits, targets) — Max Suppression (Zhou et al., "MaxSup:
 * Overcoming Representation Collapse in Label Smoothing", 2025,
 * arXiv:2502.15798). Label smoothing equals cross-entropy plus
 * α·(z_t − mean(z)), which penalizes the target logit even when it is not the
 * top one; MaxSup penalizes the top logit instead:
 *   ℓ = −log p_t + α·(z_max − mean(z)),   p = softmax(z)
 *
 * Gradient: dℓ/dz_j = p_j − [j = t] + α·([j = argmax z] − 1/m) over the m
 * unmasked entries (the first maximum takes the subgradient at ties).
 *
 * Stability: −log p_t from the exact log-softmax; p_t − 1 as −Σ_{j≠t} p_j;
 * z_max − mean(z) as the mean of the non-negative gaps z_max − z_j (no
 * cancellation, and a +1e6 shift changes nothing). Error bound: Float64 ≤ 1e-14 relative
 * (test/losses/max-sup.test.ts).
 *
 * Non-finite policy: masked (−∞) logits are left out of the mean and get
 * gradient 0 (a masked row equals its truncated row); a masked target gives
 * +∞; a fully masked row gives 0; NaN stays in its row.
 *
 * @example
 * maxSupLoss([2, 0.5, -1], [1], { alpha: 0.1 });   // CE + 0.1·(2 − 0.5)
 */
import { sumExcept } from '../kernels/js/exact.js';
import { numberRule } from '../tensor/options.js';
import type { ArrayInput } from '../tensor/types.js';
import { resolveClassLoss, softmaxClassLoss } from './class-targets.js';
import { CLASS_LOSS_RULES, type ClassLossOptions, type LossResult } from './loss-options.js';

/** Options of {@link maxSupLoss}. */
export interface MaxSupLossOptions extends ClassLossOptions {
  /** α ≥ 0, the weight of z_max − mean(z). Default 0.1. */
  alpha?: number;
}

/** The option rules of {@link maxSupLoss}. */
const MAX_SUP_RULES = {
  ...CLASS_LOSS_RULES,
  alpha: numberRule({ atLeast: 0, default: 0.1 }),
} as const;

/** Cross-entropy with Max Suppression and its gradient. See the module doc. */
export function maxSupLoss(
  logits: ArrayInput,
  targets: Int32Array | readonly number[],
  options?: MaxSupLossOptions,
): LossResult {
  const { p, o: opts, t } = resolveClassLoss('maxSupLoss', logits, targets, options, MAX_SUP_RULES);
  const alpha = opts.alpha;
  return softmaxClassLoss(p, t, (x, o, n, ti, g, sm) => {
    let top = 0;
    let m = 0;
    for (let j = 0; j < n; j++) {
      if (x[o + j]! > x[o + top]!) top = j;
      if (x[o + j] !== -Infinity) m++;
    }
    const zMax = x[o + top]!;
    let gaps = 0;
    for (let j = o; j < o + n; j++) if (x[j] !== -Infinity) gaps += zMax - x[j]!;
    for (let j = 0; j < n; j++) g[j] = sm.p[j]! - (x[o + j] === -Infinity ? 0 : alpha / m);
    // p_t − 1 as −Σ_{j≠t} p_j: no cancellation as p_t → 1
    g[ti] = -sumExcept(sm.p, 0, n, ti) - (x[o + ti] === -Infinity ? 0 : alpha / m);
    g[top] = g[top]! + alpha;
    return -sm.logp[ti]! + (alpha * gaps) / m;
  });
}
