/**
 * focalLoss(logits, targets) — the multiclass softmax focal loss (Lin et al.,
 * "Focal Loss for Dense Object Detection", ICCV 2017, arXiv:1708.02002):
 *   ℓ = −α_t·(1 − p_t)^γ·log p_t,   p = softmax(x)
 * γ = 0 is (α-weighted) cross-entropy. 'mean' averages over non-ignored rows
 * (α is a per-class factor, not a weight of the mean). α ≥ 0, one for all
 * classes or one per class; α = −1 means no α weighting (α_t = 1), as
 * torchvision's sigmoid_focal_loss reads it — any other negative α would
 * negate the loss and is rejected (issue 15).
 *
 * Gradient: with u = 1 − p_t and F = α_t·u^γ·(1 − γ·p_t·log p_t / u),
 *   dℓ/dx_j = F·(p_j − [j = t])
 * (F → α_t·u^γ·(1 + γ·p_t) limit-free: log p_t / u → −1 as u → 0).
 *
 * Stability: log p_t from the exact log-softmax (log1p when p_t → 1); u as
 * Σ_{j≠t} p_j, so (1 − p_t)^γ keeps its relative accuracy when p_t → 1.
 * Error bound: Float64 ≤ 1e-14 relative (60-digit reference in
 * test/losses/focal.test.ts); Float32 gradients rounded once.
 *
 * Non-finite policy: masked (−∞) logits get p = 0 and gradient 0; a masked
 * target gives +∞; a fully masked row gives loss 0, gradient 0; NaN stays in its row.
 *
 * @example
 * focalLoss([2, 0.5, -1], [0], { gamma: 2 });  // { loss: 0.01109…, grad }
 * focalLoss(logits, targets, { shape: [N, C], alpha: [0.25, 0.75], reduction: 'sum' });
 */
import { SoftmaxKitError } from '../tensor/errors.js';
import { numberRule, rule } from '../tensor/options.js';
import type { ArrayInput } from '../tensor/types.js';
import { requireNumber } from '../tensor/validate.js';
import {
  classWeights,
  resolveClassLoss,
  type TargetProbability,
  targetProbabilityLoss,
} from './class-targets.js';
import { CLASS_LOSS_RULES, type ClassLossOptions, type LossResult } from './loss-options.js';

/** Options of {@link focalLoss}. */
export interface FocalLossOptions extends ClassLossOptions {
  /** Focusing parameter γ ≥ 0. Default 2. */
  gamma?: number;
  /** α ≥ 0: one factor for all classes or one per class; −1: no α weighting. Default 1. */
  alpha?: number | ArrayInput;
}

/** α as given: a number (≥ 0, or −1 for none) or a per-class array (checked against C later). */
const alphaRule = rule((fn: string, name: string, v: unknown): number | ArrayInput => {
  if (typeof v !== 'number') return v as ArrayInput;
  if (v === -1) return 1;
  return requireNumber(fn, name, v, { atLeast: 0 });
}, 1);

/** The option rules of {@link focalLoss}. */
const FOCAL_RULES = {
  ...CLASS_LOSS_RULES,
  gamma: numberRule({ atLeast: 0, default: 2 }),
  alpha: alphaRule,
} as const;

/** Multiclass softmax focal loss and its gradient. See the module doc. */
export function focalLoss(
  logits: ArrayInput,
  targets: Int32Array | readonly number[],
  options?: FocalLossOptions,
): LossResult {
  const fn = 'focalLoss';
  const { p, o, t } = resolveClassLoss(fn, logits, targets, options, FOCAL_RULES);
  const gamma = o.gamma;
  const a = o.alpha;
  const alphaAll = typeof a === 'number' ? a : 1;
  const alpha = typeof a === 'number' ? undefined : classWeights(fn, 'alpha', a, p.layout.n);
  alpha?.forEach((v, j) => {
    if (v < 0)
      throw new SoftmaxKitError(
        'INVALID_PARAMETER',
        `${fn}: expected alpha[${j}] >= 0 (a negative factor negates the loss), got ${v}`,
      );
  });
  const at = (r: TargetProbability) => (alpha ? alpha[r.t]! : alphaAll);
  const focus = (r: TargetProbability) => (gamma === 0 ? 1 : r.rest ** gamma); // (1 − p_t)^γ
  return targetProbabilityLoss(p, t, {
    loss: (r) => {
      const ug = focus(r);
      return ug === 0 ? 0 : -at(r) * ug * r.logP;
    },
    factor: (r) => {
      const ratio = r.rest === 0 ? -1 : r.logP / r.rest; // log p_t / (1 − p_t) → −1 as p_t → 1
      return at(r) * focus(r) * (1 - (r.p === 0 ? 0 : gamma * r.p * ratio)); // p·log p → 0 at a masked target
    },
  });
}
