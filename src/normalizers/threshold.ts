/**
 * The row math shared by the threshold normalizers of the α-entmax family
 * (sparsemax α = 2, entmax15 α = 1.5, entmax any α > 1):
 *
 *   y_i = [(α − 1)·x_i − τ]_+^(1/(α−1)),   τ chosen so that Σ_i y_i = 1
 *
 * (Peters, Niculae & Martins 2019, arXiv:1905.05702; Blondel, Martins &
 * Niculae 2019, arXiv:1901.02324). Their state is the threshold τ, found by a
 * solver in each normalizer's own file; what they share lives here:
 *
 * - Stability: every row is shifted by its maximum m first (the map is shift
 *   invariant), so z_i = (α − 1)·(x_i − m) ≤ 0 with z = 0 at the max. Since
 *   y_max ≤ 1, τ ≥ −1, so only the candidates z_i > −1 can be in the support:
 *   the solvers see those alone (−∞ entries are never candidates).
 * - Precision near the threshold (sparsemax, entmax15): an output just above
 *   τ is a small difference s·(x_i − m) − τ, so τ is polished to double-double
 *   and that difference carried exactly before the one rounding.
 * - Non-finite policy: a NaN anywhere makes its row NaN; an all −∞ row gives
 *   zeros; a row holding +∞ takes the limit, the c entries at +∞ get 1/c each
 *   and every other entry 0.
 * - VJP (needs only y): with g = y^(2−α) on the support and 0 off it,
 *   dx = g ⊙ dy − g·⟨g, dy⟩/Σg. For sparsemax g = 1[y > 0], for entmax15 g = √y.
 */

import { resolveBackend } from '../kernels/backend.js';
import { addCompensated, type CompensatedSum, productError } from '../kernels/js/exact.js';
import { fillPolicyRow, newRowScan, scanRow } from '../kernels/js/row-policy.js';
import { SoftmaxKitError } from '../tensor/errors.js';
import { ROW_RULES } from '../tensor/options.js';
import type { ArrayInput, BackendName, FloatArray } from '../tensor/types.js';
import {
  mapRows,
  mapRowsVjp,
  prepareRows,
  type RowMapKernel,
  type RowVjpKernel,
} from './row-map.js';

/**
 * Fill the double row y[0, n) from input row x[off, off + n), where r counts
 * rows in the reduced (axis-dropped) order of the whole call. `z` is scratch
 * of length n for the solver.
 */
export type ThresholdRow = (
  x: FloatArray,
  off: number,
  n: number,
  y: Float64Array,
  z: Float64Array,
  r: number,
) => void;

/**
 * The threshold normalizers have only the JavaScript row kernel: `'auto'`
 * and `'js'` run it, any other backend throws (BACKEND_UNAVAILABLE, or
 * INVALID_PARAMETER for an unknown name) rather than being ignored.
 */
export function requireJsBackend(fn: string, backend: BackendName | undefined): void {
  if (backend === undefined || backend === 'auto') return;
  const b = resolveBackend(fn, backend, 0, false);
  if (b.name !== 'js')
    throw new SoftmaxKitError(
      'BACKEND_UNAVAILABLE',
      `${fn}: expected backend 'auto' or 'js' (the only ${fn} kernel), got '${backend}'`,
    );
}

/**
 * Apply the non-finite policy to row x[off, off + n). Returns the row's
 * finite maximum for an ordinary row; otherwise writes y (NaN row, all −∞
 * row → zeros, +∞ entries sharing mass 1) and returns undefined.
 */
const scan = newRowScan();

export function rowMaxOrPolicy(
  x: FloatArray,
  off: number,
  n: number,
  y: Float64Array,
): number | undefined {
  if (scanRow(x, off, n, scan) === 'finite') return scan.max;
  fillPolicyRow(x, off, n, scan, y, 0, 'mass');
  return undefined;
}

/**
 * Gather the candidates z_i = s·(x_i − m) > −1 (s = α − 1) of a finite row
 * into z[0, k) and return k ≥ 1 (the max itself, z = 0, is always one).
 */
export function gatherCandidates(
  x: FloatArray,
  off: number,
  n: number,
  m: number,
  s: number,
  z: Float64Array,
): number {
  let k = 0;
  for (let i = off; i < off + n; i++) {
    const v = s * (x[i]! - m);
    if (v > -1) z[k++] = v;
  }
  return k;
}

/** The pair hi + lo written by {@link shifted}. */
const U = { hi: 0, lo: 0 };

/**
 * u = s·(a − m) − τ − τLo as U.hi + U.lo, to ~2^−106 relative: a − m and the
 * subtraction of τ by TwoSum (Knuth); s must be 1 or ½ so that scaling is exact.
 */
function shifted(a: number, m: number, s: number, tau: number, tauLo: number): void {
  const h = a - m;
  const t = h - a;
  const l = a - (h - t) + (-m - t); // NaN only for non-finite a − m, which is never > 0 below
  const sh = s * h;
  const hi = sh - tau;
  const t2 = hi - sh;
  U.hi = hi;
  U.lo = sh - (hi - t2) + (-tau - t2) + (s * l - tauLo);
}

/**
 * The row of an exact (sort-solved) member of the family: the non-finite policy,
 * the candidates, τ by the member's sort (`tauBySort` over z[0, k), which it may
 * reorder), then y = u_+^p written from double-double (writePolished).
 * s = α − 1 and p = 1/(α − 1); each normalizer calls it with literal s and p from
 * its own row function, so the engine can specialize it per normalizer.
 */
