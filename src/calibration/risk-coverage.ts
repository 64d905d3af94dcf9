/**
 * riskCoverage: selective classification (El-Yaniv & Wiener 2010; Geifman &
 * El-Yaniv 2017). The rows are taken by confidence, highest first; at coverage
 * k/N the risk is the error rate among the first k rows, and
 *   AURC = (1/N)·Σ_{k=1..N} risk(k/N),
 * the area under the risk–coverage curve (lower is better).
 *
 * Ties: rows of equal confidence are accepted together by any threshold, so
 * within a tie group the errors are spread evenly (the expected risk over the
 * group's orders): the result does not depend on the input order.
 * Method: the correct and the wrong rows' confidences sorted apart (native
 * Float64Array sorts, O(N log N)) and merged in one walk.
 *
 * @example
 * const r = riskCoverage([0.9, 0.8, 0.7, 0.6], [1, 1, 0, 1]);
 * r.risk; // Float64Array [0, 0, 1/3, 1/4]
 * r.aurc; // (0 + 0 + 1/3 + 1/4) / 4
 */
import { SoftmaxKitError } from '../tensor/errors.js';
import { resolveOptions } from '../tensor/options.js';
import type { ArrayInput } from '../tensor/types.js';
import { type BinaryLabels, binaryLabels, scoreVector } from './inputs.js';
import { type NoOptions, walkThresholds } from './ranking.js';

/** The risk–coverage curve and its area. */
export interface RiskCoverage {
  /** k/N for k = 1..N. */
  coverage: Float64Array;
  /** Error rate among the k most confident rows. */
  risk: Float64Array;
  /** Mean of the N risks. */
  aurc: number;
}

/** The risk–coverage curve of confidences and per-row correctness (1 = correct). */
export function riskCoverage(
  confidence: ArrayInput,
  correct: BinaryLabels,
  options?: NoOptions,
): RiskCoverage {
  const fn = 'riskCoverage';
  resolveOptions(fn, options, {});
  const s = scoreVector(fn, 'confidence', confidence);
  const y = binaryLabels(fn, 'correct', correct, s.length);
  const N = s.length;
  if (N === 0)
    throw new SoftmaxKitError('INVALID_INPUT', `${fn}: expected at least one row, got 0`);
  let wrongCount = 0;
  for (let i = 0; i < N; i++) wrongCount += 1 - y[i]!;
  const wrong = new Float64Array(wrongCount);
  const right = new Float64Array(N - wrongCount);
  let a = 0;
  let b = 0;
  for (let i = 0; i < N; i++)
    if (y[i]) right[b++] = s[i]!;
    else wrong[a++] = s[i]!;
  wrong.sort();
  right.sort();
  const coverage = new Float64Array(N);
  const risk = new Float64Array(N);
  let sum = 0;
  let k = 0;
  walkThresholds(wrong, right, (errors, _rights, errAt, rightAt) => {
    const g = errAt + rightAt;
    const before = errors - errAt;
    for (let u = 1; u <= g; u++) {
      coverage[k] = (k + 1) / N;
      risk[k] = (before + (u * errAt) / g) / (k + 1);
      sum += risk[k]!;
      k++;
    }
    return false;
  });
  return { coverage, risk, aurc: sum / N };
}
