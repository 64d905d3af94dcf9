/**
 * Self-Adjust Softmax (Zheng et al. 2025, arXiv:2502.18277):
 *   saSoftmax(x)_i = x_i · softmax(x)_i,
 * and with `normalized: true`, with a = min(min_j x_j, 0) and b = max(0, max_j x_j),
 *   saSoftmax(x)_i = (x_i − a)/(b − a) · softmax(x)_i,
 * which puts the weight in [0, 1]. Neither form sums to one; neither is shift invariant.
 *
 * Stability: softmax(x) comes from the softmax kernel (shift by the max, exact
 * difference, compensated sum); the weight (x_i − a)/(b − a) is one rounded
 * difference over another, each of exact inputs (rows beyond ±1e300 are halved
 * first, exactly, so b − a cannot overflow).
 *
 * VJP (by hand), p = softmax(x), w_i the weight (x_i, or (x_i − a)/D with D = b − a),
 * y = w ⊙ p, Q = ⟨dy, y⟩, P = ⟨dy, p⟩:
 *   plain:      dx_k = p_k·(dy_k·w_k − Q) + dy_k·p_k
 *   normalized: dx_k = p_k·(dy_k·w_k − Q) + (dy_k·p_k − [k = k_a]·(P − Q) − [k = k_b]·Q)/D
 * The first term is softmax's vjp against dy ⊙ w; the rest is ∂w/∂x. It is
 * evaluated as (a_k·σw_k − p_k·σQ)/σ + (a_k − …)/D with a_k = dy_k·p_k formed
 * first, σ = 2^−k scaling weights below 1 (exact) where a_k·w_k could overflow, and the 1/D terms
 * summed before one division, so rows near ±1e308 and rows with a subnormal D keep
 * a finite gradient where it is finite (issue 15: saSoftmaxVjp([−1e308, −1e308],
 * [−2, 3]) was NaN). min and
 * max are piecewise: the gradient goes through the active element only —
 * k_a = the first index of the row's minimum when it is < 0 (else a = 0 is a
 * constant and no k_a), k_b = the first index of the maximum when it is > 0.
 *
 * Error bound: Float64 ≤ 8 ulp (softmax's 4, the weight's 2, the product's ½)
 * for outputs that are not subnormal, Float32 ≤ 1 ulp; tested against 60-digit
 * references in test/normalizers/sa-softmax.test.ts.
 *
 * Non-finite policy: −∞ entries get 0 and gradient 0 and take no part in min/max;
 * a fully masked row gives zeros. A normalized row whose entries are all 0
 * (b − a = 0, the weight 0/0) gives zeros and gradient 0 — the value of every
 * constant row c < 0, and what x_i − a = 0 says. +∞ entries take the limit of
 * softmax (they share probability 1) with weight x_i → +∞ (plain: y = +∞
 * there) or (x_i − a)/(b − a) → 1 (normalized: y = 1/c there); the rest get 0,
 * and the gradient of such a row is 0 (as softmax's). NaN stays in its row.
 *
 * @example
 * saSoftmax([1, 2, 3]);                       // [1·0.0900…, 2·0.2447…, 3·0.6652…]
 * saSoftmax([-1, 0, 1], { normalized: true }); // [0, ½·0.2447…, 1·0.6652…]
 */
import { type Backend, resolveBackend } from '../kernels/backend.js';
import { addCompensated, type CompensatedSum } from '../kernels/js/exact.js';
import { oneRow } from '../kernels/js/softmax-rows.js';
import { booleanRule, ROW_RULES } from '../tensor/options.js';
import type { ArrayInput, FloatArray, ResultOf, RowOptions } from '../tensor/types.js';
import type { NormalizerEntry } from './entry.js';
import { mapRows, mapRowsVjp, prepareRows } from './row-map.js';

/** Options of saSoftmax. */
export interface SaSoftmaxOptions extends RowOptions {
  /** Weight by (x − min(x_min, 0))/(max(0, x_max) − min(x_min, 0)) instead of x. Default false. */
  normalized?: boolean;
}

/** The option rules of saSoftmax and its vjp. */
const SA_SOFTMAX_RULES = { ...ROW_RULES, normalized: booleanRule(false) } as const;

function resolve(fn: string, x: ArrayInput, options: SaSoftmaxOptions | undefined) {
  const { p, o } = prepareRows(fn, x, options, SA_SOFTMAX_RULES);
  const backend: Backend = resolveBackend(fn, o.backend, p.x.length, false);
  return { p, normalized: o.normalized, backend, out: o.out };
}

/**
 * A row's weight map w_i = (h·x_i − h·a)/hd, hd = h·b − h·a, so that
 * ∂w_i/∂x_i = h/hd = 1/D (plain: h = hd = 1, a = 0); the active min/max
 * indices (−1 when none); and the row's special cases.
 */
interface Weight {
  h: number;
  ha: number;
  hd: number;
  kA: number;
  kB: number;
  /** 'zero': fully masked, or normalized with every entry 0 (the result is 0). */
  kind: 'nan' | '+inf' | 'zero' | 'finite';
}

function rowWeight(x: FloatArray, o: number, n: number, normalized: boolean, w: Weight): void {
  let min = 0;
  let max = 0;
  let kA = -1;
  let kB = -1;
  let kind: Weight['kind'] = 'zero';
  for (let i = o; i < o + n; i++) {
    const v = x[i]!;
    if (Number.isNaN(v)) {
      w.kind = 'nan';
      return;
    }
    if (v === Infinity) kind = '+inf';
    else if (v !== -Infinity && kind === 'zero') kind = 'finite';
    if (v < min && v !== -Infinity) {
      min = v;
      kA = i - o;
    }
    if (v > max) {
      max = v;
      kB = i - o;
    }
  }
  w.kind = kind;
  if (!normalized) {
    w.h = w.hd = 1;
    w.ha = 0;
    w.kA = w.kB = -1;
    return;
  }
  if (kind === 'finite' && max === min) w.kind = 'zero'; // all entries 0: b − a = 0
  w.h = Math.max(max, -min) > 1e300 ? 0.5 : 1;
  w.ha = w.h * min;
  w.hd = w.h * max - w.ha;
  w.kA = kA;
  w.kB = kB;
}

