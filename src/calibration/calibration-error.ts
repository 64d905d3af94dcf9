/**
 * calibrationError: how far a classifier's confidence is from its accuracy.
 * Top-label (default): each row's confidence is its largest probability and it
 * is correct when that class (the first, on ties) is the label (Guo et al.
 * 2017; Naeini et al. 2015). The rows are binned (bins.ts: uniform bins
 * (k/B, (k+1)/B] with 0 and 1 in the edge bins, or quantile bins of equal
 * count), and
 *   ECE = Σ_b (n_b/N)·|acc_b − conf_b|   (norm 'l1'),
 * 'l2' its root-mean-square form, 'max' the largest gap (MCE), as torchmetrics.
 * `mce` is always the largest gap over non-empty bins.
 *
 * `classwise` (Kull et al. 2019): every class c is a binary problem with
 * confidence p_c and outcome [label = c]; `ece` is the mean of the classes'
 * errors, `mce` the largest gap, `bins` all classes' bins (each with `class`).
 *
 * `debiased` (norm 'l2'; Kumar et al. 2019): the plug-in squared error is
 * biased up by each bin's sampling variance; the estimator subtracts
 * acc_b(1 − acc_b)/(n_b − 1) per bin, clamped at 0 before the root.
 *
 * `bootstrap: { samples, seed, level }`: the rows are resampled with
 * replacement `samples` times (seeded Philox, reproducible) and the error
 * recomputed on each; `interval` gives the percentile interval at `level`
 * (default 0.95) — if two models' intervals overlap widely, their difference
 * is noise (Efron & Tibshirani 1993).
 *
 * Input: probability rows (entries in [0, 1]; they are not renormalized) along
 * the class `axis`; labels with `ignoreIndex` rows left out.
 *
 * @example
 * const probs = [0.9, 0.1, 0.8, 0.2, 0.3, 0.7, 0.6, 0.4];
 * const r = calibrationError(probs, [0, 1, 1, 0], { shape: [4, 2], bins: 5 });
 * r.ece;  // 0.25: gaps 0.1, 0.25, 0.4 in bins holding 1, 2, 1 of the 4 rows
 * r.bins; // [{ lower: 0, upper: 0.2, count: 0, … }, …]
 */
import { uniform } from '../random/noise.js';
import { seedRule } from '../random/seed.js';
import { SoftmaxKitError } from '../tensor/errors.js';
import {
  booleanRule,
  integerRule,
  numberRule,
  oneOfRule,
  type Resolved,
  requireOptionsObject,
  resolveOptions,
  rule,
} from '../tensor/options.js';
import type { ArrayInput } from '../tensor/types.js';
import {
  type Binning,
  binError,
  binTable,
  type CalibrationBin,
  type Norm,
  type Pairs,
  pairs,
} from './bins.js';
import {
  type ClassAxisOptions,
  type ClassLabels,
  LABELLED_RULES,
  labelledProbabilityRows,
} from './inputs.js';

export type { CalibrationBin };

/** Options of {@link calibrationError}. */
export interface CalibrationErrorOptions extends ClassAxisOptions {
  /** Number of bins, in [1, 2^20]. Default 15. */
  bins?: number;
  /** 'l1' (ECE, default), 'l2' (RMS calibration error) or 'max' (MCE). */
  norm?: Norm;
  /** 'uniform' (default) or 'quantile' (equal-count bins). */
  binning?: Binning;
  /** Kull et al.'s classwise ECE instead of the top-label one. Default false. */
  classwise?: boolean;
  /** Kumar et al.'s debiased estimator (norm 'l2' only). Default false. */
  debiased?: boolean;
  /** A percentile bootstrap interval of `ece`; `true` for the defaults. */
  bootstrap?: boolean | BootstrapOptions;
  /** A label equal to this is ignored. Default −100. */
  ignoreIndex?: number;
}

/** Options of the bootstrap interval. */
export interface BootstrapOptions {
  /** Resamples, in [2, 2^20]. Default 1000. */
  samples?: number;
  /** Philox seed (integer in [0, 2^53)); omitted, a fresh one is drawn. */
  seed?: number;
  /** Coverage of the interval, in (0, 1). Default 0.95. */
  level?: number;
}

/** A bootstrap percentile interval. */
export interface BootstrapInterval {
  lower: number;
  upper: number;
  level: number;
  samples: number;
  seed: number;
}

/** The calibration error, the largest bin gap, the bins table, and an interval when asked. */
export interface CalibrationErrorResult {
  ece: number;
  mce: number;
  bins: CalibrationBin[];
  interval?: BootstrapInterval;
}

const BOOTSTRAP_RULES = {
  samples: integerRule({ atLeast: 2, atMost: 2 ** 20, default: 1000 }),
  seed: seedRule,
  level: numberRule({ greaterThan: 0, lessThan: 1, default: 0.95 }),
} as const;

