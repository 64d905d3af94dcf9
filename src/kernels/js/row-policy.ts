/**
 * The one non-finite policy, as row primitives shared by every kernel and
 * normalizer:
 * - a row holding NaN is NaN (and touches no other row);
 * - a fully masked row (every entry −∞) gives zeros, forward and gradient;
 * - a row holding +∞ takes the limit: its c infinite entries share mass 1
 *   (log-mass −log c, the rest −∞) and the gradient is 0;
 * - otherwise the row is finite at its max, and −∞ entries act as masks.
 */
import type { FloatArray } from '../../tensor/types.js';

/** What decides a row's result: its NaN, its mask, its +∞, or ordinary math. */
export type RowKind = 'finite' | 'masked' | 'posInf' | 'nan';

/** One pass over a row: its kind, its max (ignoring NaN) and its count of +∞. */
export interface RowScan {
  kind: RowKind;
  max: number;
  posInf: number;
}

/** A reusable scan record. */
export function newRowScan(): RowScan {
  return { kind: 'finite', max: -Infinity, posInf: 0 };
}

/** Scan x[o, o + n) into `s` and return its kind. */
export function scanRow(x: FloatArray, o: number, n: number, s: RowScan): RowKind {
  let max = -Infinity;
  let nan = false;
  let posInf = 0;
  for (let i = o; i < o + n; i++) {
    const v = x[i]!;
    if (v > max) max = v;
    else if (Number.isNaN(v)) nan = true;
    if (v === Infinity) posInf++;
  }
  s.max = max;
  s.posInf = posInf;
  s.kind = nan ? 'nan' : posInf > 0 ? 'posInf' : max === -Infinity ? 'masked' : 'finite';
  return s.kind;
}

/**
 * Write the policy's result for a row that is not finite into y[yo, yo + n):
 * NaN; zeros; or, for +∞, mass 1/c (log: −log c and −∞) at the infinite entries.
 * `gradient` writes the row's vector–Jacobian product instead (NaN or zeros).
 */
export function fillPolicyRow(
  x: FloatArray,
  o: number,
  n: number,
  s: RowScan,
  y: FloatArray,
  yo: number,
  mode: 'mass' | 'log' | 'gradient',
): void {
  if (s.kind === 'nan') y.fill(Number.NaN, yo, yo + n);
  else if (s.kind === 'masked' || mode === 'gradient') y.fill(0, yo, yo + n);
  else {
    const hit = mode === 'log' ? -Math.log(s.posInf) : 1 / s.posInf;
    const miss = mode === 'log' ? -Infinity : 0;
    for (let i = 0; i < n; i++) y[yo + i] = x[o + i] === Infinity ? hit : miss;
  }
}
