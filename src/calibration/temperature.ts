/**
 * Temperature scaling (Guo et al. 2017, "On calibration of modern neural
 * networks"): the T > 0 minimizing the mean negative log-likelihood
 *   NLL(T) = mean_r [logsumexp(x_r / T) − x_r,label / T]
 * over the labelled rows, fitted on logits (not probabilities: netcal's path).
 *
 * Method: with β = 1/T the NLL is convex (ℓ″(β) = Var_p(x) ≥ 0), so its slope
 * ℓ′(β) = mean(E_p[x] − x_label) is increasing and has at most one root.
 * Safeguarded Halley on ℓ′ (Press et al.'s rtsafe with the cubic Taylor model): a
 * bracket [lo, hi] with ℓ′(lo) < 0 < ℓ′(hi) is kept, a step (the root of
 * ℓ′ + ℓ″δ + ℓ‴δ²/2 nearest 0) that leaves it or does not halve the step is replaced
 * by a geometric bisection (a bisection in log T), and an unbounded side is explored
 * by factors of 4 — so it converges always, and cubically near the optimum. Stop:
 * |∂NLL/∂log T| = β·|ℓ′| ≤ 1e-12·β·scale (scale = mean(|E_p[x − max]| + max − x_label),
 * the size of the slope's terms) or a bracket 4 ulp wide. The usual end takes the last
 * step without a pass: from a precise pass, the slope at β + δ is bounded by the
 * model's residual plus the Taylor remainder |δ|³/6·R²·e^(|δ|R)·ℓ″ (R the largest row
 * range max − min: |ℓ⁗| ≤ R²·Var, and the variance grows at most by e^(|δ|R) over the
 * step); where that bound is within the tolerance, T = 1/(β + δ) is returned with the
 * NLL from the same expansion (remainder ≤ δ⁴/24·R²·e^(|δ|R)·ℓ″, far below the sums'
 * rounding), else one more pass is made. Each iteration is one fused pass over the
 * logits (value and three derivatives together: src/kernels/temperature.ts, a SIMD
 * WebAssembly kernel when loaded, src/kernels/js/temperature-rows.ts its reference),
 * the first, at T = 1 (it gives `nllBefore`), made with the row constants (maxima,
 * ranges; ℓ′ and ℓ″ at β = 0, whose Newton step is the first step toward 0) as the
 * row is read once; `iterations` counts the fused passes. Float32 logits on the SIMD kernel:
 * the passes far from the optimum take single-precision exps (≤ 2^−23 relative per
 * term, a slope error ≤ ~2^−21·scale: such a slope below 1e-5·scale does not move the
 * bracket); once |slope| ≤ 1e-4·scale, or the step predicts ≤ 1e-6·scale, and always
 * for the last pass, they are precise (exp in double), so `temperature` and `nll`
 * carry double-precision sums, while `nllBefore` is then within ~2.4e-7 relative
 * (float32's own accuracy). A typical fit of Float32 logits on the kernel: the row
 * constants with the fast pass at T = 1, one more fast pass, one precise pass, and
 * the last step without a pass.
 *
 * Where no finite T > 0 is optimal, the result says so, never NaN or T ≤ 0:
 * - every label is a row maximum (all correct and no other label logit ties
 *   above): the NLL decreases to its limit as T → 0: `temperature: 0`,
 *   `nll` = mean log(ties at the max) (0 without ties);
 * - ℓ′(0⁺) ≥ 0 (the labels' logits lie at or below their rows' means on
 *   average): the NLL decreases as T → ∞: `temperature: Infinity`,
 *   `nll` = mean log(unmasked classes), the uniform distribution's.
 *
 * Masks: −∞ logits are classes with probability 0 at every T. A row whose label
 * is masked, or which holds NaN or +∞, cannot be fitted and throws
 * INVALID_INPUT naming it (ignore it with `ignoreIndex`).
 *
 * @example
 * const logits = [4, 0, 0, 0, 4, 0, 4, 0, 0, 0, 0, 4];
 * const fit = fitTemperature(logits, [0, 1, 1, 2], { shape: [4, 3] });
 * fit.temperature; // ≈ 2.23: these logits are over-confident (one of four rows is wrong)
 */
import type { TemperatureSums } from '../kernels/js/temperature-rows.js';
import { integerRule, resolveOptions } from '../tensor/options.js';
import type { ArrayInput } from '../tensor/types.js';
import {
  type ClassAxisOptions,
  type ClassLabels,
  LABELLED_RULES,
  labelledLogitRows,
} from './inputs.js';

/** Options of {@link fitTemperature}. */
export interface FitTemperatureOptions extends ClassAxisOptions {
  /** A label equal to this is ignored. Default −100. */
  ignoreIndex?: number;
  /** Most fused passes before giving up on the tolerance (the best T so far is returned). Default 100. */
  maxIterations?: number;
}

/** The fitted temperature and the mean NLL at it and at T = 1. */
export interface TemperatureFit {
  /** The optimal T > 0; 0 or Infinity when the optimum is that limit (see the doc). */
  temperature: number;
  /** Mean NLL of softmax(x/T) at the fitted T. */
  nll: number;
  /** Mean NLL at T = 1. */
  nllBefore: number;
  /** Fused passes over the logits (the first also finds the row maxima; the last step may take none). */
  iterations: number;
}

const RULES = {
  ...LABELLED_RULES,
  maxIterations: integerRule({ atLeast: 1, default: 100 }),
} as const;