export const CALIBRATION_RULES = {
  ...LABELLED_RULES,
  // bounded so a huge count is a clear error, not a RangeError or a hang (each bin is an object)
  bins: integerRule({ atLeast: 1, atMost: 2 ** 20, default: 15 }),
  norm: oneOfRule<Norm>(['l1', 'l2', 'max'], 'l1'),
  binning: oneOfRule<Binning>(['uniform', 'quantile'], 'uniform'),
  classwise: booleanRule(false),
  debiased: booleanRule(false),
  bootstrap: rule((fn, _name, v) =>
    v === false
      ? undefined
      : resolveOptions(
          fn,
          v === true ? {} : requireOptionsObject(fn, v, 'bootstrap'),
          BOOTSTRAP_RULES,
        ),
  ),
} as const;

/** The per-problem pairs of a call: one (top-label) or one per class (classwise). */
function calibrationPairs(
  fn: string,
  probs: ArrayInput,
  labels: ClassLabels,
  o: {
    shape: readonly number[] | undefined;
    axis: number;
    ignoreIndex: number;
    classwise: boolean;
  },
): Pairs[] {
  const { x, rows, n, t } = labelledProbabilityRows(fn, probs, labels, o);
  const kept: number[] = [];
  for (let r = 0; r < rows; r++) if (t[r]! >= 0) kept.push(r);
  const N = kept.length;
  if (N === 0)
    throw new SoftmaxKitError(
      'INVALID_INPUT',
      `${fn}: expected at least one row whose label is not ignoreIndex, got none of ${rows}`,
    );
  if (o.classwise)
    return Array.from({ length: n }, (_, c) => {
      const conf = new Float64Array(N);
      const hit = new Uint8Array(N);
      kept.forEach((r, i) => {
        conf[i] = x[r * n + c]!;
        hit[i] = t[r] === c ? 1 : 0;
      });
      return pairs(conf, hit);
    });
  const conf = new Float64Array(N);
  const hit = new Uint8Array(N);
  kept.forEach((r, i) => {
    let best = 0;
    for (let c = 1; c < n; c++) if (x[r * n + c]! > x[r * n + best]!) best = c;
    conf[i] = x[r * n + best]!;
    hit[i] = t[r] === best ? 1 : 0;
  });
  return [pairs(conf, hit)];
}

/** ece, mce and the bins of a set of problems (row weights from a resample, if any). */
function measure(
  problems: readonly Pairs[],
  B: number,
  binning: Binning,
  norm: Norm,
  debiased: boolean,
  weight?: Int32Array,
): { ece: number; mce: number; bins: CalibrationBin[] } {
  let ece = 0;
  let mce = 0;
  const bins: CalibrationBin[] = [];
  problems.forEach((p, c) => {
    const table = binTable(p, B, binning, weight);
    ece += binError(table, norm, debiased) / problems.length;
    mce = Math.max(mce, binError(table, 'max', false));
    for (const b of table) bins.push(problems.length > 1 ? { class: c, ...b } : b);
  });
  return { ece, mce, bins };
}

/** Top-label or classwise calibration error of probability rows. See the module doc. */
export function calibrationError(
  probs: ArrayInput,
  labels: ClassLabels,
  options?: CalibrationErrorOptions,
): CalibrationErrorResult {
  const o = resolveOptions('calibrationError', options, CALIBRATION_RULES);
  return resolvedCalibrationError('calibrationError', probs, labels, o);
}

/** calibrationError on resolved options, errors naming `fn` (the reliability diagram shares it). */
export function resolvedCalibrationError(
  fn: string,
  probs: ArrayInput,
  labels: ClassLabels,
  o: Resolved<typeof CALIBRATION_RULES>,
): CalibrationErrorResult {
  if (o.debiased && o.norm !== 'l2')
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected norm 'l2' with debiased (Kumar et al.'s estimator is for the squared error), got '${o.norm}'`,
    );
  const problems = calibrationPairs(fn, probs, labels, o);
  const result: CalibrationErrorResult = measure(problems, o.bins, o.binning, o.norm, o.debiased);
  const b = o.bootstrap;
  if (b !== undefined) {
    const N = problems[0]!.confidence.length;
    const draws = new Float64Array(N);
    const weight = new Int32Array(N);
    const eces = new Float64Array(b.samples);
    for (let s = 0; s < b.samples; s++) {
      uniform(b.seed, s * N, draws);
      weight.fill(0);
      for (let i = 0; i < N; i++) weight[Math.floor(draws[i]! * N)]!++;
      eces[s] = measure(problems, o.bins, o.binning, o.norm, o.debiased, weight).ece;
    }
    eces.sort();
    result.interval = {
      lower: quantile(eces, (1 - b.level) / 2),
      upper: quantile(eces, (1 + b.level) / 2),
      level: b.level,
      samples: b.samples,
      seed: b.seed,
    };
  }
  return result;
}

/** The q-quantile of sorted values, linear between order statistics (numpy's default). */
function quantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const i = Math.floor(h);
  const j = Math.min(sorted.length - 1, i + 1);
  return sorted[i]! + (h - i) * (sorted[j]! - sorted[i]!);
}
