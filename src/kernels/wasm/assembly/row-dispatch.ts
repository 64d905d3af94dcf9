/**
 * The row passes chosen at compile time by the element type (sizeof<T>() is a constant:
 * one body per type, no run-time branch) and at run time by the algorithm: the pieces
 * the softmax and cross-entropy rows (./softmax-rows.ts, ./cross-entropy-rows.ts) are
 * written in. Float32 rows go to ./row-f32.ts, ./online-f32.ts, ./two-pass-f32.ts and
 * ./short-rows-f32.ts, Float64 rows to ./row-f64.ts. The second result of a pass (the low
 * part of a compensated sum, the count of max entries, the two-pass exponent) is read
 * from ./second-results.ts right after it.
 */
import { LN2_HI, LN2_LO } from './exp';
import { online32 } from './online-f32';
import { expScale32, expSum32, expSumBelow32, rowMax32, rowMin32 } from './row-f32';
import { expScale64, expSum64, online64, rowMax64 } from './row-f64';
import { maxCount, sumLow, twoPassK } from './second-results';
import { SHORT_ROW } from './short-rows-f32';
import { twoPass32 } from './two-pass-f32';

/** The algorithm codes of the `alg` argument (../backend.ts ALG). */
export const THREE_PASS: i32 = 0;
export const TWO_PASS: i32 = 1;
export const ONLINE: i32 = 2;
/** The two-pass range reduction in double stays exact enough (≪ 1 f32 ulp) for |s·x| < 2^20. */
const TWO_PASS_LIMIT: f64 = 1048576;

/** Whether Float32 three-pass rows at s = 1 go four at a time (./short-rows-f32.ts). */
// @ts-ignore: decorator
@inline
export function short<T>(n: i32, alg: i32, s: f64): bool {
  return sizeof<T>() == 4 && s == 1 && alg != TWO_PASS && alg != ONLINE && n <= SHORT_ROW;
}

/** The row's maximum (NaN if it holds NaN). */
// @ts-ignore: decorator
@inline
export function rowMax<T>(x: usize, n: i32): f64 {
  return sizeof<T>() == 4 ? <f64>rowMax32(x, n) : rowMax64(x, n);
}

/** Σ e^(s·(x − m)) and the e_i stored at y (plain sum for f32, compensated for f64). */
// @ts-ignore: decorator
@inline
export function expSum<T>(x: usize, y: usize, n: i32, m: f64, s: f64): f64 {
  if (sizeof<T>() == 4) return expSum32(x, y, n, <f32>m, s);
  const hi = expSum64(x, y, n, m, s);
  return hi + sumLow();
}

/**
 * The online sum d = Σ e^(s·(x − max)) minus c, as (hi − c) + lo: c = 1 gives the log1p
 * argument Σ − 1 without cancellation (hi − 1 is exact for 1 ≤ hi ≤ 2^53), c = 0 the sum
 * itself. Float32 compensates only when `comp` (for the log).
 */
// @ts-ignore: decorator
@inline
export function onlineMinus<T>(x: usize, n: i32, s: f64, comp: bool, c: f64): f64 {
  const hi = sizeof<T>() == 4 ? online32(x, n, s, comp) : online64(x, n, s);
  return hi - c + sumLow();
}

/** y_i = e^(s·(x_i − m))·f. */
// @ts-ignore: decorator
@inline
export function expScale<T>(x: usize, y: usize, n: i32, m: f64, s: f64, f: f64): void {
  if (sizeof<T>() == 4) expScale32(x, y, n, <f32>m, s, f);
  else expScale64(x, y, n, m, s, f);
}

/** Whether the f32 two-pass split is exact enough for this row. */
export function twoPassOk(x: usize, n: i32, m: f64, s: f64): bool {
  return m * s < TWO_PASS_LIMIT && -<f64>rowMin32(x, n) * s < TWO_PASS_LIMIT;
}

/** d = Σ e^(s·(x − max)) from the two-pass S·2^K: S·e^(K·ln 2 − s·max). */
export function twoPassD(x: usize, n: i32, m: f64, s: f64): f64 {
  const S = twoPass32(x, n, s);
  const K = twoPassK();
  return S * Math.exp(K * LN2_HI - m * s + K * LN2_LO);
}

/**
 * Σ e^(s·(x − m)) by the chosen algorithm, and the e_i stored at e unless e = 0
 * (e_i relative to the true max m in every case).
 */
export function normalizer<T>(x: usize, e: usize, n: i32, m: f64, s: f64, alg: i32): f64 {
  if (alg == ONLINE || (sizeof<T>() == 4 && alg == TWO_PASS && twoPassOk(x, n, m, s))) {
    const d = alg == ONLINE ? onlineMinus<T>(x, n, s, false, 0) : twoPassD(x, n, m, s);
    if (e) expScale<T>(x, e, n, m, s, 1);
    return d;
  }
  return expSum<T>(x, e, n, m, s);
}

/**
 * u with log Σ e^(s·(x − m)) = log1p(u): Σ − 1 formed without cancellation. The online
 * sum is compensated against the true max; the Float32 three-pass sum leaves out the
 * max's own terms (Σ − 1 = (count − 1) + the rest), so log1p keeps a dominant row's
 * near-zero log-probabilities accurate; the two-pass sum is taken against 2^K, so when
 * one entry dominates (Σ < 2) it is recomputed against the max (as the JS reference
 * does). hi − 1 is exact for 1 ≤ hi ≤ 2^53.
 */
export function logArg<T>(x: usize, n: i32, m: f64, s: f64, alg: i32): f64 {
  if (alg == ONLINE) return onlineMinus<T>(x, n, s, true, 1);
  if (sizeof<T>() == 4) {
    if (alg == TWO_PASS && twoPassOk(x, n, m, s)) {
      const d = twoPassD(x, n, m, s);
      if (d >= 2) return d - 1;
    }
    return belowArg32(x, 0, n, m, s);
  }
  return expSum64(x, 0, n, m, s) - 1 + sumLow();
}

/**
 * A Float32 row's log1p argument Σ − 1 = (count − 1) + Σ_{x_i < m} e^(s·(x_i − m)) (the
 * e_i stored at y unless y = 0): exact where one entry dominates.
 */
// @ts-ignore: decorator
@inline
export function belowArg32(x: usize, y: usize, n: i32, m: f64, s: f64): f64 {
  const below = expSumBelow32(x, y, n, <f32>m, s);
  return <f64>(maxCount() - 1) + below;
}

/** Byte address of row r of rows of n elements of T at p. */
// @ts-ignore: decorator
@inline
export function rowAt<T>(p: usize, r: i32, n: i32): usize {
  return p + <usize>r * <usize>n * sizeof<T>();
}

/** Element i of T at p, as f64. */
// @ts-ignore: decorator
@inline
export function loadT<T>(p: usize, i: i32): f64 {
  return sizeof<T>() == 4 ? <f64>load<f32>(p + (<usize>i << 2)) : load<f64>(p + (<usize>i << 3));
}

/** Element i of T at p ← v (rounded once for f32). */
// @ts-ignore: decorator
@inline
export function storeT<T>(p: usize, i: i32, v: f64): void {
  if (sizeof<T>() == 4) store<f32>(p + (<usize>i << 2), <f32>v);
  else store<f64>(p + (<usize>i << 3), v);
}
