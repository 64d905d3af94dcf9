/**
 * softplusNorm(x)_i = softplus(x_i) / Σ_j softplus(x_j), softplus(x) = log(1 + e^x):
 * softmax with its exponential replaced by softplus before the l1 normalization
 * (Gao & Spratling 2025, "Softplus Attention with Re-weighting Boosts Length
 * Extrapolation in Large Language Models", arXiv:2501.13428, without their
 * length scale factor — scale x first for it). Sums to one; not shift invariant.
 *
 * This file also holds the shared l1 normalization y = φ(x)/Σφ(x) of any
 * nonnegative elementwise map φ (`l1Normalize`, `l1NormalizeVjp`), used by reluNorm.
 * Its VJP: dx_k = φ'(x_k)/S · (dy_k − ⟨dy, y⟩), S = Σφ(x).
 *
 * Stability: softplus(x) = max(x, 0) + log1p(e^(−|x|)) (no overflow, no
 * cancellation). When the row's max c is < 0 every term is below log 2 and may
 * underflow (softplus(−800) = e^(−800)), so the terms are scaled by e^(−c):
 * softplus(x)·e^(−c) = e^(x − c)·r(x), r(x) = log1p(e^x)/e^x (1 − e^x/2 below
 * e^x < 2^−30), with x − c exact; a row beyond 2^1000 is scaled by 2^−64 so
 * its sum cannot overflow. The scale cancels in the ratio; sums are compensated.
 *
 * VJP: φ' = σ, the logistic sigmoid: dx_k = σ(x_k)/S · (dy_k − ⟨dy, y⟩).
 *
 * Error bound: Float64 ≤ 8 ulp (≈ 2e−15 relative) for outputs that are not
 * subnormal, Float32 ≤ 1 ulp; tested against 60-digit references in
 * test/normalizers/softplus-norm.test.ts.
 *
 * Non-finite policy: −∞ entries get 0 and gradient 0 (softplus(−∞) = 0); a fully
 * masked row gives zeros; +∞ entries share probability 1 (the limit), the rest
 * get 0, gradient 0; NaN stays in its row.
 *
 * @example
 * softplusNorm([0, 0]);     // Float64Array [0.5, 0.5]
 * softplusNorm([-800, -801]); // ≈ softmax: [0.7310…, 0.2689…] (softplus(x) ≈ e^x there)
 */
import { resolveBackend } from '../kernels/backend.js';
import { addCompensated, type CompensatedSum, expDiff } from '../kernels/js/exact.js';
import type { ArrayInput, FloatArray, RowOptions } from '../tensor/types.js';
import type { NormalizerEntry } from './entry.js';
import { mapRows, mapRowsVjp, type Prepared, prepare } from './row-map.js';

/**
 * Fill t_i = k·φ(x_i) and, when given, d_i = k·φ'(x_i) for the row at offset o
 * (no NaN, no +∞; −∞ entries give 0), with one positive scale k of the term
 * function's choosing; c is the row's max (−∞ for a fully masked row).
 */
export type ScaledTerms = (
  x: FloatArray,
  o: number,
  n: number,
  c: number,
  t: Float64Array,
  d: Float64Array | undefined,
) => void;

/** The scale for rows whose terms could overflow their sum: 2^−64 beyond 2^1000. */
export function hugeRowScale(c: number): number {
  return c > 2 ** 1000 ? 2 ** -64 : 1;
}

/** Scan a row: NaN gives NaN; else the number of +∞ entries in `scan.posInf` and the max. */
interface RowScan {
  posInf: number;
  max: number;
}

function scanRow(x: FloatArray, o: number, n: number, s: RowScan): boolean {
  s.posInf = 0;
  s.max = -Infinity;
  for (let i = o; i < o + n; i++) {
    const v = x[i]!;
    if (Number.isNaN(v)) return false;
    if (v === Infinity) s.posInf++;
    if (v > s.max) s.max = v;
  }
  return true;
}

function sumOf(t: Float64Array): number {
  const acc: CompensatedSum = { sum: 0, comp: 0 };
  for (let i = 0; i < t.length; i++) addCompensated(acc, t[i]!);
  return acc.sum + acc.comp;
}

/** Validate x and the options; φ-normalizers run on the JavaScript row code (no other kernel yet). */
function prepareL1(fn: string, x: ArrayInput, options: RowOptions): Prepared {
  const p = prepare(fn, x, options);
  resolveBackend(fn, options.backend, p.x.length, p.x instanceof Float32Array);
  return p;
}

