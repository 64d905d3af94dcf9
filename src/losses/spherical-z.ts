/**
 * sphericalZLoss(logits, targets) — the Z-loss of de Brébisson & Vincent ("The
 * Z-loss: a shift and scale invariant classification loss belonging to the
 * Spherical Family", 2016, arXiv:1604.08859):
 *   z = (o_c − μ) / σ,  μ = mean(o),  σ = population std(o)
 *   ℓ = softplus(a·(b − z)) / a
 * Invariant to shifting and (positively) scaling the logits; a sets the
 * sharpness and b the location (the paper tunes both per task).
 *
 * Gradient: with ẑ_j = (o_j − μ)/σ and s = sigmoid(a·(b − z)) over the m
 * entries of the row,
 *   dℓ/do_j = −s·([j = c] − 1/m − z·ẑ_j/m) / σ.
 *
 * Stability: μ by a compensated sum and σ by the two-pass Σ(o − μ)² (no
 * E[o²] − μ² cancellation); softplus(y) = max(y, 0) + log1p(e^−|y|). The
 * target's factor 1 − 1/m − z²/m cancels as o_c becomes an outlier (z² → m − 1);
 * it equals (m − 1)·S/(m·Σ(o − μ)²) with S = Σ_{j≠c}(o_j − ō)² the spread of
 * the other entries about their own mean ō, which is how it is computed.
 * A row whose largest |o_j| lies outside [2^−480, 2^480] is first divided by a
 * power of two S (exact; z does not change, the gradient is divided by S), so
 * Σ(o − μ)² neither overflows (±1e308 logits: NaN gradient before, issue 15)
 * nor underflows.
 * Error bound: Float64 ≤ 1e-14 relative unless σ is tiny against |μ|
 * (test/losses/spherical-z.test.ts, 60-digit reference).
 *
 * Non-finite policy: masked (−∞) entries are left out of μ and σ and get
 * gradient 0 (a masked row equals its truncated row); a masked target gives
 * +∞; a fully masked row gives 0; a row of equal logits (σ = 0) has z = 0 and
 * gradient 0; +∞ or NaN entries make the row NaN.
 *
 * @example
 * sphericalZLoss([2, 0.5, -1], [0], { a: 1, b: 0 });   // softplus(−1.2247…)
 */
import { addCompensated, type CompensatedSum } from '../kernels/js/exact.js';
import { numberRule } from '../tensor/options.js';
import type { ArrayInput, FloatArray } from '../tensor/types.js';
import { classRowLoss, resolveClassLoss } from './class-targets.js';
import { CLASS_LOSS_RULES, type ClassLossOptions, type LossResult } from './loss-options.js';

/** Options of {@link sphericalZLoss}. */
export interface SphericalZLossOptions extends ClassLossOptions {
  /** Sharpness a > 0. Default 1. */
  a?: number;
  /** Location b. Default 0. */
  b?: number;
}

function softplus(y: number): number {
  return Math.max(y, 0) + Math.log1p(Math.exp(-Math.abs(y)));
}

function sigmoid(y: number): number {
  return y >= 0 ? 1 / (1 + Math.exp(-y)) : Math.exp(y) / (1 + Math.exp(y));
}

/**
 * Count, mean (compensated) and Σ (o_j − mean)² (two-pass) of the unmasked entries of
 * the row x[o..o+n) other than index `skip` (−1: all of them).
 */
function spread(x: FloatArray, o: number, n: number, skip: number) {
  const acc: CompensatedSum = { sum: 0, comp: 0 };
  let count = 0;
  for (let j = 0; j < n; j++)
    if (j !== skip && x[o + j] !== -Infinity) {
      addCompensated(acc, x[o + j]!);
      count++;
    }
  const mean = (acc.sum + acc.comp) / count;
  let ss = 0;
  for (let j = 0; j < n; j++)
    if (j !== skip && x[o + j] !== -Infinity) ss += (x[o + j]! - mean) ** 2;
  return { count, mean, ss };
}

/** The option rules of {@link sphericalZLoss}. */
const SPHERICAL_Z_RULES = {
  ...CLASS_LOSS_RULES,
  a: numberRule({ greaterThan: 0, default: 1 }),
  b: numberRule({ default: 0 }),
} as const;

/** The spherical Z-loss and its gradient. See the module doc. */
export function sphericalZLoss(
  logits: ArrayInput,
  targets: Int32Array | readonly number[],
  options?: SphericalZLossOptions,
): LossResult {
  const fn = 'sphericalZLoss';
  const { p, o, t } = resolveClassLoss(fn, logits, targets, options, SPHERICAL_Z_RULES);
  const { a, b } = o;
  const scaled = new Float64Array(p.layout.n);
  return classRowLoss(p, t, (x, o, n, c, g) => {
    // Scale a row far from 1 by a power of two S (exact): z is scale-invariant and
    // dℓ/dx = (dℓ/d(x/S))/S, while Σ (x − μ)² no longer overflows (or underflows).
    const big = maxAbs(x, o, n);
    if (!(big > 2 ** -480 && big < 2 ** 480) && big > 0 && big < Infinity) {
      const S = 2 ** Math.floor(Math.log2(big));
      for (let j = 0; j < n; j++) scaled[j] = x[o + j]! / S;
      const loss = rowLoss(scaled, 0, n, c, g, a, b);
      for (let j = 0; j < n; j++) g[j] = g[j]! / S;
      return loss;
    }
    return rowLoss(x, o, n, c, g, a, b);
  });
}

/** The largest |x_j| of the row's unmasked entries (NaN and +∞ give NaN or ∞). */
function maxAbs(x: FloatArray, o: number, n: number): number {
  let m = 0;
  for (let j = o; j < o + n; j++) {
    const v = x[j]!;
    if (v === -Infinity) continue;
    if (Number.isNaN(v)) return v;
    m = Math.max(m, Math.abs(v));
  }
  return m;
}

/** The loss of the row x[o..o+n) with target c; its gradient into g[0..n). */
function rowLoss(
  x: FloatArray,
  o: number,
  n: number,
  c: number,
  g: Float64Array,
  a: number,
  b: number,
): number {
  if (x[o + c] === -Infinity) {
    for (let j = 0; j < n; j++) g[j] = 0;
    return Infinity;
  }
  // μ and σ² = Σ (o − μ)² / m over the m unmasked entries
  const { count: m, mean: mu, ss } = spread(x, o, n, -1);
  const sigma = Math.sqrt(ss / m);
  const z = sigma > 0 ? (x[o + c]! - mu) / sigma : sigma === 0 ? 0 : Number.NaN;
  const sg = sigmoid(a * (b - z));
  for (let j = 0; j < n; j++) {
    const v = x[o + j]!;
    g[j] =
      v === -Infinity || sigma === 0 ? 0 : (sg * (1 / m + (z * (v - mu)) / (sigma * m))) / sigma;
  }
  if (sigma !== 0) g[c] = -(sg * (m - 1) * spread(x, o, n, c).ss) / (m * ss * sigma);
  return softplus(a * (b - z)) / a;
}
