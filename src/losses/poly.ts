/**
 * polyLoss(logits, targets) — Poly-1 (Leng et al., "PolyLoss: A Polynomial
 * Expansion Perspective of Classification Loss Functions", ICLR 2022,
 * arXiv:2204.12511): cross-entropy plus ε times its first polynomial term,
 *   ℓ = −log p_t + ε·(1 − p_t),   p = softmax(x)
 * (ε = 0 is cross-entropy; ε = −1 drops the leading term of its Taylor series).
 *
 * Gradient: dℓ/dx_j = (1 + ε·p_t)·(p_j − [j = t]).
 *
 * Stability: −log p_t from the exact log-softmax; 1 − p_t as Σ_{j≠t} p_j (no
 * cancellation as p_t → 1). Error bound: Float64 ≤ 1e-14 relative
 * (test/losses/poly.test.ts).
 *
 * Non-finite policy: masked logits get gradient 0; a masked target gives +∞;
 * a fully masked row gives 0; NaN stays in its row.
 *
 * @example
 * polyLoss([2, 0.5, -1], [0], { epsilon: 1 });
 */
import { numberRule } from '../tensor/options.js';
import type { ArrayInput } from '../tensor/types.js';
import { resolveClassLoss, targetProbabilityLoss } from './class-targets.js';
import { CLASS_LOSS_RULES, type ClassLossOptions, type LossResult } from './loss-options.js';

/** Options of {@link polyLoss}. */
export interface PolyLossOptions extends ClassLossOptions {
  /** ε ≥ −1, the coefficient of (1 − p_t). Default 1 (the paper's Poly-1 default). */
  epsilon?: number;
}

/** The option rules of {@link polyLoss}. */
const POLY_RULES = {
  ...CLASS_LOSS_RULES,
  epsilon: numberRule({ atLeast: -1, default: 1 }),
} as const;

/** Poly-1 loss and its gradient. See the module doc. */
export function polyLoss(
  logits: ArrayInput,
  targets: Int32Array | readonly number[],
  options?: PolyLossOptions,
): LossResult {
  const { p, o, t } = resolveClassLoss('polyLoss', logits, targets, options, POLY_RULES);
  const eps = o.epsilon;
  return targetProbabilityLoss(p, t, {
    loss: (r) => -r.logP + eps * r.rest, // −log p_t + ε·(1 − p_t)
    factor: (r) => 1 + eps * r.p,
  });
}
