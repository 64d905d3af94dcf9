/**
 * distillationLoss(student, teacher) — knowledge distillation (Hinton, Vinyals
 * & Dean, "Distilling the Knowledge in a Neural Network", 2015, arXiv:1503.02531):
 * the KL divergence from the softened teacher to the softened student, scaled
 * by T² so its gradient keeps the scale of a hard-target loss:
 *   q = softmax(teacher/T),  p = softmax(student/T)
 *   ℓ = T²·Σ_j q_j·(log q_j − log p_j)
 * 'mean' averages over rows (PyTorch's kl_div 'batchmean'), 'sum' adds.
 *
 * Gradient (student logits only): dℓ/ds_j = T·((Σ q)·p_j − q_j) = T·(p_j − q_j).
 *
 * Stability: both log-softmaxes from the exact kernels (x − max exact, sums
 * compensated), never log of a probability; at the student's top class (p > ½)
 * the gradient is Σ_{k≠j} q_k − (Σq)·Σ_{k≠j} p_k, so confident student and
 * teacher keep its small difference. Error bound: Float64 ≤ 1e-14
 * relative unless ℓ ≪ 1 (then absolute ~1e-16·T²) (test/losses/distillation.test.ts).
 *
 * Non-finite policy: teacher entries at −∞ have q = 0 and contribute 0
 * (0·log 0 = 0); a masked student logit where q > 0 gives +∞; a fully masked
 * student (or teacher) row gives loss 0 and gradient 0; NaN stays in its row.
 *
 * @example
 * distillationLoss([1, 2, 3], [3, 2, 1], { temperature: 2 });
 */
import { sumExcept } from '../kernels/js/exact.js';
import { toFloatArrayOfLength } from '../tensor/arrays.js';
import { numberRule } from '../tensor/options.js';
import type { ArrayInput } from '../tensor/types.js';
import {
  forEachLossRow,
  LOSS_RULES,
  type LossOptions,
  type LossResult,
  lossGradient,
  reduceLoss,
  reductionScale,
  resolveLoss,
} from './loss-options.js';
import { rowSoftmax, rowSoftmaxScratch } from './row-softmax.js';

/** Options of {@link distillationLoss}. */
export interface DistillationLossOptions extends LossOptions {
  /** Softening temperature T > 0. Default 1. */
  temperature?: number;
}

/** The option rules of {@link distillationLoss}. */
const DISTILLATION_RULES = {
  ...LOSS_RULES,
  temperature: numberRule({ greaterThan: 0, default: 1 }),
} as const;

/** KL(softmax(teacher/T) ‖ softmax(student/T))·T² and its gradient w.r.t. the student. */
export function distillationLoss(
  student: ArrayInput,
  teacher: ArrayInput,
  options?: DistillationLossOptions,
): LossResult {
  const fn = 'distillationLoss';
  const { p, o } = resolveLoss(fn, student, options, DISTILLATION_RULES);
  const T = o.temperature;
  const q = toFloatArrayOfLength(fn, 'teacher', teacher, p.x.length);
  const scale = reductionScale(p, p.rows) * T;
  const perRow = new Float64Array(p.rows);
  const sp = rowSoftmaxScratch(p.layout.n);
  const sq = rowSoftmaxScratch(p.layout.n);
  const grad = forEachLossRow(p, [q], lossGradient(p), (x, aux, out, r0, rows, n) => {
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      rowSoftmax(x, o, n, sp, T);
      rowSoftmax(aux[0]!, o, n, sq, T);
      let kl = 0;
      let qSum = 0;
      for (let j = 0; j < n; j++) {
        const qj = sq.p[j]!;
        if (qj === 0) continue;
        kl += qj * (sq.logp[j]! - sp.logp[j]!);
        qSum += qj;
      }
      const masked = sp.p.every((v) => v === 0); // a fully masked student row
      perRow[r0 + r] = masked ? 0 : T * T * kl;
      for (let j = 0; j < n; j++) out[o + j] = masked ? 0 : scale * (qSum * sp.p[j]! - sq.p[j]!);
      // at the student's max: (Σq)·p_j − q_j = Σ_{k≠j} q_k − (Σq)·Σ_{k≠j} p_k, small
      // terms that do not cancel when both p_j and q_j are near 1
      let top = 0;
      for (let j = 1; j < n; j++) if (sp.p[j]! > sp.p[top]!) top = j;
      if (!masked && sp.p[top]! > 0.5)
        out[o + top] = scale * (sumExcept(sq.p, 0, n, top) - qSum * sumExcept(sp.p, 0, n, top));
    }
  });
  return { loss: reduceLoss(p, perRow, p.rows), grad };
}
