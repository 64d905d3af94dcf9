/**
 * Split conformal prediction sets from softmax probabilities (Vovk et al. 2005;
 * Angelopoulos & Bates 2021, "A gentle introduction to conformal prediction").
 * `conformalCalibrate` scores the n calibration rows' true labels and takes
 *   q̂ = the ⌈(n + 1)(1 − α)⌉-th smallest score   (+∞ when that exceeds n),
 * `predictionSets` keeps every class whose score is ≤ q̂. If the calibration and
 * test rows are exchangeable, P(label ∈ set) ≥ 1 − α for a new row — a
 * finite-sample guarantee, whatever the model (and ≤ 1 − α + 1/(n + 1) without ties).
 *
 * Scores s(x, c) of class c in a probability row p:
 * - 'lac' (least ambiguous classifier; Sadinle et al. 2019): 1 − p_c. Smallest sets.
 * - 'aps' (adaptive prediction sets; Romano et al. 2020): Σ_{j: p_j ≥ p_c} p_j, the
 *   mass of the classes at least as probable as c (ties included: the
 *   non-randomized, conservative form — the guarantee holds, coverage may exceed
 *   1 − α slightly more).
 * - 'raps' (regularized APS; Angelopoulos et al. 2021): APS + λ·max(0, rank(c) − kReg),
 *   rank(c) = #{j: p_j ≥ p_c}; `lambda` (default 0.01) and `kReg` (default 5)
 *   penalize long tails of unlikely classes.
 * - `randomized: true` ('aps' and 'raps'; Romano et al. 2020, Angelopoulos et al.
 *   2021): the classes sorted by probability descending (ties by lower index), class
 *   c at rank o scores Σ_{rank < o} p + U·p_c (+ λ·max(0, o − kReg) for RAPS), one
 *   U ~ Uniform(0, 1) per row. The score is then continuous, so coverage is exactly
 *   ⌈(n + 1)(1 − α)⌉ / (n + 1) in expectation (≈ 1 − α, not merely ≥); sets may be
 *   empty. U comes from Philox (src/random) by `seed`: calibration row r draws
 *   stream element 2r, prediction row r element 2r + 1, so one seed used for both
 *   still gives independent draws; an omitted seed is fresh on every call.
 * A set always holds the classes its score admits, which may be none for LAC when
 * q̂ is small; every method's sets grow monotonically with q̂.
 *
 * @example
 * const cal = conformalCalibrate(calProbs, calLabels, { shape: [n, k], alpha: 0.1, method: 'aps' });
 * const { sets, sizes } = predictionSets(testProbs, cal, { shape: [m, k] });
 * // sets[r·k + c] = 1 when class c is in row r's set
 */
import { uniform } from '../random/noise.js';
import { freshSeed, requireSeed } from '../random/seed.js';
import { SoftmaxKitError } from '../tensor/errors.js';
import {
  booleanRule,
  integerRule,
  numberRule,
  oneOfRule,
  type Rule,
  resolveOptions,
} from '../tensor/options.js';
import type { ArrayInput } from '../tensor/types.js';
import {
  CLASS_AXIS_RULES,
  type ClassAxisOptions,
  type ClassLabels,
  LABELLED_RULES,
  labelledProbabilityRows,
  probabilityRows,
} from './inputs.js';

/** The conformal score: least ambiguous classifier, adaptive prediction sets, regularized APS. */
export type ConformalMethod = 'lac' | 'aps' | 'raps';

/** The score's parameters. */
export interface ConformalScoreOptions {
  /** 'lac' (default), 'aps' or 'raps'. */
  method?: ConformalMethod;
  /** RAPS penalty per class beyond kReg, ≥ 0. Default 0.01. */
  lambda?: number;
  /** RAPS classes free of penalty, ≥ 0. Default 5. */
  kReg?: number;
  /** The randomized score of APS/RAPS (exact coverage in expectation). Default false. */
  randomized?: boolean;
}

