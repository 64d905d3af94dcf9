/**
 * softpick(x; ε)_i = relu(e^(x_i) − 1) / (Σ_j |e^(x_j) − 1| + ε) — the rectified
 * softmax of Zuhri, Fuadi & Aji 2025, "Softpick: No Attention Sink, No Massive
 * Activations with Rectified Softmax" (arXiv:2504.20966). Not sum-to-one: a row
 * sums to ≤ 1, entries ≤ 0 get exactly 0, and a row with no positive entry is
 * all zeros (attention may attend to nothing). ε defaults to 1e−8, the authors'
 * reference implementation (github.com/zaydzuhri/softpick-attention); it only
 * matters when every entry is exactly 0.
 *
 * Stability (the SPEC's form): with m = max(max_j x_j, 0) and t_j = e^(x_j − m) − e^(−m),
 *   softpick(x)_i = relu(t_i) / (Σ_j |t_j| + ε·e^(−m)),
 * equal to the formula above (numerator and denominator scaled by e^(−m)), with
 * every exponential ≤ 1. The difference t_j cancels badly near x_j = 0, so it is
 * never formed: t_j = −e^(x_j − m)·expm1(−x_j) for x_j > 0 and
 * t_j = e^(−m)·expm1(x_j) for x_j ≤ 0 — each a product of two factors with
 * relative error ≤ 1 ulp (e^(x − m) with x − m exact). The sum is compensated.
 *
 * VJP (by hand): with S = Σ|e^(x_j) − 1| + ε, y_i = relu(e^(x_i) − 1)/S and
 * g = ⟨dy, y⟩:  ∂y_i/∂x_k = δ_ik·1[x_k > 0]·e^(x_k)/S − y_i·sign(x_k)·e^(x_k)/S, so
 *   dx_k = (e^(x_k)/S)·(1[x_k > 0]·dy_k − sign(x_k)·g),
 * computed as e^(x_k − m)/(S·e^(−m)). At the kink x_k = 0 the subgradient 0 is
 * taken (1[0 > 0] = sign(0) = 0).
 *
 * Error bound: Float64 ≤ 8 ulp (≈ 2e−15 relative) for outputs that are not
 * subnormal, Float32 ≤ 1 ulp (the double result rounded once); tested against
 * 60-digit references in test/normalizers/softpick.test.ts.
 *
 * Non-finite policy: −∞ is a mask: the entry is removed from the row (output 0,
 * gradient 0, and it adds nothing to Σ|e^x − 1| — not the limit |0 − 1| = 1 —
 * as in the authors' code); a fully masked row gives zeros. +∞ entries share
 * probability 1 (the limit), the rest get 0, gradient 0. NaN stays in its row.
 * With ε = 0, a row whose terms are all 0 (every entry 0 or masked) gives zeros.
 *
 * @example
 * softpick([1, 0, -1]);     // Float64Array [0.7310…, 0, 0] = (e − 1)/((e − 1) + 0 + (1 − 1/e) + 1e−8)
 * softpick([-1, -2]);       // Float64Array [0, 0]
 */
import { resolveBackend } from '../kernels/backend.js';
import { addCompensated, type CompensatedSum, expDiff } from '../kernels/js/exact.js';
import { numberRule, ROW_RULES } from '../tensor/options.js';
import type { ArrayInput, FloatArray, ResultOf, RowOptions } from '../tensor/types.js';
import type { NormalizerEntry } from './entry.js';
import { mapRows, mapRowsVjp, mathRowMax, prepareRows } from './row-map.js';

/** Options of softpick. */
export interface SoftpickOptions extends RowOptions {
  /** ε added to the denominator: finite, ≥ 0. Default 1e−8. */
  eps?: number;
}

/** The option rules of softpick and its vjp. */
export const SOFTPICK_RULES = {
  ...ROW_RULES,
  eps: numberRule({ atLeast: 0, default: 1e-8 }),
} as const;

