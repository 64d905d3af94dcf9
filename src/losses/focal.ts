/**
 * focalLoss(logits, targets) — the multiclass softmax focal loss (Lin et al.,
 * "Focal Loss for Dense Object Detection", ICCV 2017, arXiv:1708.02002):
 *   ℓ = −α_t·(1 − p_t)^γ·log p_t,   p = softmax(x)
 * γ = 0 is (α-weighted) cross-entropy. 'mean' averages over non-ignored rows
 * (α is a per-class factor, not a weight of the mean).
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
import { sumExcept } from '../kernels/js/exact.js';
import type { ArrayInput } from '../tensor/types.js';
import { requireNumber } from '../tensor/validate.js';
import {
  type ClassLossOptions,
  classRowLoss,
  classTargets,
  classWeights,
  type LossResult,
  prepareLoss,
  rowSoftmax,
  rowSoftmaxScratch,
} from './loss-options.js';

/** Options of {@link focalLoss}. */
export interface FocalLossOptions extends ClassLossOptions {
  /** Focusing parameter γ ≥ 0. Default 2. */
  gamma?: number;
  /** α: one factor for all classes or one per class. Default 1. */
  alpha?: number | ArrayInput;
}

/** Multiclass softmax focal loss and its gradient. See the module doc. */
export function focalLoss(
  logits: ArrayInput,
  targets: Int32Array | readonly number[],
  options: FocalLossOptions = {},
): LossResult {
  const fn = 'focalLoss';
  const p = prepareLoss(fn, logits, options);
  const C = p.layout.n;
  const gamma = requireNumber(fn, 'gamma', options.gamma ?? 2, { atLeast: 0 });
  const a = options.alpha;
  const alphaAll =
    typeof a === 'number' || a === undefined ? requireNumber(fn, 'alpha', a ?? 1) : 1;
  const alpha = typeof a === 'number' ? undefined : classWeights(fn, 'alpha', a, C);
  const t = classTargets(fn, targets, p.rows, C, options.ignoreIndex);
  const sm = rowSoftmaxScratch(C);
  return classRowLoss(p, t, (x, o, n, ti, g) => {
    rowSoftmax(x, o, n, sm);
    const at = alpha ? alpha[ti]! : alphaAll;
    const pt = sm.p[ti]!;
    const lp = sm.logp[ti]!;
    const u = sumExcept(sm.p, 0, n, ti);
    const ug = gamma === 0 ? 1 : u ** gamma;
    const ratio = u === 0 ? -1 : lp / u; // log p_t / (1 − p_t) → −1 as p_t → 1
    const F = at * ug * (1 - (pt === 0 ? 0 : gamma * pt * ratio)); // p·log p → 0 at a masked target
    for (let j = 0; j < n; j++) g[j] = F * sm.p[j]!;
    g[ti] = -F * u; // F·(p_t − 1) with 1 − p_t = u exactly
    return ug === 0 ? 0 : -at * ug * lp;
  });
}
