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
 * widened first; α = 2 and α = 1.5 take the exact sort solvers, others
 * bisection); Σ ŷ_j (θ_j − θ_t) subtracts before weighting, so a +1e6 shift
 * changes nothing. The gradient's ŷ_t − 1 is −Σ_{j≠t} ŷ_j. Near the margin
 * the two terms of ℓ cancel (each ~u = 1 − ŷ_t, ℓ ~ u²), so for the exact
 * solvers with t in the support, where (α − 1)(θ_j − θ_t) = ŷ_j^(α−1) − ŷ_t^(α−1),
 * ℓ is taken from ŷ alone as a sum of non-negative terms:
 *   ℓ = ((α − 1)·Σ_{j≠t} ŷ_j^α + f_α(u)) / (α(α − 1)),
 *   f_α(u) = 1 − (1 − u)^(α−1)·(1 + (α − 1)·u)   (u² at α = 2).
 * Error bound: Float64 ≤ 1e-14 relative to 60-digit references for α = 2 and
 * 1.5, down to losses of 1e-30 (test/losses/fenchel-young.test.ts); other α
 * within the bisection's absolute 2^−50 on ŷ.
 *
 * Non-finite policy: a masked (−∞) logit gets ŷ = 0 and gradient 0; a masked
 * target gives +∞; a fully masked row gives loss 0 and gradient 0; NaN stays
 * in its row.
 *
 * @example
 * sparsemaxLoss([1.5, 1, -1], [0]);   // ŷ = [0.75, 0.25, 0]: { loss: 0.0625, grad: [−0.25, 0.25, 0] }
 * entmaxLoss(logits, targets, { shape: [N, C], alpha: 1.5 });
 */
import { sumExcept } from '../kernels/js/exact.js';
import { entmax } from '../normalizers/entmax.js';
import { entmax15 } from '../normalizers/entmax15.js';
import { sparsemax } from '../normalizers/sparsemax.js';
import { numberRule, type Rules } from '../tensor/options.js';
import type { ArrayInput, FloatArray, RowOptions } from '../tensor/types.js';
import { classRowLoss, resolveClassLoss } from './class-targets.js';
import { CLASS_LOSS_RULES, type ClassLossOptions, type LossResult } from './loss-options.js';

/** Options of {@link entmaxLoss}. */
export interface EntmaxLossOptions extends ClassLossOptions {
  /** α > 1 of entmax and of the Tsallis negentropy. Default 1.5. */
  alpha?: number;
}

/** A prediction map over a tensor (with shape and axis) for a Tsallis α. */
type PredictionMap = (x: Float64Array, options: RowOptions, alpha: number) => FloatArray;

/**
 * The Fenchel–Young loss of a prediction map with Tsallis negentropy Ω_α:
 * (logits, targets, options) → { loss, grad }; `rules` are the loss's options
 * (CLASS_LOSS_RULES, and `alpha` where α is an option), `alphaOf` reads α from them.
 */
function fenchelYoungLoss(
  fn: string,
  map: PredictionMap,
  rules: typeof CLASS_LOSS_RULES & Rules,
  alphaOf: (options: Readonly<Record<string, unknown>>) => number,
) {
  return (
    logits: ArrayInput,
    targets: Int32Array | readonly number[],
    options?: EntmaxLossOptions,
  ): LossResult => {
    const { p, o, t } = resolveClassLoss(fn, logits, targets, options, rules);
    const alpha = alphaOf(o);
    const x64 = p.x instanceof Float64Array ? p.x : Float64Array.from(p.x);
    const yHat = map(x64, { shape: p.layout.shape, axis: p.layout.axis }, alpha);
    const omegaScale = 1 / (alpha * (alpha - 1));
    const exact = alpha === 2 || alpha === 1.5; // sort solvers: ŷ to ~1 ulp relative
    return classRowLoss(
      p,
      t,
      (x, o, n, ti, g, aux) => {
        const y = aux[0]!;
        const xt = x[o + ti]!;
        let inner = 0;
        let powSum = 0;
        let powOthers = 0;
        for (let j = 0; j < n; j++) {
          const yj = y[o + j]!;
          g[j] = yj;
          if (yj === 0) continue;
          inner += yj * (x[o + j]! - xt);
          const pj = alpha === 2 ? yj * yj : yj ** alpha;
          powSum += pj;
          if (j !== ti) powOthers += pj;
        }
        const u = sumExcept(y, o, n, ti);
        g[ti] = -u; // ŷ_t − 1 without cancelling as ŷ_t → 1
        if (exact && y[o + ti]! > 0)
          return ((alpha - 1) * powOthers + tsallisGap(u, alpha)) * omegaScale;
        return inner - (powSum - 1) * omegaScale;
      },
      [yHat],
    );
  };
}

/**
 * f_α(u) = 1 − (1 − u)^(α−1)·(1 + (α − 1)·u) ≈ α(α − 1)·u²/2 for α ∈ {1.5, 2},
 * without cancellation: u² at α = 2; at α = 1.5, with s = √(1 − u),
 * f = (1 − s)²·(2 + s)/2 and 1 − s = u/(1 + s).
 */
function tsallisGap(u: number, alpha: number): number {
  if (alpha === 2) return u * u;
  const s = Math.sqrt(1 - u);
  const d = u / (1 + s);
  return (d * d * (2 + s)) / 2;
}

/** The sparsemax loss (α = 2) and its gradient sparsemax(θ) − e_t. See the module doc. */
export const sparsemaxLoss: (
  logits: ArrayInput,
  targets: Int32Array | readonly number[],
  options?: ClassLossOptions,
) => LossResult = fenchelYoungLoss(
  'sparsemaxLoss',
  (x, o) => sparsemax(x, o),
  CLASS_LOSS_RULES,
  () => 2,
);

/** The α-entmax loss and its gradient entmax_α(θ) − e_t. See the module doc. */
export const entmaxLoss = fenchelYoungLoss(
  'entmaxLoss',
  (x, o, alpha) =>
    alpha === 2 ? sparsemax(x, o) : alpha === 1.5 ? entmax15(x, o) : entmax(x, { ...o, alpha }),
  { ...CLASS_LOSS_RULES, alpha: numberRule({ greaterThan: 1, default: 1.5 }) },
  (o) => o.alpha as number,
);
