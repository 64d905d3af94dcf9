/**
 * Float64 row passes (f64x2 lanes). x − m is carried exactly as h + l (TwoSum),
 * exp64 takes e^(s·h + s·l) (≤ 2 ulp), every sum is TwoSum-compensated per lane
 * (error ~2^−106·n) and outputs round once. An odd tail element is padded with −∞.
 */
import { exp64, expDiffScalar } from './exp';
import { setSumLow, sumLow } from './second-results';

const NEG_INF = f64x2.splat(-Infinity);

/** The element at p in lane 0, `fill` in lane 1. */
// @ts-ignore: decorator
@inline
function loadPart(p: usize, fill: f64): v128 {
  return f64x2.replace_lane(f64x2.splat(fill), 0, load<f64>(p));
}

/** Load two elements at x + 8i, or the last one padded with −∞. */
// @ts-ignore: decorator
@inline
function loadAt(x: usize, i: i32, n: i32): v128 {
  return i + 2 <= n ? v128.load(x + (<usize>i << 3)) : loadPart(x + (<usize>i << 3), -Infinity);
}

/** Store both lanes, or lane 0 only at the odd tail. */
// @ts-ignore: decorator
@inline
function storeAt(y: usize, i: i32, n: i32, v: v128): void {
  if (i + 2 <= n) v128.store(y + (<usize>i << 3), v);
  else store<f64>(y + (<usize>i << 3), f64x2.extract_lane(v, 0));
}

/** e^(s·(v − m)) with v − m taken exactly (TwoSum) before scaling. */
// @ts-ignore: decorator
@inline
export function expShift(v: v128, mm: v128, ss: v128): v128 {
  const h = f64x2.sub(v, mm);
  const t = f64x2.sub(h, v);
  const l = f64x2.add(f64x2.sub(v, f64x2.sub(h, t)), f64x2.sub(f64x2.neg(mm), t));
  return exp64(f64x2.mul(h, ss), f64x2.mul(l, ss));
}

/** The row's maximum (NaN if it holds NaN): pmax and a NaN mask, as rowMax32. */
export function rowMax64(x: usize, n: i32): f64 {
  let m0 = NEG_INF;
  let m1 = NEG_INF;
  let nan = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v0 = v128.load(x + (<usize>i << 3));
    const v1 = v128.load(x + (<usize>i << 3), 16);
    m0 = f64x2.pmax(m0, v0);
    m1 = f64x2.pmax(m1, v1);
    nan = v128.or(nan, v128.or(f64x2.ne(v0, v0), f64x2.ne(v1, v1)));
  }
  if (v128.any_true(nan)) return NaN;
  m0 = f64x2.pmax(m0, m1);
  let m = max<f64>(f64x2.extract_lane(m0, 0), f64x2.extract_lane(m0, 1));
  for (; i < n; i++) m = max<f64>(m, load<f64>(x + (<usize>i << 3)));
  return m;
}

/** (hi, lo) ← (hi, lo) + v by TwoSum, on lanes; returns the new hi, adds the error to c. */
// @ts-ignore: decorator
@inline
export function twoSumErr(s: v128, v: v128, t: v128): v128 {
  const bp = f64x2.sub(t, s);
  return f64x2.add(f64x2.sub(s, f64x2.sub(t, bp)), f64x2.sub(v, bp));
}

/** Fold lanes (sum s, compensation c) into hi (returned) and the low part (setSumLow). */
// @ts-ignore: decorator
@inline
export function fold(s: v128, c: v128): f64 {
  const a = f64x2.extract_lane(s, 0);
  const b = f64x2.extract_lane(s, 1);
  const t = a + b;
  const bp = t - a;
  setSumLow(a - (t - bp) + (b - bp) + f64x2.extract_lane(c, 0) + f64x2.extract_lane(c, 1));
  return t;
}