/** y = φ(x)/Σφ(x) along `options.axis`, with the non-finite policy of the module doc. */
export function l1Normalize(
  fn: string,
  x: ArrayInput,
  options: RowOptions,
  terms: ScaledTerms,
): FloatArray {
  const p = prepareL1(fn, x, options);
  const s: RowScan = { posInf: 0, max: 0 };
  return mapRows(fn, p, options.out, (a, y, rows, n) => {
    const t = new Float64Array(n);
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      if (!scanRow(a, o, n, s)) {
        y.fill(Number.NaN, o, o + n);
        continue;
      }
      if (s.posInf > 0) {
        for (let i = 0; i < n; i++) y[o + i] = a[o + i] === Infinity ? 1 / s.posInf : 0;
        continue;
      }
      terms(a, o, n, s.max, t, undefined);
      const S = sumOf(t);
      for (let i = 0; i < n; i++) y[o + i] = S > 0 ? t[i]! / S : 0;
    }
  });
}

/** dx = J(x)ᵀ·dy of y = φ(x)/Σφ(x): φ'(x_k)/S · (dy_k − ⟨dy, y⟩). */
export function l1NormalizeVjp(
  fn: string,
  x: ArrayInput,
  dy: ArrayInput,
  options: RowOptions,
  terms: ScaledTerms,
): FloatArray {
  const p = prepareL1(fn, x, options);
  const s: RowScan = { posInf: 0, max: 0 };
  return mapRowsVjp(fn, p, dy, options.out, (a, g, dx, rows, n) => {
    const t = new Float64Array(n);
    const d = new Float64Array(n);
    const acc: CompensatedSum = { sum: 0, comp: 0 };
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      if (!scanRow(a, o, n, s)) {
        dx.fill(Number.NaN, o, o + n);
        continue;
      }
      let S = 0;
      if (s.posInf === 0) {
        terms(a, o, n, s.max, t, d);
        S = sumOf(t);
      }
      if (!(S > 0)) {
        dx.fill(0, o, o + n); // +∞ rows, fully masked rows, reluNorm rows with no positive entry
        continue;
      }
      acc.sum = 0;
      acc.comp = 0;
      for (let i = 0; i < n; i++) addCompensated(acc, (g[o + i]! * t[i]!) / S);
      const gy = acc.sum + acc.comp;
      for (let i = 0; i < n; i++) dx[o + i] = d[i] === 0 ? 0 : (d[i]! / S) * (g[o + i]! - gy);
    }
  });
}

/** r(x) = log1p(e^x)/e^x for x < 0, through 1 − u/2 when u = e^x < 2^−30 (error < u²/3). */
function softplusRatio(x: number): number {
  const u = Math.exp(x);
  return u < 2 ** -30 ? 1 - u / 2 : Math.log1p(u) / u;
}

/** softplus and sigmoid terms, scaled by e^(−c) when c < 0 and by 2^−64 beyond 2^1000. */
const softplusTerms: ScaledTerms = (x, o, n, c, t, d) => {
  const k = hugeRowScale(c);
  for (let i = 0; i < n; i++) {
    const v = x[o + i]!;
    if (v === -Infinity) {
      t[i] = 0;
      if (d) d[i] = 0;
    } else if (c < 0) {
      const e = expDiff(v, c); // e^(x − c)
      t[i] = e * softplusRatio(v);
      if (d) d[i] = e / (1 + Math.exp(v));
    } else {
      const a = Math.abs(v);
      t[i] = k * (Math.max(v, 0) + Math.log1p(Math.exp(-a)));
      if (d) d[i] = k * (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
    }
  }
};

/** softplus(x)/Σ softplus(x) along `options.axis` (default −1). See the module doc. */
export function softplusNorm(x: ArrayInput, options: RowOptions = {}): FloatArray {
  return l1Normalize('softplusNorm', x, options, softplusTerms);
}

/** dx = J_softplusNorm(x)ᵀ·dy = σ(x)/S ⊙ (dy − ⟨dy, y⟩). */
export function softplusNormVjp(
  x: ArrayInput,
  dy: ArrayInput,
  options: RowOptions = {},
): FloatArray {
  return l1NormalizeVjp('softplusNormVjp', x, dy, options, softplusTerms);
}

export const entry: NormalizerEntry = {
  name: 'softplusNorm',
  forward: softplusNorm,
  vjp: softplusNormVjp,
};