/** Options of {@link conformalCalibrate}. */
export interface ConformalCalibrateOptions extends ClassAxisOptions, ConformalScoreOptions {
  /** Miscoverage α in (0, 1): the sets cover ≥ 1 − α. Default 0.1. */
  alpha?: number;
  /** A label equal to this is ignored. Default −100. */
  ignoreIndex?: number;
  /** Seed of the randomized score's U, an integer in [0, 2^53). Default: fresh each call. */
  seed?: number;
}

/** A calibrated threshold with the score that defines it. */
export interface ConformalCalibration {
  /** q̂: keep a class when its score is ≤ this (+∞: keep every class). */
  threshold: number;
  method: ConformalMethod;
  alpha: number;
  lambda: number;
  kReg: number;
  randomized: boolean;
  /** Calibration rows used. */
  n: number;
}

const SCORE_RULES = {
  method: oneOfRule<ConformalMethod>(['lac', 'aps', 'raps'], 'lac'),
  lambda: numberRule({ atLeast: 0, default: 0.01 }),
  kReg: integerRule({ atLeast: 0, default: 5 }),
  randomized: booleanRule(false),
} as const;

/** `seed`: checked when given; drawn fresh only when a randomized score needs it. */
const seedRule: Rule<number | undefined> = {
  parse: (fn, name, v) => (v === undefined ? undefined : requireSeed(fn, name, v)),
};

const CALIBRATE_RULES = {
  ...LABELLED_RULES,
  ...SCORE_RULES,
  alpha: numberRule({ greaterThan: 0, lessThan: 1, default: 0.1 }),
  seed: seedRule,
} as const;

