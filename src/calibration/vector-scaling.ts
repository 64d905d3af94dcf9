/**
 * Vector scaling (Guo et al. 2017, "On calibration of modern neural networks",
 * §4.2): a scale w_j and a bias b_j per class, fitted on logits by minimizing
 * the mean negative log-likelihood
 *   NLL(w, b) = mean_r [logsumexp_j(w_j·x_rj + b_j) − (w_t·x_rt + b_t)],  t = label of r
 * over the labelled rows. Apply the fit as softmax(w ⊙ x + b) row by row:
 * z_rj = scales[j]·x_rj + biases[j] (a masked −∞ logit stays masked).
 * Temperature scaling is the special case w_j = 1/T, b_j = 0.
 *
 * Method: the NLL is convex in (w, b) (logsumexp of functions affine in the
 * parameters), smooth, and ≥ 0. It is minimized by L-BFGS with an Armijo
 * backtracking line search and safeguards that make it provably convergent
 * (src/calibration/lbfgs.ts), in the variables (u_j, b_j) = (w_j·s_j, b_j),
 * s_j the largest |finite logit| of class j — so a unit step in any variable moves
 * the logits by about one. It stops when every partial derivative is at most
 * `tolerance` (default 1e-9) in those variables:
 *   max_j max(|∂NLL/∂b_j|, |∂NLL/∂w_j| / s_j) ≤ tolerance.
 * It starts from the fitted temperature (w_j = 1/T, b = 0; {@link fitTemperature})
 * and every step lowers the NLL, so `nll` ≤ temperature scaling's NLL, always.
 * Each pass over the logits computes the NLL and its gradient together
 * (src/kernels/js/vector-scaling-rows.ts); `iterations` counts the passes, the
 * temperature fit's included.
 *
 * What the optimum looks like: adding one constant to every bias changes
 * nothing, so the biases are returned summing to 0. Where no finite minimizer
 * exists — a class that is never a label (its b_j → −∞), or rows the scales
 * separate perfectly (w → ∞) — the NLL still decreases to its infimum and the
 * fit stops at the first point within the tolerance: finite parameters whose
 * NLL is within about `tolerance` of the infimum, never NaN. A class masked (−∞)
 * in every labelled row keeps its starting scale and a zero bias. Scales may be
 * negative if that fits better (vector scaling does not constrain them).
 * `converged` is false only when `maxIterations` ran out first (or rounding
 * stopped the line search above the tolerance); the best point is returned.
 * Logits so large (near the double range) that the scaled logits overflow at the
 * start return the temperature fit itself, with `converged: false`.
 *
 * Masks, ignoreIndex and errors as {@link fitTemperature}: a labelled row holding
 * NaN or +∞, or whose label's logit is −∞, throws INVALID_INPUT naming the row.
 * Float32 and Float64 logits are read as they are; all arithmetic is in double.
 *
 * @example
 * const fit = fitVectorScaling(logits, labels, { shape: [rows, classes] });
 * // calibrated row r: softmax over j of fit.scales[j] * logits[r, j] + fit.biases[j]
 */
import { classLogitScales, vectorScalingPass } from '../kernels/js/vector-scaling-rows.js';
import { integerRule, numberRule, resolveOptions } from '../tensor/options.js';
import type { ArrayInput } from '../tensor/types.js';
import {
  type ClassAxisOptions,
  type ClassLabels,
  LABELLED_RULES,
  labelledLogitRows,
} from './inputs.js';
import { minimizeLbfgs } from './lbfgs.js';
import { fitTemperature } from './temperature.js';

/** Options of {@link fitVectorScaling}. */
export interface FitVectorScalingOptions extends ClassAxisOptions {
  /** A label equal to this is ignored. Default −100. */
  ignoreIndex?: number;
  /** The largest partial derivative allowed at the result (see the module doc), > 0. Default 1e-9. */
  tolerance?: number;
  /** Most passes over the logits for the vector fit (the temperature fit's not counted). Default 1000. */
  maxIterations?: number;
}

/** Per-class scales and biases with the mean NLL at them and at the raw logits. */
export interface VectorScalingFit {
  /** w_j, one per class: calibrated logits are scales[j]·x_j + biases[j]. */
  scales: Float64Array;
  /** b_j, one per class, summing to 0. */
  biases: Float64Array;
  /** Mean NLL at the fit. */
  nll: number;
  /** Mean NLL of the raw logits (w = 1, b = 0). */
  nllBefore: number;
  /** Passes over the logits (value and gradient), the temperature fit's included. */
  iterations: number;
  /** Whether the gradient tolerance was met. */
  converged: boolean;
}

const RULES = {
  ...LABELLED_RULES,
  tolerance: numberRule({ greaterThan: 0, default: 1e-9 }),
  maxIterations: integerRule({ atLeast: 1, default: 1000 }),
} as const;

/** Fit vector scaling of logits to class labels. See the module doc for the method and limits. */
export function fitVectorScaling(
  logits: ArrayInput,
  labels: ClassLabels,
  options?: FitVectorScalingOptions,
): VectorScalingFit {
  const fn = 'fitVectorScaling';
  const o = resolveOptions(fn, options, RULES);
  const { x, rows, n, t, passes } = labelledLogitRows(fn, logits, labels, o);
  const { stats } = passes;
  const N = stats.count;
  const scalar = fitTemperature(x, t, { shape: [rows, n], ignoreIndex: -1 });
  const T = scalar.temperature;
  const w0 = T > 0 && T < Infinity ? 1 / T : T === Infinity ? 0 : 1;
  const s = classLogitScales(x, rows, n, t).map((v) => (v > 0 ? v : 1));
  const w = new Float64Array(n);
  const b = new Float64Array(n);
  const grad = new Float64Array(2 * n);
  // θ = (u, b) with w = u / s; the mean NLL and its gradient in θ
  const objective = (theta: Float64Array, g: Float64Array) => {
    for (let j = 0; j < n; j++) {
      w[j] = theta[j]! / s[j]!;
      b[j] = theta[n + j]!;
    }
    const total = vectorScalingPass(x, rows, n, t, w, b, grad);
    for (let j = 0; j < n; j++) {
      g[j] = grad[j]! / s[j]! / N;
      g[n + j] = grad[n + j]! / N;
    }
    return total / N;
  };
  const theta0 = new Float64Array(2 * n);
  for (let j = 0; j < n; j++) theta0[j] = w0 * s[j]!;
  const fit = minimizeLbfgs(objective, theta0, o.tolerance, o.maxIterations);
  if (!Number.isFinite(fit.value))
    return {
      scales: new Float64Array(n).fill(w0),
      biases: new Float64Array(n),
      nll: scalar.nll,
      nllBefore: scalar.nllBefore,
      iterations: scalar.iterations + fit.passes,
      converged: false,
    };
  const scales = new Float64Array(n);
  const biases = new Float64Array(n);
  let mean = 0;
  for (let j = 0; j < n; j++) mean += fit.theta[n + j]! / n;
  for (let j = 0; j < n; j++) {
    scales[j] = fit.theta[j]! / s[j]!;
    biases[j] = fit.theta[n + j]! - mean;
  }
  return {
    scales,
    biases,
    nll: fit.value,
    nllBefore: scalar.nllBefore,
    iterations: scalar.iterations + fit.passes,
    converged: fit.converged,
  };
}
