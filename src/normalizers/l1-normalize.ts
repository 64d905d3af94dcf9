/**
 * l1 normalization of a nonnegative elementwise map φ, shared by softplusNorm
 * and reluNorm: y = φ(x) / Σ φ(x), with
 *   VJP: dx_k = φ'(x_k)/S · (dy_k − ⟨dy, y⟩),  S = Σ φ(x).
 * Each normalizer supplies only its scaled terms k·φ(x_i) and k·φ'(x_i); the
 * scale k cancels in the ratio, so a term function may rescale a row that
 * would underflow or overflow. Sums are Neumaier-compensated.
 *
 * With `reweight` = p the normalized row a is then sharpened by LSSAR's
 * re-weighting (reweight.ts): y = relu(n·a − o)^p / Σ relu(n·a − o)^p, n = the
 * row's entries other than −∞, and the VJP first pulls dy back to ∂L/∂a.
 *
 * The vjp's factor φ'(x_k)/S is applied as (φ'(x_k)·(dy_k − ⟨dy, y⟩))/S: on a row
 * of subnormals S is so small that φ'/S alone overflows (reluNormVjp([5e−324], [1])
 * gave ∞·0 = NaN; it is 0).
 *
 * Non-finite policy: −∞ entries give 0 and gradient 0; a row whose terms sum to
 * 0 (fully masked, or no positive entry for reluNorm) gives zeros and a zero
 * gradient; +∞ entries share probability 1 and the gradient is 0 (re-weighting
 * leaves that limit as it is); NaN stays in its row.
 */
import { resolveBackend } from '../kernels/backend.js';
import { addCompensated, type CompensatedSum } from '../kernels/js/exact.js';
import { numberRule, ROW_RULES } from '../tensor/options.js';
import type { ArrayInput, FloatArray } from '../tensor/types.js';
import { reweightRow, reweightRowVjp } from './reweight.js';
import { mapRows, mapRowsVjp, mathRowMax, prepareRows } from './row-map.js';

/**
 * The option rules of the l1 normalizations: the row options and LSSAR's
 * `reweight` power p ≥ 1 (undefined: no re-weighting). reluNorm takes the row
 * options alone ({@link ROW_RULES}).
 */
export const L1_RULES = { ...ROW_RULES, reweight: numberRule({ atLeast: 1 }) } as const;

type L1Rules = typeof ROW_RULES | typeof L1_RULES;

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

/** The number of entries of x[o, o + n) other than −∞. */
function visibleCount(x: FloatArray, o: number, n: number): number {
  let c = 0;
  for (let i = o; i < o + n; i++) if (x[i] !== Number.NEGATIVE_INFINITY) c++;
  return c;
}

function sumOf(t: Float64Array): number {
  const acc: CompensatedSum = { sum: 0, comp: 0 };
  for (let i = 0; i < t.length; i++) addCompensated(acc, t[i]!);
  return acc.sum + acc.comp;
}

/** Validate x and the options; φ-normalizers run on the JavaScript row code (no other kernel yet). */
function prepareL1(fn: string, x: ArrayInput, options: unknown, rules: L1Rules) {
  const { p, o } = prepareRows(fn, x, options, rules);
  resolveBackend(fn, o.backend, p.x.length, p.x instanceof Float32Array);
  const reweight = 'reweight' in o ? (o.reweight ?? null) : null;
  return { p, out: o.out, reweight };
}

/**
 * y = φ(x)/Σφ(x) along `options.axis` (re-weighted with power `options.reweight`
 * when the rules take it and it is given), with the non-finite policy of the module doc.
 */
export function l1Normalize(
  fn: string,
  x: ArrayInput,
  options: unknown,
  rules: L1Rules,
  terms: ScaledTerms,
): FloatArray {
  const { p, out, reweight } = prepareL1(fn, x, options, rules);
  return mapRows(fn, p, out, (a, y, rows, n) => {
    const t = new Float64Array(n);
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      const max = mathRowMax(a, o, n, y, 'mass');
      if (max === undefined) continue;
      terms(a, o, n, max, t, undefined);
      const S = sumOf(t);
      for (let i = 0; i < n; i++) t[i] = S > 0 ? t[i]! / S : 0;
      if (reweight !== null) reweightRow(t, n, visibleCount(a, o, n), reweight);
      for (let i = 0; i < n; i++) y[o + i] = t[i]!;
    }
  });
}

/**
 * dx = J(x)ᵀ·dy of a = φ(x)/Σφ(x): φ'(x_k)/S · (dy_k − ⟨dy, a⟩); with `reweight`,
 * dy is first pulled back through the re-weighting to ∂L/∂a.
 */
export function l1NormalizeVjp(
  fn: string,
  x: ArrayInput,
  dy: ArrayInput,
  options: unknown,
  rules: L1Rules,
  terms: ScaledTerms,
): FloatArray {
  const { p, out, reweight } = prepareL1(fn, x, options, rules);
  return mapRowsVjp(fn, p, dy, out, (a, g, dx, rows, n) => {
    const t = new Float64Array(n);
    const d = new Float64Array(n);
    const ga = reweight === null ? null : new Float64Array(n);
    const u = reweight === null ? null : new Float64Array(n);
    const acc: CompensatedSum = { sum: 0, comp: 0 };
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      const max = mathRowMax(a, o, n, dx, 'gradient');
      if (max === undefined) continue;
      terms(a, o, n, max, t, d);
      const S = sumOf(t);
      if (!(S > 0)) {
        dx.fill(0, o, o + n); // fully masked rows, reluNorm rows with no positive entry
        continue;
      }
      for (let i = 0; i < n; i++) t[i] = t[i]! / S; // t ← a
      let gRow: ArrayLike<number> = g;
      let go = o;
      if (ga !== null) {
        reweightRowVjp(t, g, o, ga, n, visibleCount(a, o, n), reweight!, u!);
        gRow = ga;
        go = 0;
      }
      acc.sum = 0;
      acc.comp = 0;
      for (let i = 0; i < n; i++) addCompensated(acc, gRow[go + i]! * t[i]!);
      const ga0 = acc.sum + acc.comp;
      // (d·(g − ⟨g, a⟩))/S, not (d/S)·(…): d/S alone overflows on a subnormal row (issue 15)
      for (let i = 0; i < n; i++) dx[o + i] = d[i] === 0 ? 0 : (d[i]! * (gRow[go + i]! - ga0)) / S;
    }
  });
}
