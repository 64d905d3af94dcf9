/**
 * generalizedCrossEntropy(logits, targets) — the noise-robust GCE loss (Zhang &
 * Sabuncu, "Generalized Cross Entropy Loss for Training Deep Neural Networks
 * with Noisy Labels", NeurIPS 2018, arXiv:1805.07836):
 *   ℓ = (1 − p_t^q) / q,   p = softmax(x),  q ∈ (0, 1]
 * q → 0 is cross-entropy, q = 1 is the mean absolute error 1 − p_t.
 *
 * Gradient: dℓ/dx_j = p_t^q·(p_j − [j = t]).
 *
 * Stability: p_t^q = e^(q·log p_t) and 1 − p_t^q = −expm1(q·log p_t) from the
 * exact log-softmax, so the loss keeps its relative accuracy as p_t → 1; the
 * target's gradient takes 1 − p_t as Σ_{j≠t} p_j (no cancellation there).
 * Error bound: Float64 ≤ 1e-14 relative (test/losses/generalized-cross-entropy.test.ts).
 *
 * Non-finite policy: masked logits get gradient 0; a masked target gives loss
 * 1/q and gradient 0 (p_t^q = 0); a fully masked row gives 0; NaN stays in its row.
 *
 * @example
 * generalizedCrossEntropy([2, 0.5, -1], [0], { q: 0.7 });
 */
import { numberRule } from '../tensor/options.js';
import type { ArrayInput } from '../tensor/types.js';
import { resolveClassLoss, targetProbabilityLoss } from './class-targets.js';
import { CLASS_LOSS_RULES, type ClassLossOptions, type LossResult } from './loss-options.js';

/** Options of {@link generalizedCrossEntropy}. */
export interface GeneralizedCrossEntropyOptions extends ClassLossOptions {
  /** q in (0, 1]. Default 0.7 (the paper's choice). */
  q?: number;
}

/** The option rules of {@link generalizedCrossEntropy}. */
const GCE_RULES = {
  ...CLASS_LOSS_RULES,
  q: numberRule({ greaterThan: 0, atMost: 1, default: 0.7 }),
} as const;

/** Generalized cross-entropy (L_q) loss and its gradient. See the module doc. */
export function generalizedCrossEntropy(
  logits: ArrayInput,
  targets: Int32Array | readonly number[],
  options?: GeneralizedCrossEntropyOptions,
): LossResult {
  const fn = 'generalizedCrossEntropy';
  const { p, o, t } = resolveClassLoss(fn, logits, targets, options, GCE_RULES);
  const q = o.q;
  return targetProbabilityLoss(p, t, {
    loss: (r) => -Math.expm1(q * r.logP) / q, // (1 − p_t^q)/q
    factor: (r) => Math.exp(q * r.logP), // p_t^q
  });
}