/**
 * Resolve the options and check `backend` (softpick runs on the JavaScript row
 * code whatever the backend: no other backend has a softpick kernel yet).
 */
function resolveSoftpick(fn: string, x: ArrayInput, options: SoftpickOptions | undefined) {
  const { p, o } = prepareRows(fn, x, options, SOFTPICK_RULES);
  resolveBackend(fn, o.backend, p.x.length, p.x instanceof Float32Array);
  return { p, eps: o.eps, out: o.out };
}

/** t = e^(x − m) − e^(−m) without cancellation; em = e^(−m). 0 for a masked entry. */
function term(x: number, m: number, em: number): number {
  if (x > 0) return -expDiff(x, m) * Math.expm1(-x);
  return x === -Infinity ? 0 : em * Math.expm1(x);
}

/** The scaled denominator S·e^(−m) = Σ|t_j| + ε·e^(−m). */
function denominator(x: FloatArray, o: number, n: number, m: number, eps: number): number {
  const em = Math.exp(-m);
  const acc: CompensatedSum = { sum: 0, comp: 0 };
  for (let i = o; i < o + n; i++) addCompensated(acc, Math.abs(term(x[i]!, m, em)));
  addCompensated(acc, eps * em);
  return acc.sum + acc.comp;
}

/** Softpick along `options.axis` (default −1). See the module doc for the math. */
export function softpick<X extends ArrayInput>(x: X, options?: SoftpickOptions): ResultOf<X> {
  const { p, eps, out } = resolveSoftpick('softpick', x, options);
  return mapRows('softpick', p, out, (a, y, rows, n) => {
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      const max = mathRowMax(a, o, n, y, 'mass');
      if (max === undefined) continue;
      const m = Math.max(max, 0); // the reference of the module doc: max(max x, 0)
      const d = denominator(a, o, n, m, eps);
      for (let i = o; i < o + n; i++) {
        const v = a[i]!;
        y[i] = v > 0 ? term(v, m, 0) / d : 0; // d > 0 whenever some v > 0
      }
    }
  }) as ResultOf<X>;
}

/** dx = J_softpick(x)ᵀ·dy = (e^x/S)·(1[x > 0]·dy − sign(x)·⟨dy, y⟩). */
export function softpickVjp<X extends ArrayInput>(
  x: X,
  dy: ArrayInput,
  options?: SoftpickOptions,
): ResultOf<X> {
  const { p, eps, out } = resolveSoftpick('softpickVjp', x, options);
  return mapRowsVjp('softpickVjp', p, dy, out, (a, g, dx, rows, n) => {
    const acc: CompensatedSum = { sum: 0, comp: 0 };
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      const max = mathRowMax(a, o, n, dx, 'gradient');
      if (max === undefined) continue;
      const m = Math.max(max, 0);
      const d = denominator(a, o, n, m, eps);
      if (d === 0) {
        dx.fill(0, o, o + n);
        continue;
      }
      // ⟨dy, y⟩ over the positive entries (the only nonzero y).
      acc.sum = 0;
      acc.comp = 0;
      for (let i = o; i < o + n; i++)
        if (a[i]! > 0) addCompensated(acc, (g[i]! * term(a[i]!, m, 0)) / d);
      const gy = acc.sum + acc.comp;
      for (let i = o; i < o + n; i++) {
        const v = a[i]!;
        // e^(x − m)·(…)/(S·e^(−m)), the division last: e/d alone overflows when d is subnormal
        const e = expDiff(v, m); // 0 for −∞ (and on underflow)
        dx[i] = v > 0 ? (e * (g[i]! - gy)) / d : v < 0 && e > 0 ? (e * gy) / d : 0; // no −0 at masks
      }
    }
  }) as ResultOf<X>;
}

export const entry: NormalizerEntry<SoftpickOptions> = {
  name: 'softpick',
  forward: softpick,
  vjp: softpickVjp,
  rules: SOFTPICK_RULES,
};
