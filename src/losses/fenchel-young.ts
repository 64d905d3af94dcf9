/**
 * sparsemaxLoss and entmaxLoss — Fenchel–Young losses (Blondel, Martins &
 * Niculae, "Learning with Fenchel-Young Losses", JMLR 2020, arXiv:1901.02324),
 * built by one factory over a prediction map ŷ = argmax_p ⟨θ, p⟩ − Ω(p):
 *   ℓ(θ; y) = Ω*(θ) + Ω(y) − ⟨θ, y⟩ = ⟨θ, ŷ − y⟩ − Ω(ŷ) + Ω(y),   dℓ/dθ = ŷ − y
 * with the Tsallis negentropy Ω_α(p) = (Σ_j p_j^α − 1) / (α(α − 1)) and
 * ŷ = entmax_α(θ) (α = 2: sparsemax, Martins & Astudillo 2016,
 * arXiv:1602.02068; Peters, Niculae & Martins 2019, arXiv:1905.05702).
 * For a class target t (y = e_t, Ω(e_t) = 0):
 *   ℓ = Σ_j ŷ_j·(θ_j − θ_t) − Ω_α(ŷ),   dℓ/dθ = ŷ − e_t.
 * ℓ ≥ 0, and ℓ = 0 exactly when ŷ = e_t (the margin is met).
 *
 * Stability: ŷ from the normalizers (computed in double: a Float32 input is
 * widened first); Σ ŷ_j (θ_j − θ_t) subtracts before weighting, so a +1e6
 * shift changes nothing. Error bound: Float64 ≤ 1e-14 relative to a 60-digit
 * reference for sparsemax (test/losses/fenchel-young.test.ts); entmax within
 * its bisection tolerance.
 *
 * Non-finite policy: a masked (−∞) logit gets ŷ = 0 and gradient 0; a masked
 * target gives +∞; a fully masked row gives loss 0 and gradient 0; NaN stays
 * in its row.
 *
 * @example
 * sparsemaxLoss([1.5, 1, -1], [0]);   // ŷ = [0.75, 0.25, 0]: { loss: 0.0625, grad: [−0.25, 0.25, 0] }
 * entmaxLoss(logits, targets, { shape: [N, C], alpha: 1.5 });
 */
import { entmax } from '../normalizers/entmax.js';
import { sparsemax } from '../normalizers/sparsemax.js';
import type { ArrayInput, FloatArray, RowOptions } from '../tensor/types.js';
import { requireNumber } from '../tensor/validate.js';
import {
  type ClassLossOptions,
  classRowLoss,
  classTargets,
  type LossResult,
  prepareLoss,
} from './loss-options.js';

/** Options of {@link entmaxLoss}. */
export interface EntmaxLossOptions extends ClassLossOptions {
  /** α > 1 of entmax and of the Tsallis negentropy. Default 1.5. */
  alpha?: number;
}

/** A prediction map over a tensor (with shape and axis) for a Tsallis α. */
type PredictionMap = (x: Float64Array, options: RowOptions, alpha: number) => FloatArray;

/**
 * The Fenchel–Young loss of a prediction map with Tsallis negentropy Ω_α:
 * (logits, targets, options) → { loss, grad }.
 */
function fenchelYoungLoss(
  fn: string,
  map: PredictionMap,
  alphaOf: (options: EntmaxLossOptions) => number,
) {
  return (
    logits: ArrayInput,
    targets: Int32Array | readonly number[],
    options: EntmaxLossOptions = {},
  ): LossResult => {
    const p = prepareLoss(fn, logits, options);
    const alpha = alphaOf(options);
    const t = classTargets(fn, targets, p.rows, p.layout.n, options.ignoreIndex);
    const x64 = p.x instanceof Float64Array ? p.x : Float64Array.from(p.x);
    const yHat = map(x64, { shape: p.layout.shape, axis: p.layout.axis }, alpha);
    const omegaScale = 1 / (alpha * (alpha - 1));
    return classRowLoss(
      p,
      t,
      (x, o, n, ti, g, aux) => {
        const y = aux[0]!;
        const xt = x[o + ti]!;
        let inner = 0;
        let powSum = 0;
        for (let j = 0; j < n; j++) {
          const yj = y[o + j]!;
          g[j] = yj;
          if (yj === 0) continue;
          inner += yj * (x[o + j]! - xt);
          powSum += alpha === 2 ? yj * yj : yj ** alpha;
        }
        g[ti] = g[ti]! - 1;
        return inner - (powSum - 1) * omegaScale;
      },
      [yHat],
    );
  };
}

/** The sparsemax loss (α = 2) and its gradient sparsemax(θ) − e_t. See the module doc. */
export const sparsemaxLoss: (
  logits: ArrayInput,
  targets: Int32Array | readonly number[],
  options?: ClassLossOptions,
) => LossResult = fenchelYoungLoss(
  'sparsemaxLoss',
  (x, o) => sparsemax(x, o),
  () => 2,
);

/** The α-entmax loss and its gradient entmax_α(θ) − e_t. See the module doc. */
export const entmaxLoss = fenchelYoungLoss(
  'entmaxLoss',
  (x, o, alpha) => entmax(x, { ...o, alpha }),
  (options) => requireNumber('entmaxLoss', 'alpha', options.alpha ?? 1.5, { greaterThan: 1 }),
);
