/**
 * Threshold-free metrics of a detector's scores against binary labels (label 1
 * = positive, a higher score = more positive), e.g. OOD detection with
 * −maxSoftmaxProbability or energy as the score (Hendrycks & Gimpel 2017):
 * - auroc: area under the ROC curve, trapezoidal over the distinct thresholds,
 *   = P(s⁺ > s⁻) + ½·P(s⁺ = s⁻) (Mann–Whitney), as scikit-learn's roc_auc_score;
 * - aupr: average precision AP = Σ_k (R_k − R_{k−1})·P_k over the distinct
 *   thresholds, as scikit-learn's average_precision_score (no interpolation);
 * - fprAtTpr: the false-positive rate at the first ROC point (thresholds
 *   descending) whose true-positive rate reaches `tpr` (FPR@95TPR by default).
 * Ties: all scores equal to a threshold cross it together, as scikit-learn's
 * curves do — the result does not depend on the input order.
 *
 * Method: the positives' and the negatives' scores are copied into two
 * Float64Arrays and each sorted natively (O(n log n)), then merged in one walk
 * from the highest score down, counting true and false positives per distinct
 * score with integers; AUROC is Σ_groups neg_g·(tp_above + pos_g/2) / (P·N),
 * every partial sum exact below 2^53.
 *
 * Undefined cases throw INVALID_INPUT (as scikit-learn raises): no positive or no
 * negative for auroc and fprAtTpr, no positive for aupr; NaN scores.
 *
 * @example
 * auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]); // 0.75
 * aupr([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);  // 0.8333…
 * fprAtTpr([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], { tpr: 0.95 }); // 0.5
 */
import { SoftmaxKitError } from '../tensor/errors.js';
import { numberRule, resolveOptions } from '../tensor/options.js';
import type { ArrayInput } from '../tensor/types.js';
import { type BinaryLabels, binaryLabels, scoreVector } from './inputs.js';

/** One threshold of the ROC/PR walk: the counts of positives and negatives at or above it. */
type Visit = (tp: number, fp: number, posAt: number, negAt: number) => boolean | undefined;

/** Sorted positive and negative scores of a call, checked. */
function split(fn: string, scores: ArrayInput, labels: BinaryLabels, needNegatives: boolean) {
  const s = scoreVector(fn, 'scores', scores);
  const y = binaryLabels(fn, 'labels', labels, s.length);
  let P = 0;
  for (let i = 0; i < y.length; i++) P += y[i]!;
  const N = y.length - P;
  if (P === 0 || (needNegatives && N === 0))
    throw new SoftmaxKitError(
      'INVALID_INPUT',
      `${fn}: expected labels with at least one positive${needNegatives ? ' and one negative' : ''}, got ${P} positive and ${N} negative`,
    );
  const pos = new Float64Array(P);
  const neg = new Float64Array(N);
  let a = 0;
  let b = 0;
  for (let i = 0; i < y.length; i++)
    if (y[i]) pos[a++] = s[i]!;
    else neg[b++] = s[i]!;
  pos.sort();
  neg.sort();
  return { pos, neg };
}

/** Walk the distinct thresholds from the highest down; stop when `visit` returns true. */
export function walkThresholds(pos: Float64Array, neg: Float64Array, visit: Visit): void {
  let i = pos.length - 1;
  let j = neg.length - 1;
  let tp = 0;
  let fp = 0;
  while (i >= 0 || j >= 0) {
    const t = Math.max(i >= 0 ? pos[i]! : -Infinity, j >= 0 ? neg[j]! : -Infinity);
    let posAt = 0;
    let negAt = 0;
    while (i >= 0 && pos[i] === t) {
      posAt++;
      i--;
    }
    while (j >= 0 && neg[j] === t) {
      negAt++;
      j--;
    }
    tp += posAt;
    fp += negAt;
    if (visit(tp, fp, posAt, negAt)) return;
  }
}

/** auroc and aupr take no options; any key given is an error, never ignored. */
export type NoOptions = Record<string, never>;

/** Area under the ROC curve (ties count ½). See the module doc. */
export function auroc(scores: ArrayInput, labels: BinaryLabels, options?: NoOptions): number {
  resolveOptions('auroc', options, {});
  const { pos, neg } = split('auroc', scores, labels, true);
  let area = 0; // Σ neg_g·(2·tp_above + pos_g): integers, exact below 2^53
  walkThresholds(pos, neg, (tp, _fp, posAt, negAt) => {
    area += negAt * (2 * (tp - posAt) + posAt);
    return false;
  });
  return area / 2 / pos.length / neg.length;
}

/** Average precision, as scikit-learn's average_precision_score. See the module doc. */
export function aupr(scores: ArrayInput, labels: BinaryLabels, options?: NoOptions): number {
  resolveOptions('aupr', options, {});
  const { pos, neg } = split('aupr', scores, labels, false);
  let ap = 0;
  walkThresholds(pos, neg, (tp, fp, posAt) => {
    if (posAt > 0) ap += (posAt / pos.length) * (tp / (tp + fp));
    return false;
  });
  return ap;
}

/** Options of {@link fprAtTpr}. */
export interface FprAtTprOptions {
  /** The true-positive rate to reach, in (0, 1]. Default 0.95. */
  tpr?: number;
}

const FPR_RULES = { tpr: numberRule({ greaterThan: 0, atMost: 1, default: 0.95 }) } as const;

/** The false-positive rate at the first ROC point whose TPR ≥ `tpr`. See the module doc. */
export function fprAtTpr(
  scores: ArrayInput,
  labels: BinaryLabels,
  options?: FprAtTprOptions,
): number {
  const { tpr } = resolveOptions('fprAtTpr', options, FPR_RULES);
  const { pos, neg } = split('fprAtTpr', scores, labels, true);
  let fpr = 1;
  walkThresholds(pos, neg, (tp, fp) => {
    if (tp / pos.length >= tpr) {
      fpr = fp / neg.length;
      return true;
    }
    return false;
  });
  return fpr;
}
