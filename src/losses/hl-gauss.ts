/**
 * Regression as classification: HL-Gauss and two-hot target histograms, the
 * loss, and the decoder (Imani & White, "Improving Regression Performance with
 * Distributional Losses", ICML 2018, arXiv:1806.04613; Farebrother et al.,
 * "Stop Regressing: Training Value Functions via Classification for Scalable
 * Deep RL", ICML 2024, arXiv:2403.03950).
 *
 * The range [min, max] is cut into `bins` equal bins with edges e_i and
 * centers c_i; a scalar y becomes a distribution over the bins:
 * - HL-Gauss: the mass of N(y, σ²) in each bin, renormalized to [min, max]:
 *     q_i = (Φ((e_{i+1} − y)/σ) − Φ((e_i − y)/σ)) / (Φ((max − y)/σ) − Φ((min − y)/σ))
 *   σ defaults to 0.75 bin widths (the paper's recommended σ/width).
 * - two-hot: y (clipped to [c_0, c_last]) split linearly between its two
 *   nearest centers, so Σ q_i c_i = y exactly.
 * `hlGaussLoss` is crossEntropy against the HL-Gauss histogram (gradient
 * softmax(x) − q); `decodeHistogram` gives the prediction Σ softmax(x)_i c_i.
 *
 * Stability: Φ from erfc on the side where it is small (no 1 − Φ
 * cancellation in the tails; src/kernels/js/normal-tail.ts): erfc by its
 * positive-term series for |x| < 3 and Lentz's continued fraction beyond.
 * Error bound: histogram entries ≤ 1e-14 of the histogram's largest entry
 * (test/losses/hl-gauss.test.ts, 60-digit reference).
 *
 * Non-finite policy: non-finite values y throw INVALID_INPUT; the loss and
 * decoder follow crossEntropy and softmax (masked logits get probability 0,
 * a fully masked row gives 0, NaN stays in its row).
 *
 * Sizes: bins ≤ 2^28 and values × bins ≤ 2^28 elements, checked before
 * allocating (INVALID_PARAMETER). Every error names the function called
 * (hlGaussLoss, decodeHistogram), not a helper (issue 15).
 *
 * @example
 * hlGaussTargets([0.3], { min: 0, max: 1, bins: 10 });      // 10 bin masses around 0.3
 * const { loss, grad } = hlGaussLoss(logits, values, { shape: [N, 51], min: -10, max: 10 });
 * decodeHistogram(logits, { shape: [N, 51], min: -10, max: 10 }); // N predictions
 */
import { resolveBackend } from '../kernels/backend.js';
import { upperTail } from '../kernels/js/normal-tail.js';
import { forEachRow } from '../kernels/strided-rows.js';
import { allocLike, resultArray, sharesMemory, toFloatArray } from '../tensor/arrays.js';
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import { rowLayout } from '../tensor/layout.js';
import { numberRule, ROW_RULES, resolveOptions } from '../tensor/options.js';
import type { ArrayInput, FloatArray, RowOptions } from '../tensor/types.js';
import { requireNumber } from '../tensor/validate.js';
import { type CrossEntropyResult, crossEntropy } from './cross-entropy.js';
import {
  LOSS_RULES,
  type LossOptions,
  MAX_PARAMETER_ELEMENTS,
  requireAllocation,
  requiredNumberRule,
  resolveLoss,
} from './loss-options.js';

/** The support: [min, max] in `bins` equal bins. */
export interface HistogramSupport {
  min: number;
  max: number;
  /** Number of bins (classes). */
  bins: number;
}

/** Options of {@link hlGaussTargets}. */
export interface HlGaussOptions extends HistogramSupport {
  /** Gaussian σ > 0. Default 0.75·(max − min)/bins. */
  sigma?: number;
}

/** Φ(b) − Φ(a) for a ≤ b, taken on the side of the mean where both tails are small. */
function normalMass(a: number, b: number): number {
  if (a >= 0) return upperTail(a) - upperTail(b);
  if (b <= 0) return upperTail(-b) - upperTail(-a);
  return 1 - upperTail(b) - upperTail(-a);
}

