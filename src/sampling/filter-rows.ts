/**
 * The plumbing every filter shares: read each row of any axis, gather its
 * candidates (entries > −∞), let the filter's cut remove some, and write the row
 * back with removed entries at −∞ and kept ones bit for bit. A row holding NaN is
 * returned as it is (NaN stays in its row); a row holding +∞ throws INVALID_INPUT
 * (a probability cut is undefined there); a fully masked row stays −∞.
 */
import { type Candidates, candidatesFor, gatherRow } from '../kernels/sampling-candidates.js';
import { SoftmaxKitError } from '../tensor/errors.js';
import type { Resolved, Rules } from '../tensor/options.js';
import type { ArrayInput, FloatArray } from '../tensor/types.js';
import { type LogitRows, logitCall, rowBase } from './rows.js';

/** Apply `cut` to the candidates of every row; the result has x's element type. */
export function filterRows<R extends Rules>(
  fn: string,
  x: ArrayInput,
  options: unknown,
  rules: R,
  cut: (c: Candidates, o: Resolved<R>, row: number, lr: LogitRows) => void,
): FloatArray {
  const { o, rows, y } = logitCall(fn, x, options, rules);
  const { n, inner } = rows.layout;
  let c: Candidates | undefined;
  for (let r = 0; r < rows.rows; r++) {
    rows.read(r);
    c = candidatesFor(c, n);
    const bad = gatherRow(c, rows.a, rows.o, n);
    const base = rowBase(rows.layout, r);
    if (bad >= 0) {
      for (let i = 0; i < n; i++) y[base + i * inner] = rows.a[rows.o + i]!;
      continue;
    }
    if (bad < -1) throw positiveInfinity(fn, r, -2 - bad);
    if (c.m > 0) cut(c, o, r, rows);
    for (let i = 0; i < n; i++) y[base + i * inner] = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < c.m; j++) y[base + c.idx[j]! * inner] = c.val[j]!;
  }
  return y;
}

/** INVALID_INPUT for a +∞ logit, naming the row. */
export function positiveInfinity(fn: string, row: number, index: number): SoftmaxKitError {
  return new SoftmaxKitError(
    'INVALID_INPUT',
    `${fn}: expected logits in row ${row} to be finite or -Infinity, got Infinity at index ${index}`,
  );
}
