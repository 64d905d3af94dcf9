/**
 * ssmax(x; s, n)_i = n^(s·x_i) / Σ_j n^(s·x_j) = softmax(s·log(n)·x)_i — Scalable-Softmax
 * (Nakanishi 2025, "Scalable-Softmax Is Superior for Attention", arXiv:2501.19399).
 *
 * Multiplying the logits by s·log n keeps the largest probability from fading as
 * the row length n grows (plain softmax's max tends to 0 as n → ∞). The paper
 * learns s per layer and head; there is no fixed default, and s = 1 (the
 * default here) is the plain base-n form n^x / Σ n^x. n defaults to the axis
 * length; pass it to normalize with another length (e.g. the number of
 * unmasked keys, or the training context).
 *
 * n = 1: log(1) = 0, so the logits are multiplied by 0 and the result is the
 * uniform distribution over the entries that are not −∞ (+∞ included: the
 * scale is exactly 0, there is no limit to take), with gradient 0.
 *
 * Stability: the softmax kernel with scale c = s·log(n): shift by the row
 * max, exact difference, one rounding of c·(x − max), compensated sum.
 *
 * VJP: dx = c·y ⊙ (dy − ⟨y, dy⟩), c = s·log(n) (n is a constant, not a function of x).
 *
 * Error bound: softmax's (Float64 ≤ 4 ulp, Float32 ≤ 1 ulp) plus the rounding of
 * the exponent: the double c carries ≤ 2 roundings (log and product) and
 * c·(x_i − max) one more, so a Float64 output has relative error
 * ≤ 4 ulp + 3·2^−53·|c·(x_i − max)|. Tested against 60-digit references of
 * softmax(s·ln(n)·x) in test/normalizers/ssmax.test.ts.
 *
 * Shift invariant (ssmax(x + a) = ssmax(x)); sums to one.
 *
 * Non-finite policy: softmax's — −∞ entries get 0 and gradient 0, a fully
 * masked row gives zeros, +∞ entries share probability 1 (gradient 0), NaN
 * stays in its row.
 *
 * @example
 * ssmax([1, 2, 3]);               // softmax(log(3)·[1, 2, 3]) = [1/13, 3/13, 9/13]
 * ssmax([1, 2, 3], { s: 0.5, n: 1024 });
 */
import { type Backend, resolveBackend } from '../kernels/backend.js';
import { numberRule, type Resolved, ROW_RULES } from '../tensor/options.js';
import type { ArrayInput, FloatArray, ResultOf, RowOptions } from '../tensor/types.js';
import type { NormalizerEntry } from './entry.js';
import { mapRows, mapRowsVjp, type Prepared, prepareRows } from './row-map.js';

/** Options of ssmax. */
export interface SsmaxOptions extends RowOptions {
  /** The scaling parameter s: finite, > 0. Default 1. */
  s?: number;
  /** The length n in log(n): finite, ≥ 1. Default: the length of the axis. */
  n?: number;
}

/** The option rules of ssmax and its vjp (n's default, the axis length, comes with the layout). */
export const SSMAX_RULES = {
  ...ROW_RULES,
  s: numberRule({ greaterThan: 0, default: 1 }),
  n: numberRule({ atLeast: 1 }),
} as const;

interface ResolvedScale {
  /** c = s·log(n). */
  readonly scale: number;
  readonly backend: Backend;
}

function resolve(fn: string, p: Prepared, o: Resolved<typeof SSMAX_RULES>): ResolvedScale {
  const backend = resolveBackend(fn, o.backend, p.x.length, p.x instanceof Float32Array);
  return { scale: o.s * Math.log(o.n ?? p.layout.n), backend };
}

/**
 * The c = 0 case (n = 1): forward (`grad` false) is uniform over the entries
 * that are not −∞; the gradient (`grad` true) is 0. A row holding NaN gives NaN.
 */
function zeroScaleRows(x: FloatArray, y: FloatArray, rows: number, n: number, grad: boolean): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let c = 0;
    let nan = false;
    for (let i = o; i < o + n; i++) {
      if (x[i] !== -Infinity) c++;
      if (Number.isNaN(x[i]!)) nan = true;
    }
    for (let i = o; i < o + n; i++)
      y[i] = nan ? Number.NaN : grad || x[i] === -Infinity ? 0 : 1 / c;
  }
}

/** Scalable-Softmax along `options.axis` (default −1). See the module doc for the math. */
export function ssmax<X extends ArrayInput>(x: X, options?: SsmaxOptions): ResultOf<X> {
  const { p, o } = prepareRows('ssmax', x, options, SSMAX_RULES);
  const { scale, backend } = resolve('ssmax', p, o);
  return mapRows('ssmax', p, o.out, (a, y, rows, n) =>
    scale === 0
      ? zeroScaleRows(a, y, rows, n, false)
      : backend.softmax({ x: a, y, rows, n, algorithm: 'three-pass', s: scale, log: false }),
  ) as ResultOf<X>;
}

/** dx = J_ssmax(x)ᵀ·dy = c·y ⊙ (dy − ⟨y, dy⟩), c = s·log(n). */
export function ssmaxVjp<X extends ArrayInput>(
  x: X,
  dy: ArrayInput,
  options?: SsmaxOptions,
): ResultOf<X> {
  const { p, o } = prepareRows('ssmaxVjp', x, options, SSMAX_RULES);
  const { scale, backend } = resolve('ssmaxVjp', p, o);
  return mapRowsVjp('ssmaxVjp', p, dy, o.out, (a, g, dx, rows, n) =>
    scale === 0
      ? zeroScaleRows(a, dx, rows, n, true)
      : backend.softmaxVjp({
          x: a,
          dy: g,
          dx,
          rows,
          n,
          algorithm: 'three-pass',
          s: scale,
          log: false,
        }),
  ) as ResultOf<X>;
}

export const entry: NormalizerEntry<SsmaxOptions> = {
  name: 'ssmax',
  forward: ssmax,
  vjp: ssmaxVjp,
  rules: SSMAX_RULES,
};
