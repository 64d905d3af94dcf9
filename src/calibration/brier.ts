/**
 * brierScore = (1/N)·Σ_rows Σ_c (p_c − [c = label])² (Brier 1950), the mean
 * squared error of probability rows against one-hot labels; 0 is perfect, 2 the
 * worst. Each term is squared from its own difference (no expansion into
 * Σp² − 2p_y + 1, which cancels) and the rows are Neumaier-summed.
 * Rows along the class `axis`; `ignoreIndex` rows left out.
 *
 * @example
 * brierScore([0.9, 0.1, 0.2, 0.8], [0, 0], { shape: [2, 2] }); // ((0.01 + 0.01) + (0.64 + 0.64)) / 2 = 0.65
 */
import { addCompensated, type CompensatedSum } from '../kernels/js/exact.js';
import { SoftmaxKitError } from '../tensor/errors.js';
import { resolveOptions } from '../tensor/options.js';
import type { ArrayInput } from '../tensor/types.js';
import {
  type ClassAxisOptions,
  type ClassLabels,
  LABELLED_RULES,
  labelledProbabilityRows,
} from './inputs.js';

/** Options of {@link brierScore}. */
export interface BrierScoreOptions extends ClassAxisOptions {
  /** A label equal to this is ignored. Default −100. */
  ignoreIndex?: number;
}

/** Mean over labelled rows of Σ_c (p_c − [c = label])². */
export function brierScore(
  probs: ArrayInput,
  labels: ClassLabels,
  options?: BrierScoreOptions,
): number {
  const fn = 'brierScore';
  const o = resolveOptions(fn, options, LABELLED_RULES);
  const { x, rows, n, t } = labelledProbabilityRows(fn, probs, labels, o);
  const acc: CompensatedSum = { sum: 0, comp: 0 };
  let count = 0;
  for (let r = 0; r < rows; r++) {
    if (t[r]! < 0) continue;
    count++;
    for (let c = 0; c < n; c++) {
      const d = x[r * n + c]! - (c === t[r] ? 1 : 0);
      addCompensated(acc, d * d);
    }
  }
  if (count === 0)
    throw new SoftmaxKitError(
      'INVALID_INPUT',
      `${fn}: expected at least one row whose label is not ignoreIndex, got none of ${rows}`,
    );
  return (acc.sum + acc.comp) / count;
}