/** INVALID_PARAMETER for `randomized` with LAC (its score has no rank to randomize). */
function checkRandomized(fn: string, s: Required<ConformalScoreOptions>): void {
  if (s.randomized && s.method === 'lac')
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected method 'aps' or 'raps' with randomized: true, got 'lac'`,
    );
}

/** One U per row for the randomized score: stream element 2r + part of `seed` (part 0 calibration, 1 prediction). */
function rowUniforms(fn: string, seed: number | undefined, rows: number, part: 0 | 1) {
  const u = uniform(seed ?? freshSeed(fn), 0, new Float64Array(2 * rows));
  return u.filter((_, i) => i % 2 === part);
}

/**
 * The conformal scores of every class of row p[o, o + n) into `out`. APS/RAPS sort
 * the row once (O(n log n)) and walk it by groups of equal probability: each
 * class in a group scores the mass before it plus the group's mass; randomized
 * (u ∈ (0, 1)), each class its own rank: the mass before it plus u·p_c.
 */
function rowScores(
  p: ArrayLike<number>,
  o: number,
  n: number,
  s: Required<ConformalScoreOptions>,
  u: number,
  out: Float64Array,
  order: Int32Array,
): void {
  if (s.method === 'lac') {
    for (let c = 0; c < n; c++) out[c] = 1 - p[o + c]!;
    return;
  }
  for (let c = 0; c < n; c++) order[c] = c;
  order.sort((a, b) => p[o + b]! - p[o + a]! || a - b);
  let mass = 0;
  if (s.randomized) {
    for (let i = 0; i < n; i++) {
      const v = p[o + order[i]!]!;
      const penalty = s.method === 'raps' ? s.lambda * Math.max(0, i + 1 - s.kReg) : 0;
      out[order[i]!] = mass + u * v + penalty;
      mass += v;
    }
    return;
  }
  for (let i = 0; i < n; ) {
    const v = p[o + order[i]!]!;
    let j = i;
    while (j < n && p[o + order[j]!] === v) mass += p[o + order[j++]!]!;
    const penalty = s.method === 'raps' ? s.lambda * Math.max(0, j - s.kReg) : 0;
    for (let k = i; k < j; k++) out[order[k]!] = mass + penalty;
    i = j;
  }
}

/** q̂ from calibration rows and labels. See the module doc. */
export function conformalCalibrate(
  probs: ArrayInput,
  labels: ClassLabels,
  options?: ConformalCalibrateOptions,
): ConformalCalibration {
  const fn = 'conformalCalibrate';
  const o = resolveOptions(fn, options, CALIBRATE_RULES);
  checkRandomized(fn, o);
  const { x, rows, n, t } = labelledProbabilityRows(fn, probs, labels, o);
  const u = o.randomized ? rowUniforms(fn, o.seed, rows, 0) : undefined;
  const scores: number[] = [];
  const row = new Float64Array(n);
  const order = new Int32Array(n);
  for (let r = 0; r < rows; r++)
    if (t[r]! >= 0) {
      rowScores(x, r * n, n, o, u?.[r] ?? 0, row, order);
      scores.push(row[t[r]!]!);
    }
  const N = scores.length;
  if (N === 0)
    throw new SoftmaxKitError(
      'INVALID_INPUT',
      `${fn}: expected at least one row whose label is not ignoreIndex, got none of ${rows}`,
    );
  const k = Math.ceil((N + 1) * (1 - o.alpha));
  const sorted = Float64Array.from(scores).sort();
  const threshold = k > N ? Infinity : sorted[k - 1]!;
  const { method, alpha, lambda, kReg, randomized } = o;
  return { threshold, method, alpha, lambda, kReg, randomized, n: N };
}

/** Options of {@link predictionSets}: the class axis, and the score when the threshold is a number. */
export interface PredictionSetsOptions extends ClassAxisOptions, ConformalScoreOptions {
  /** Seed of the randomized score's U, an integer in [0, 2^53). Default: fresh each call. */
  seed?: number;
}

/** Membership mask (1 = in the set) in the rows' order [rows, classes], and each set's size. */
export interface PredictionSets {
  sets: Uint8Array;
  sizes: Int32Array;
}

const SETS_RULES = { ...CLASS_AXIS_RULES, ...SCORE_RULES, seed: seedRule } as const;

/**
 * The prediction set of every row: the classes whose score is ≤ q̂. `threshold`
 * is a {@link ConformalCalibration} (its method and parameters are used; the
 * options may not repeat them) or a number q̂ with the score in the options.
 */
export function predictionSets(
  probs: ArrayInput,
  threshold: number | ConformalCalibration,
  options?: PredictionSetsOptions,
): PredictionSets {
  const fn = 'predictionSets';
  const o = resolveOptions(fn, options, SETS_RULES);
  let q: number;
  let s: Required<ConformalScoreOptions> = o;
  if (typeof threshold === 'number') {
    if (Number.isNaN(threshold))
      throw new SoftmaxKitError(
        'NON_FINITE_PARAMETER',
        `${fn}: expected threshold to be a number, got NaN`,
      );
    q = threshold;
  } else if (
    threshold !== null &&
    typeof threshold === 'object' &&
    typeof threshold.threshold === 'number'
  ) {
    const given = options as Record<string, unknown> | undefined;
    for (const key of ['method', 'lambda', 'kReg', 'randomized'])
      if (given?.[key] !== undefined)
        throw new SoftmaxKitError(
          'INVALID_PARAMETER',
          `${fn}: expected no '${key}' option with a calibration result (it carries its own), got ${String(given[key])}`,
        );
    const { method, lambda, kReg, randomized } = threshold;
    s = resolveOptions(fn, { method, lambda, kReg, randomized }, SCORE_RULES);
    q = threshold.threshold;
    if (Number.isNaN(q))
      throw new SoftmaxKitError(
        'NON_FINITE_PARAMETER',
        `${fn}: expected threshold.threshold to be a number, got NaN`,
      );
  } else
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected threshold to be a number or conformalCalibrate's result, got ${threshold === null ? 'null' : typeof threshold}`,
    );
  checkRandomized(fn, s);
  const { x, rows, n } = probabilityRows(fn, probs, o);
  const u = s.randomized ? rowUniforms(fn, o.seed, rows, 1) : undefined;
  const sets = new Uint8Array(rows * n);
  const sizes = new Int32Array(rows);
  const row = new Float64Array(n);
  const order = new Int32Array(n);
  for (let r = 0; r < rows; r++) {
    rowScores(x, r * n, n, s, u?.[r] ?? 0, row, order);
    for (let c = 0; c < n; c++)
      if (row[c]! <= q) {
        sets[r * n + c] = 1;
        sizes[r]!++;
      }
  }
  return { sets, sizes };
}
