/**
 * entropy(x) = H(softmax(x/T)) = −Σ_i p_i·log p_i in nats, one per row along the
 * class `axis` (the axis dropped). By default the input is logits;
 * `input: 'probabilities'` takes probability rows instead (softmax, sparsemax, …
 * outputs, not renormalized), with 0·log 0 = 0.
 *
 * Stability: from logits, H = log d + Σ_i e^(z_i)·(−z_i) / d with
 * z_i = (x_i − max)/T ≤ 0 and d = Σ e^(z_i): two non-negative terms, so no
 * cancellation, the differences exact and the sums Neumaier-compensated
 * (≤ a few ulp against 60-digit arithmetic). From probabilities, terms with
 * p_i = 0 are skipped (their limit is 0), so sparse rows have finite entropy;
 * error ≤ 2^−52·Σ|p log p| + n·2^−53·max|p log p|.
 *
 * Non-finite policy (logits): NaN row → NaN; fully masked row → 0 (softmax of a
 * masked row is zeros); c entries +∞ → log c.
 *
 * Shannon 1948; as an uncertainty score, e.g. Hendrycks & Gimpel 2017.
 * Breaking change (issue 17): entropy took probabilities before; now logits.
 *
 * @example
 * entropy([0, 0]);                                   // Float64Array [0.6931…]  (= ln 2)
 * entropy([0.5, 0.5], { input: 'probabilities' });   // Float64Array [0.6931…]
 * entropy([1, 0, 0], { input: 'probabilities' });    // Float64Array [0]
 */
import { entropyLogitRows, entropyProbabilityRows } from '../kernels/js/score-rows.js';
import { prepare, reduceRows } from '../normalizers/row-map.js';
import { inverseTemperature } from '../normalizers/softmax-options.js';
import { SoftmaxKitError } from '../tensor/errors.js';
import { numberRule, oneOfRule, resolveOptions } from '../tensor/options.js';
import type { ArrayInput, ResultOf } from '../tensor/types.js';
import { SCORE_RULES, type TemperatureScoreOptions } from './scores.js';

/** Options of {@link entropy}. */
export interface EntropyOptions extends TemperatureScoreOptions {
  /** 'logits' (default: entropy of softmax(x/T)) or 'probabilities' (rows of p; temperature must stay 1). */
  input?: 'logits' | 'probabilities';
}

const ENTROPY_RULES = {
  ...SCORE_RULES,
  temperature: numberRule({ greaterThan: 0, default: 1 }),
  input: oneOfRule(['logits', 'probabilities'], 'logits'),
} as const;

/** Shannon entropy in nats of each row's distribution. NaN stays in its row. */
export function entropy<X extends ArrayInput>(x: X, options?: EntropyOptions): ResultOf<X> {
  const o = resolveOptions('entropy', options, ENTROPY_RULES);
  const p = prepare('entropy', x, o);
  if (o.input === 'probabilities') {
    if (o.temperature !== 1)
      throw new SoftmaxKitError(
        'INVALID_PARAMETER',
        `entropy: expected no temperature with input 'probabilities', got ${o.temperature}`,
      );
    return reduceRows('entropy', p, o.out, entropyProbabilityRows) as ResultOf<X>;
  }
  const s = inverseTemperature(o.temperature); // clamped: a tiny T gives the T → 0 limit
  return reduceRows('entropy', p, o.out, (a, out, rows, n) =>
    entropyLogitRows(a, out, rows, n, s),
  ) as ResultOf<X>;
}
