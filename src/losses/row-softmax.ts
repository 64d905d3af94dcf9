/**
 * The softmax of one row of a loss's logits in double, with its log: the exact
 * three-pass kernels of src/kernels/js/softmax-rows.ts (max-shifted, the shifted
 * exponent exact, the sum compensated), so log p stays accurate as p → 1 and the
 * losses built on it keep ≤ 1e-14 relative against their 60-digit references.
 * A temperature T divides the row (1/T clamped as softmax clamps it).
 */
import { softmaxRows } from '../kernels/js/softmax-rows.js';
import { inverseTemperature } from '../normalizers/softmax-options.js';
import type { FloatArray } from '../tensor/types.js';

/** The softmax of one row in double, with its log (log-softmax, accurate as p → 1). */
export interface RowSoftmax {
  readonly p: Float64Array;
  readonly logp: Float64Array;
}

/** Scratch for {@link rowSoftmax} of rows of length n. */
export function rowSoftmaxScratch(n: number): RowSoftmax {
  return { p: new Float64Array(n), logp: new Float64Array(n) };
}

/** Fill s.p and s.logp with softmax(x[o..o+n)/T) and its log (exact three-pass kernels). */
export function rowSoftmax(x: FloatArray, o: number, n: number, s: RowSoftmax, T = 1): void {
  const row = x.subarray(o, o + n);
  const scale = inverseTemperature(T);
  softmaxRows({ x: row, y: s.p, rows: 1, n, algorithm: 'three-pass', s: scale, log: false });
  softmaxRows({ x: row, y: s.logp, rows: 1, n, algorithm: 'three-pass', s: scale, log: true });
}