/** The support's rules: min and max (finite, given), bins (an integer in [1, 2^28], given). */
const SUPPORT_RULES = {
  min: requiredNumberRule(),
  max: requiredNumberRule(),
  bins: requiredNumberRule({ integer: true, atLeast: 1, atMost: MAX_PARAMETER_ELEMENTS }),
} as const;

/** σ > 0; undefined: 0.75 bin widths. */
const sigmaRule = numberRule({ greaterThan: 0 });

/** max > min, checked once the support is resolved (named after the public function fn). */
function requireRange(fn: string, min: number, max: number): void {
  requireNumber(fn, 'max', max, { greaterThan: min });
}

function finiteValues(fn: string, values: unknown): FloatArray {
  const y = toFloatArray(fn, 'values', values);
  for (let i = 0; i < y.length; i++)
    if (!Number.isFinite(y[i]!))
      throw new SoftmaxKitError(
        'INVALID_INPUT',
        `${fn}: expected values[${i}] to be finite, got ${y[i]}`,
      );
  return y;
}

/** Bin centers c_i = min + (i + ½)·width (a validated support). */
function centers(min: number, max: number, bins: number): Float64Array {
  const w = (max - min) / bins;
  return Float64Array.from({ length: bins }, (_, i) => min + (i + 0.5) * w);
}

/** Bin centers c_i = min + (i + ½)·width. */
export function histogramCenters(s: HistogramSupport): Float64Array {
  const fn = 'histogramCenters';
  const { min, max, bins } = resolveOptions(fn, s, SUPPORT_RULES);
  requireRange(fn, min, max);
  return centers(min, max, bins);
}

/** HL-Gauss histograms of validated values y over a validated support, y's element type. */
function gaussHistograms(
  y: FloatArray,
  min: number,
  max: number,
  bins: number,
  sigma: number,
): FloatArray {
  const w = (max - min) / bins;
  const out = allocLike(y, y.length * bins);
  for (let r = 0; r < y.length; r++) {
    const z = (e: number) => (e - y[r]!) / sigma;
    const total = normalMass(z(min), z(max));
    for (let i = 0; i < bins; i++)
      out[r * bins + i] =
        normalMass(z(min + i * w), z(i === bins - 1 ? max : min + (i + 1) * w)) / total;
  }
  return out;
}

/** The values of a histogram call, validated, with the output size checked before allocating. */
function histogramValues(fn: string, values: unknown, bins: number): FloatArray {
  const y = finiteValues(fn, values);
  requireAllocation(fn, 'values.length × bins', y.length * bins);
  return y;
}

/** HL-Gauss target histograms, [values.length, bins], values' element type. */
export function hlGaussTargets(values: ArrayInput, options: HlGaussOptions): FloatArray {
  const fn = 'hlGaussTargets';
  const o = resolveOptions(fn, options, { ...SUPPORT_RULES, sigma: sigmaRule });
  requireRange(fn, o.min, o.max);
  const y = histogramValues(fn, values, o.bins);
  return gaussHistograms(y, o.min, o.max, o.bins, o.sigma ?? 0.75 * ((o.max - o.min) / o.bins));
}

/** Two-hot target histograms, [values.length, bins]: y split between its two nearest centers. */
export function twoHotTargets(values: ArrayInput, options: HistogramSupport): FloatArray {
  const fn = 'twoHotTargets';
  const { min, max, bins } = resolveOptions(fn, options, SUPPORT_RULES);
  requireRange(fn, min, max);
  const y = histogramValues(fn, values, bins);
  const w = (max - min) / bins;
  const out = allocLike(y, y.length * bins);
  for (let r = 0; r < y.length; r++) {
    const u = Math.min(Math.max((y[r]! - min) / w - 0.5, 0), bins - 1); // position in center units
    const i = Math.min(Math.floor(u), bins - 2);
    if (i < 0) {
      out[r * bins] = 1;
      continue;
    }
    const f = u - i;
    out[r * bins + i] = 1 - f;
    out[r * bins + i + 1] = f;
  }
  return out;
}

