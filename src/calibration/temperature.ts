/**
 * Temperature scaling (Guo et al. 2017, "On calibration of modern neural
 * networks"): the T > 0 minimizing the mean negative log-likelihood
 *   NLL(T) = mean_r [logsumexp(x_r / T) − x_r,label / T]
 * over the labelled rows, fitted on logits (not probabilities: netcal's path).
 *
 * Method: with β = 1/T the NLL is convex (ℓ″(β) = Var_p(x) ≥ 0), so its slope
 * ℓ′(β) = mean(E_p[x] − x_label) is increasing and has at most one root.
 * Safeguarded Newton on ℓ′ (Press et al.'s rtsafe): a bracket [lo, hi] with
 * ℓ′(lo) < 0 < ℓ′(hi) is kept, a Newton step that leaves it or does not halve
 * the step is replaced by a geometric bisection (a bisection in log T), and an
 * unbounded side is explored by factors of 4 — so it converges always, and
 * quadratically near the optimum. Stop: |∂NLL/∂log T| = β·|ℓ′| ≤ 1e-12·β·scale
 * (scale = mean(|E_p[x − max]| + max − x_label), the size of the slope's terms)
 * or a bracket 4 ulp wide. Each iteration is one fused pass over the logits
 * (value, slope and curvature together: src/kernels/temperature.ts, a SIMD
 * WebAssembly kernel when loaded, src/kernels/js/temperature-rows.ts its reference),
 * after one pass for the row constants (maxima; ℓ′ and ℓ″ at β = 0, whose Newton
 * step replaces the first bisection toward 0); `iterations` counts the fused passes
 * (the first, at T = 1, also gives `nllBefore`). Float32 logits on the SIMD kernel:
 * the passes far from the optimum take single-precision exps (≤ 2^−23 relative per
 * term, a slope error ≤ ~2^−21·scale: such a slope below 1e-5·scale does not move the
 * bracket); from |slope| ≤ 1e-4·scale on, and always for the last pass, they are
 * precise (exp in double), so `temperature` and `nll` carry double-precision sums,
 * while `nllBefore` is then within ~2.4e-7 relative (float32's own accuracy).
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
  /** Fused passes over the logits (one more pass found the row maxima). */
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

/** Fit the temperature of logits to class labels. See the module doc for the method and limits. */
export function fitTemperature(
  logits: ArrayInput,
  labels: ClassLabels,
  options?: FitTemperatureOptions,
): TemperatureFit {
  const fn = 'fitTemperature';
  const o = resolveOptions(fn, options, RULES);
  const { passes } = labelledLogitRows(fn, logits, labels, o);
  const { stats } = passes;
  const N = stats.count;
  let fast = passes.hasFast && o.maxIterations > 1;
  const first = passes.at(1, fast);
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
  let curFast = fast;
  let iterations = 1;
  let step = Infinity;
  let stepBefore = Infinity;
  while (iterations < o.maxIterations) {
    const slope = Math.abs(cur.slope);
    if (!curFast && slope <= 1e-12 * cur.scale) break;
    if (!curFast || slope > FAST_NOISE * cur.scale) {
      if (cur.slope < 0) lo = beta;
      else hi = beta;
    }
    const narrow = hi < Infinity && hi - lo <= 4 * EPS * hi;
    if (narrow && !curFast) break;
    if (slope <= FAST_ENOUGH * cur.scale || narrow) fast = false;
    let next = beta;
    if (!narrow) {
      const newton = cur.curvature > 0 ? beta - cur.slope / cur.curvature : Number.NaN;
      if (newton > lo && newton < hi && Math.abs(newton - beta) <= 0.5 * Math.abs(stepBefore))
        next = newton;
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