/** Σ e^(s·(x_i − m)) compensated: hi returned, lo in sumLow(); stores e_i at y unless y = 0. */
export function expSum64(x: usize, y: usize, n: i32, m: f64, s: f64): f64 {
  const mm = f64x2.splat(m);
  const ss = f64x2.splat(s);
  let acc = f64x2.splat(0);
  let c = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let c1 = f64x2.splat(0);
  let i = 0;
  // two vectors a step, two sums: independent chains for the out-of-order core
  for (; i + 4 <= n; i += 4) {
    const p = x + (<usize>i << 3);
    const e0 = expShift(v128.load(p), mm, ss);
    const e1 = expShift(v128.load(p, 16), mm, ss);
    if (y) {
      v128.store(y + (<usize>i << 3), e0);
      v128.store(y + (<usize>i << 3), e1, 16);
    }
    const t0 = f64x2.add(acc, e0);
    c = f64x2.add(c, twoSumErr(acc, e0, t0));
    acc = t0;
    const t1 = f64x2.add(acc1, e1);
    c1 = f64x2.add(c1, twoSumErr(acc1, e1, t1));
    acc1 = t1;
  }
  for (; i < n; i += 2) {
    const e = expShift(loadAt(x, i, n), mm, ss);
    if (y) storeAt(y, i, n, e);
    const t = f64x2.add(acc, e);
    c = f64x2.add(c, twoSumErr(acc, e, t));
    acc = t;
  }
  // the second sum into the first, TwoSum per lane
  const t = f64x2.add(acc, acc1);
  c = f64x2.add(f64x2.add(c, c1), twoSumErr(acc, acc1, t));
  return fold(t, c);
}

/** y_i = e^(s·(x_i − m))·f, rounded once. */
export function expScale64(x: usize, y: usize, n: i32, m: f64, s: f64, f: f64): void {
  const mm = f64x2.splat(m);
  const ss = f64x2.splat(s);
  const ff = f64x2.splat(f);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = x + (<usize>i << 3);
    const q = y + (<usize>i << 3);
    const e0 = f64x2.mul(expShift(v128.load(p), mm, ss), ff);
    const e1 = f64x2.mul(expShift(v128.load(p, 16), mm, ss), ff);
    v128.store(q, e0);
    v128.store(q, e1, 16);
  }
  for (; i < n; i += 2) storeAt(y, i, n, f64x2.mul(expShift(loadAt(x, i, n), mm, ss), ff));
}

/** y_i ← y_i·f (the three-pass normalization). */
export function scale64(y: usize, n: i32, f: f64): void {
  const ff = f64x2.splat(f);
  for (let i = 0; i < n; i += 2) storeAt(y, i, n, f64x2.mul(loadAt(y, i, n), ff));
}

/** y_i = s·(x_i − m) − L with x_i − m exact (log-softmax). */
export function logOut64(x: usize, y: usize, n: i32, m: f64, s: f64, L: f64): void {
  const mm = f64x2.splat(m);
  const ss = f64x2.splat(s);
  const ll = f64x2.splat(L);
  for (let i = 0; i < n; i += 2) {
    const v = loadAt(x, i, n);
    const h = f64x2.sub(v, mm);
    const t = f64x2.sub(h, v);
    const l = f64x2.add(f64x2.sub(v, f64x2.sub(h, t)), f64x2.sub(f64x2.neg(mm), t));
    // l is NaN only where h = ±∞: v = −∞ (h = −∞ is then right without l), or v − m
    // overflowed for a finite v (|v|, |m| near 1.8e308): those lanes are redone below.
    const lc = v128.and(l, f64x2.eq(l, l));
    // s·h may overflow (a tiny temperature): then it is the answer, and adding s·l (which
    // may overflow the other way) would give ∞ − ∞
    const p = f64x2.mul(h, ss);
    const big = f64x2.eq(f64x2.abs(p), f64x2.splat(Infinity));
    storeAt(y, i, n, f64x2.sub(v128.bitselect(p, f64x2.add(p, f64x2.mul(lc, ss)), big), ll));
    if (v128.any_true(v128.andnot(f64x2.ne(l, l), f64x2.eq(v, NEG_INF)))) {
      // from v's lanes: y may be x (in place), already overwritten
      const v0 = f64x2.extract_lane(v, 0);
      const v1 = f64x2.extract_lane(v, 1);
      if (v0 != -Infinity) store<f64>(y + (<usize>i << 3), overflowedDiff(v0, m, s) - L);
      if (v1 != -Infinity && i + 1 < n) store<f64>(y + (<usize>i << 3), overflowedDiff(v1, m, s) - L, 8);
    }
  }
}