/** Options of {@link hlGaussLoss}: the support, σ, and the loss options (class axis = bins). */
export interface HlGaussLossOptions extends LossOptions {
  min: number;
  max: number;
  sigma?: number;
}

/** The option rules of {@link hlGaussLoss} (bins is the class axis's length). */
const HL_GAUSS_LOSS_RULES = {
  ...LOSS_RULES,
  min: SUPPORT_RULES.min,
  max: SUPPORT_RULES.max,
  sigma: sigmaRule,
} as const;

/**
 * Cross-entropy of logits (class axis of length `bins`) against the HL-Gauss
 * histograms of `values` (one per row, reduced shape).
 */
export function hlGaussLoss(
  logits: ArrayInput,
  values: ArrayInput,
  options: HlGaussLossOptions,
): CrossEntropyResult {
  const fn = 'hlGaussLoss';
  const { p, o } = resolveLoss(fn, logits, options, HL_GAUSS_LOSS_RULES);
  const { x, layout } = p;
  const { outer, n, inner } = layout;
  requireRange(fn, o.min, o.max);
  const y = finiteValues(fn, values);
  if (y.length !== outer * inner)
    throw new SoftmaxKitError(
      'SHAPE_MISMATCH',
      `${fn}: expected ${outer * inner} values (one per row), got ${y.length}`,
    );
  const rows = gaussHistograms(y, o.min, o.max, n, o.sigma ?? 0.75 * ((o.max - o.min) / n));
  // Lay the target rows out along the class axis of the logits.
  const target = allocLike(x, x.length);
  for (let r = 0; r < outer; r++)
    for (let j = 0; j < inner; j++)
      for (let i = 0; i < n; i++)
        target[r * n * inner + i * inner + j] = rows[(r * inner + j) * n + i]!;
  const { shape, axis, reduction, gradOut } = o;
  return crossEntropy(x, target, { shape, axis, reduction, gradOut });
}

/** Options of {@link decodeHistogram}. */
export interface DecodeHistogramOptions extends RowOptions {
  min: number;
  max: number;
}

/** The option rules of {@link decodeHistogram}: the row options (out, backend) and the range. */
const DECODE_RULES = { ...ROW_RULES, min: SUPPORT_RULES.min, max: SUPPORT_RULES.max } as const;

/**
 * The expected value Σ softmax(x)_i·c_i per row (reduced shape, logits' element
 * type; into `out` when given, which must not share the logits' memory). The
 * softmax rows run on the resolved `backend`'s kernel; the sum is in double.
 */
export function decodeHistogram(logits: ArrayInput, options: DecodeHistogramOptions): FloatArray {
  const fn = 'decodeHistogram';
  const o = resolveOptions(fn, options, DECODE_RULES);
  const x = toFloatArray(fn, 'logits', logits);
  const layout = rowLayout(fn, x.length, o.shape, o.axis);
  requireRange(fn, o.min, o.max);
  const n = layout.n;
  const c = centers(o.min, o.max, n);
  const out = resultArray(fn, x, layout.outer * layout.inner, o.out);
  if (sharesMemory(out, x))
    throw new SoftmaxKitError(
      'INVALID_OUT',
      `${fn}: expected out apart from the logits, got ${describe(out)} sharing their memory`,
    );
  const backend = resolveBackend(fn, o.backend, x.length, x instanceof Float32Array);
  let p = allocLike(x, 0);
  forEachRow(layout, [x], out, true, (ins, y, rows) => {
    if (p.length < rows * n) p = allocLike(x, rows * n);
    backend.softmax({ x: ins[0]!, y: p, rows, n, algorithm: 'three-pass', s: 1, log: false });
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += p[r * n + i]! * c[i]!;
      y[r] = s;
    }
  });
  return out;
}