/**
 * σ = 2^−k bringing the largest |weight| of the entries with p_i > 0 to below 1
 * when it exceeds 2^500 (plain rows of huge entries) or when a product a_i·w_i
 * (a_i = dy_i·p_i) could pass 2^1000 (a huge dy on a large row), else 1. A power of
 * two: σ·w and the division by σ are exact.
 */
function weightScale(xRow: FloatArray, dyRow: FloatArray, p: Float64Array, w: Weight): number {
  let big = 0;
  let a = 0;
  p.forEach((pi, i) => {
    if (pi > 0) {
      big = Math.max(big, Math.abs(weightOf(xRow[i]!, w)));
      a = Math.max(a, Math.abs(dyRow[i]! * pi));
    }
  });
  return big > 2 ** 500 || big * a > 2 ** 1000 ? 2 ** -Math.ceil(Math.log2(big)) : 1;
}

/** The weight of entry v (finite) under w. */
function weightOf(v: number, w: Weight): number {
  return (w.h * v - w.ha) / w.hd;
}

/** Self-Adjust Softmax along `options.axis` (default −1). See the module doc for the math. */
export function saSoftmax<X extends ArrayInput>(x: X, options?: SaSoftmaxOptions): ResultOf<X> {
  const { p, normalized, backend, out } = resolve('saSoftmax', x, options);
  const w: Weight = { h: 1, ha: 0, hd: 1, kA: -1, kB: -1, kind: 'finite' };
  return mapRows('saSoftmax', p, out, (a, y, rows, n) => {
    const sm = new Float64Array(n); // softmax of the row
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      rowWeight(a, o, n, normalized, w);
      if (w.kind === 'nan' || w.kind === 'zero') {
        y.fill(w.kind === 'nan' ? Number.NaN : 0, o, o + n);
        continue;
      }
      backend.softmax({ ...oneRow(n), x: a.subarray(o, o + n), y: sm });
      for (let i = 0; i < n; i++) {
        const v = a[o + i]!;
        if (sm[i] === 0) y[o + i] = 0;
        else if (v === Infinity) y[o + i] = normalized ? sm[i]! : Infinity;
        else y[o + i] = weightOf(v, w) * sm[i]!;
      }
    }
  }) as ResultOf<X>;
}

/** dx = J_saSoftmax(x)ᵀ·dy; see the module doc for the formula and the min/max subgradient. */
export function saSoftmaxVjp<X extends ArrayInput>(
  x: X,
  dy: ArrayInput,
  options?: SaSoftmaxOptions,
): ResultOf<X> {
  const { p, normalized, backend, out } = resolve('saSoftmaxVjp', x, options);
  const w: Weight = { h: 1, ha: 0, hd: 1, kA: -1, kB: -1, kind: 'finite' };
  const P: CompensatedSum = { sum: 0, comp: 0 };
  const Q: CompensatedSum = { sum: 0, comp: 0 };
  return mapRowsVjp('saSoftmaxVjp', p, dy, out, (a, g, dx, rows, n) => {
    const sm = new Float64Array(n); // softmax of the row
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      rowWeight(a, o, n, normalized, w);
      if (w.kind !== 'finite') {
        dx.fill(w.kind === 'nan' ? Number.NaN : 0, o, o + n);
        continue;
      }
      backend.softmax({ ...oneRow(n), x: a.subarray(o, o + n), y: sm });
      P.sum = 0;
      P.comp = 0;
      Q.sum = 0;
      Q.comp = 0;
      // a_i = dy_i·p_i first (|a_i| ≤ |dy_i|), and the weights scaled by σ = 2^−k when they
      // are huge (plain rows near ±1e308; exact): a_i·w_i and p_i·Q may each overflow where
      // their difference does not
      const sigma = weightScale(a.subarray(o, o + n), g.subarray(o, o + n), sm, w);
      for (let i = 0; i < n; i++) {
        if (sm[i] === 0) continue;
        const ai = g[o + i]! * sm[i]!;
        addCompensated(P, ai);
        addCompensated(Q, ai * (sigma * weightOf(a[o + i]!, w)));
      }
      const pSum = P.sum + P.comp;
      const qScaled = Q.sum + Q.comp;
      const qSum = qScaled / sigma;
      // ∂w_i/∂x_i = 1/D = h/hd, applied as (h·v)/hd: 1/D alone overflows when D is subnormal
      const byD = (v: number) => (w.h * v) / w.hd;
      for (let i = 0; i < n; i++) {
        const pi = sm[i]!;
        const ai = g[o + i]! * pi;
        // the 1/D terms summed before the one division (they cancel where y = 0 at the min)
        let overD = ai;
        if (i === w.kA) overD -= pSum - qSum;
        if (i === w.kB) overD -= qSum;
        const scaled = pi === 0 ? 0 : ai * (sigma * weightOf(a[o + i]!, w)) - pi * qScaled;
        dx[o + i] = scaled / sigma + byD(overD);
      }
    }
  }) as ResultOf<X>;
}

export const entry: NormalizerEntry<SaSoftmaxOptions> = {
  name: 'saSoftmax',
  forward: saSoftmax,
  vjp: saSoftmaxVjp,
  rules: SA_SOFTMAX_RULES,
};