/**
 * s·(v − m) where v − m overflows (issue 15): 2·s·(v/2 − m/2), the halves exact
 * (|v|, |m| > 2^970 there) and their difference finite, so a temperature s < 1
 * keeps its finite result and s = 1 rounds to −∞ — never ∞ − ∞. As the JS
 * reference's scaledDiff.
 */
function overflowedDiff(v: f64, m: f64, s: f64): f64 {
  const a = v * 0.5;
  const b = m * 0.5;
  const h = a - b;
  const t = h - a;
  const l = a - (h - t) + (-b - t);
  const p = h * s;
  return 2 * (Math.abs(p) == Infinity ? p : p + l * s);
}

/** Elements per block of the online pass (16 KiB: stays in L1 between its two reads). */
const BLOCK = 2048;

/**
 * Online normalizer (Milakov & Gimelshein) by blocks: per block its max, the
 * running compensated sum rescaled by e^(s·(m_old − m_new)) when the max grows.
 * Returns d = Σ e^(s·(x − max)) (low part in sumLow()).
 */
export function online64(x: usize, n: i32, s: f64): f64 {
  let m: f64 = -Infinity;
  let hi: f64 = 0;
  let lo: f64 = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const len = min<i32>(BLOCK, n - b);
    const p = x + (<usize>b << 3);
    const bm = rowMax64(p, len);
    if (bm > m) {
      if (m != -Infinity) {
        const f = expDiffScalar(m, bm, s);
        hi *= f;
        lo *= f;
      }
      m = bm;
    }
    const v = expSum64(p, 0, len, m, s);
    const t = hi + v;
    const bp = t - hi;
    lo += hi - (t - bp) + (v - bp) + sumLow();
    hi = t;
  }
  setSumLow(lo);
  return hi;
}

/** Σ_i e_i·dy_i (softmax vjp) or Σ_i dy_i (log), compensated, over entries with x_i ≠ −∞. */
export function vjpDot64(x: usize, e: usize, dy: usize, n: i32, log: bool): f64 {
  let acc = f64x2.splat(0);
  let c = f64x2.splat(0);
  for (let i = 0; i < n; i += 2) {
    const xv = loadAt(x, i, n);
    const g = v128.andnot(loadAt(dy, i, n), f64x2.eq(xv, NEG_INF));
    const v = log ? g : f64x2.mul(g, v128.andnot(loadAt(e, i, n), f64x2.eq(xv, NEG_INF)));
    const t = f64x2.add(acc, v);
    c = f64x2.add(c, twoSumErr(acc, v, t));
    acc = t;
  }
  return fold(acc, c) + sumLow();
}

/**
 * dx_i from e_i (stored in dx), p_i = e_i·inv:
 * softmax dx = s·p·(dy − g); log-softmax dx = s·(dy − p·g); 0 where x_i = −∞.
 */
export function vjpOut64(x: usize, dy: usize, dx: usize, n: i32, inv: f64, g: f64, s: f64, log: bool): void {
  const ii = f64x2.splat(inv);
  const gg = f64x2.splat(g);
  const ss = f64x2.splat(s);
  for (let i = 0; i < n; i += 2) {
    const p = f64x2.mul(loadAt(dx, i, n), ii);
    const d = loadAt(dy, i, n);
    const v = log
      ? f64x2.mul(ss, f64x2.sub(d, f64x2.mul(p, gg)))
      : f64x2.mul(f64x2.mul(ss, p), f64x2.sub(d, gg));
    storeAt(dx, i, n, v128.andnot(v, f64x2.eq(loadAt(x, i, n), NEG_INF)));
  }
}