const EPS = 2 ** -52;
/**
 * Fast passes (Float32 logits on the SIMD kernel: single-precision exps, ≤ 2^−23
 * relative per term) carry a slope error ≤ ~2^−21·scale: a slope below FAST_NOISE·scale
 * may have the wrong sign (the bracket ignores it), and from FAST_ENOUGH·scale on the
 * passes are precise, so the last steps and the stopping test see double-precision sums.
 */
const FAST_NOISE = 1e-5;
const FAST_ENOUGH = 1e-4;
/** A fast pass whose Halley step predicts a slope below this·scale makes the next pass precise. */
const FAST_CLOSE = 1e-6;
/** The tolerance on |ℓ′| relative to the scale (|∂NLL/∂log T| ≤ TOL·β·scale). */
const TOL = 1e-12;

/**
 * Halley's step from a pass at β: the root δ nearest 0 of the Taylor model
 * ℓ′ + ℓ″·δ + ℓ‴·δ²/2 (Newton's −ℓ′/ℓ″ where it has none), and `bound` ≥ |ℓ′(β + δ)|:
 * the model's residual plus the Lagrange remainder |δ|³/6·max|ℓ⁗| over [β, β + δ], with
 * |ℓ⁗| ≤ R²·Var (|κ₄| ≤ R²·Var for a variable of range R) and Var at β + ξ ≤ e^(|ξ|·R)·Var
 * at β (the tilted weights change by at most that factor); R = stats.range.
 */
function halley(s: TemperatureSums, range: number): { delta: number; bound: number } {
  const { slope, curvature: c, third: t } = s;
  const disc = c * c - 2 * t * slope;
  const delta = disc >= 0 ? (-2 * slope) / (c + Math.sqrt(disc)) : -slope / c;
  const d = Math.abs(delta);
  const model = Math.abs(slope + delta * (c + 0.5 * t * delta));
  const rest = d === 0 ? 0 : ((d * d * d) / 6) * range * range * Math.exp(d * range) * c;
  return { delta, bound: model + rest };
}

/** Fit the temperature of logits to class labels. See the module doc for the method and limits. */
export function fitTemperature(
  logits: ArrayInput,
  labels: ClassLabels,
  options?: FitTemperatureOptions,
): TemperatureFit {
  const fn = 'fitTemperature';
  const o = resolveOptions(fn, options, RULES);
  // the pass at T = 1 comes with the row constants: fast unless it is to be the only one
  const fast0 = o.maxIterations > 1;
  const { passes } = labelledLogitRows(fn, logits, labels, { ...o, fastFirst: fast0 });
  const { stats } = passes;
  const N = stats.count;
  let fast = passes.hasFast && fast0;
  const first = passes.first;
  const nllBefore = first.nll / N;
  if (stats.gapSum === 0)
    return { temperature: 0, nll: stats.logTiesSum / N, nllBefore, iterations: 1 };
  if (stats.slopeAtZero >= 0)
    return { temperature: Infinity, nll: stats.logFiniteSum / N, nllBefore, iterations: 1 };

  // Newton's step from β = 0, where the row constants give ℓ′ and ℓ″: while the bracket
  // is [0, hi) it usually lands far closer than a bisection (saves passes)
  const fromZero = -stats.slopeAtZero / stats.curvatureAtZero;
  let lo = 0;
  let hi = Infinity;
  let beta = 1;
  let cur = first;
  let curFast = passes.firstFast;
  let iterations = 1;
  let step = Infinity;
  let stepBefore = Infinity;
  for (;;) {
    const slope = Math.abs(cur.slope);
    if (!curFast && slope <= TOL * cur.scale) break;
    if (!curFast || slope > FAST_NOISE * cur.scale) {
      if (cur.slope < 0) lo = beta;
      else hi = beta;
    }
    const narrow = hi < Infinity && hi - lo <= 4 * EPS * hi;
    if (narrow && !curFast) break;
    const { delta, bound } = halley(cur, stats.range);
    const target = beta + delta;
    if (!curFast && target > lo && target < hi && bound <= TOL * cur.scale) {
      // the last step needs no pass: the slope there is within the bound, the NLL from
      // the cubic expansion (its remainder ≤ δ⁴/24·max|ℓ⁗|, far below the sums' rounding)
      const c = cur.curvature / 2 + (cur.third * delta) / 6;
      const nll = cur.nll + delta * (cur.slope + delta * c);
      return { temperature: 1 / target, nll: nll / N, nllBefore, iterations };
    }
    if (iterations >= o.maxIterations) break;
    if (slope <= FAST_ENOUGH * cur.scale || bound <= FAST_CLOSE * cur.scale || narrow) fast = false;
    let next = beta;
    if (!narrow) {
      if (iterations === 1 && lo === 0 && fromZero > 0 && fromZero < hi) next = fromZero;
      else if (target > lo && target < hi && Math.abs(delta) <= 0.5 * Math.abs(stepBefore))
        next = target;
      else if (hi === Infinity) next = beta * 4;
      else if (lo === 0) next = fromZero > 0 && fromZero < hi ? fromZero : beta / 4;
      else next = Math.sqrt(lo) * Math.sqrt(hi);
    }
    stepBefore = step;
    step = next - beta;
    beta = next;
    if (iterations + 1 >= o.maxIterations) fast = false; // the last pass is precise
    cur = passes.at(beta, fast);
    curFast = fast;
    iterations++;
  }
  return { temperature: 1 / beta, nll: cur.nll / N, nllBefore, iterations };
}