export function sortSolvedRow(
  x: FloatArray,
  off: number,
  n: number,
  y: Float64Array,
  z: Float64Array,
  s: 1 | 0.5,
  p: 1 | 2,
  tauBySort: (z: Float64Array, k: number) => number,
): void {
  const m = rowMaxOrPolicy(x, off, n, y);
  if (m === undefined) return;
  writePolished(x, off, n, m, s, p, tauBySort(z, gatherCandidates(x, off, n, m, s, z)), y);
}

/**
 * The end of an exact (sort-solved) row: y_i = u_+^p with u = s·(x_i − m) − τ
 * (s = α − 1 is 1 or ½, so that scaling is exact; p = 1/(α − 1)), written from
 * double-double. τ is first polished by one Newton step on Σ u_+^p = 1 whose residual
 * is summed in double-double (TwoSum, TwoProduct, Neumaier), giving τ + τLo to
 * ~K·2^−100 (exact for p = 1; quadratic convergence from τ's few-ulp error for
 * p = 2); then each u is rounded once.
 */
function writePolished(
  x: FloatArray,
  off: number,
  n: number,
  m: number,
  s: 1 | 0.5,
  p: 1 | 2,
  tau: number,
  y: Float64Array,
): void {
  const acc: CompensatedSum = { sum: 0, comp: 0 };
  let low = 0;
  let slope = 0;
  for (let i = off; i < off + n; i++) {
    shifted(x[i]!, m, s, tau, 0);
    const { hi, lo } = U;
    if (!(hi + lo > 0)) continue;
    if (p === 1) {
      addCompensated(acc, hi);
      low += lo;
      slope += 1;
    } else {
      const q = hi * hi;
      addCompensated(acc, q);
      low += productError(hi, hi, q) + 2 * hi * lo;
      slope += 2 * (hi + lo);
    }
  }
  const tauLo = (acc.sum - 1 + acc.comp + low) / slope;
  for (let i = 0; i < n; i++) {
    shifted(x[off + i]!, m, s, tau, tauLo);
    const u = U.hi + U.lo;
    y[i] = u > 0 ? (p === 1 ? u : u * u) : 0;
  }
}

/**
 * The forward map of a sort-solved normalizer named `fn` (row options only; the
 * JavaScript kernel only, see requireJsBackend).
 */
export function sortSolvedMap(
  fn: string,
  x: ArrayInput,
  options: unknown,
  row: ThresholdRow,
): FloatArray {
  const { p, o } = prepareRows(fn, x, options, ROW_RULES);
  requireJsBackend(fn, o.backend);
  return mapRows(fn, p, o.out, thresholdKernel(row));
}

/** The vjp of a sort-solved normalizer: g = y^(2−α) (`exponent`), dx = g ⊙ dy − g·⟨g, dy⟩/Σg. */
export function sortSolvedVjp(
  fn: string,
  x: ArrayInput,
  dy: ArrayInput,
  options: unknown,
  row: ThresholdRow,
  exponent: number,
): FloatArray {
  const { p, o } = prepareRows(fn, x, options, ROW_RULES);
  requireJsBackend(fn, o.backend);
  return mapRowsVjp(
    fn,
    p,
    dy,
    o.out,
    thresholdVjpKernel(row, () => exponent),
  );
}

/** Σ v[0, n) with Neumaier compensation (sums of a row's probabilities). */
export function compensatedSum(v: Float64Array, n: number): number {
  const acc: CompensatedSum = { sum: 0, comp: 0 };
  for (let i = 0; i < n; i++) addCompensated(acc, v[i]!);
  return acc.sum + acc.comp;
}

/**
 * A row-map kernel running `row` on each row and storing its double result
 * once (Float32 outputs round once). One kernel per public call: its row
 * counter follows forEachRow's order, which is the reduced-shape order.
 */
export function thresholdKernel(row: ThresholdRow): RowMapKernel {
  let r0 = 0;
  let y: Float64Array | undefined;
  let z: Float64Array | undefined;
  return (x, out, rows, n) => {
    y ??= new Float64Array(n);
    z ??= new Float64Array(n);
    for (let r = 0; r < rows; r++) {
      row(x, r * n, n, y, z, r0 + r);
      out.set(y, r * n);
    }
    r0 += rows;
  };
}

/**
 * A vjp kernel: recompute y with `row`, then dx = g ⊙ dy − g·⟨g, dy⟩/Σg with
 * g = y^e (e = 2 − α of the row) on the support, 0 where y = 0 and NaN
 * where y is NaN. A row with Σg = 0 (fully masked) gets dx = 0.
 */
export function thresholdVjpKernel(
  row: ThresholdRow,
  exponent: (r: number) => number,
): RowVjpKernel {
  let r0 = 0;
  let y: Float64Array | undefined;
  let z: Float64Array | undefined;
  return (x, dy, dx, rows, n) => {
    y ??= new Float64Array(n);
    z ??= new Float64Array(n);
    for (let r = 0; r < rows; r++) {
      const off = r * n;
      row(x, off, n, y, z, r0 + r);
      const e = exponent(r0 + r);
      let gdy = 0;
      let gsum = 0;
      for (let i = 0; i < n; i++) {
        const yi = y[i]!;
        const g = yi > 0 ? yi ** e : yi === 0 ? 0 : Number.NaN; // NaN ** 0 would be 1
        z[i] = g;
        gsum += g;
        if (g !== 0) gdy += g * dy[off + i]!;
      }
      const c = gsum === 0 ? 0 : gdy / gsum;
      for (let i = 0; i < n; i++) {
        const g = z[i]!;
        dx[off + i] = g === 0 ? 0 : g * (dy[off + i]! - c);
      }
    }
    r0 += rows;
  };
}
