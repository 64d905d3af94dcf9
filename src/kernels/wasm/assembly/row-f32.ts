/**
 * Float32 row passes (f32x4 loads, double precision where it matters).
 *
 * Each pass reads one contiguous row of n floats at byte address x. The exponent of
 * s·(x − m): at s = 1 all in f32 with x − m exact by TwoSum (expDiff32, ≤ 1.05 ulp),
 * otherwise formed and reduced in double (exp32, ≤ 1 ulp). Sums are accumulated in
 * f64 lanes (pairs of f32 vectors added first: ≤ 2^−24 relative, whatever n); where
 * the log needs Σ − 1 to full relative accuracy, the max's own terms are left out
 * (expSumBelow32) or, in the online pass, the sum is TwoSum-compensated. Scaling by
 * 1/Σ uses 1/Σ split in two f32 (≤ 1 ulp); log outputs are within 1.5 ulp (logOut32).
 * A tail of n mod 4 elements is padded with −∞ (e^−∞ = 0).
 */
import { exp32, exp64, expDiff32, join32, madd32 } from './exp';
import { hi64, lo64, loadPart, NEG_INF, pairAt, storePart } from './lanes-f32';
import { log1p } from './log';
import { fold, twoSumErr } from './row-f64';
import { maxCount, setMaxCount, sumLow } from './second-results';

/**
 * The exp variant (and whether a pass stores), chosen at compile time so that each
 * loop holds one: U = Unit
 * (s = 1: all in f32, expDiff32) or U = Scaled (difference and scale in double, exp32).
 * A run-time branch inside the loop costs about a quarter of the pass.
 */
export type Unit = i32;
export type Scaled = f64;

/** e^(s·(v − m))·2^bias. m32/negm/m64: m (and −m) splatted as f32 / f64. */
// @ts-ignore: decorator
@inline
export function expShift<U>(v: v128, m32: v128, negm: v128, m64: v128, s: v128, bias: i32 = 0): v128 {
  if (isInteger<U>()) return expDiff32(v, m32, negm, bias);
  return exp32(f64x2.mul(f64x2.sub(lo64(v), m64), s), f64x2.mul(f64x2.sub(hi64(v), m64), s), bias);
}

/** The compensated sums take e^z·2^64 so that terms down to 2^−190 stay normal in f32. */
export const BIAS: i32 = 64;
export const UNBIAS = f64x2.splat(5.421010862427522e-20); // 2^−64

/**
 * The row's maximum (NaN if it holds NaN). pmax (one maxps) and a separate NaN
 * mask are about three times cheaper than the NaN-propagating f32x4.max.
 */
export function rowMax32(x: usize, n: i32): f32 {
  let m0 = NEG_INF;
  let m1 = NEG_INF;
  let nan = i32x4.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const v0 = v128.load(x + (<usize>i << 2));
    const v1 = v128.load(x + (<usize>i << 2), 16);
    m0 = f32x4.pmax(m0, v0);
    m1 = f32x4.pmax(m1, v1);
    nan = v128.or(nan, v128.or(f32x4.ne(v0, v0), f32x4.ne(v1, v1)));
  }
  if (i + 4 <= n) {
    const v0 = v128.load(x + (<usize>i << 2));
    m0 = f32x4.pmax(m0, v0);
    nan = v128.or(nan, f32x4.ne(v0, v0));
    i += 4;
  }
  if (v128.any_true(nan)) return NaN;
  m0 = f32x4.pmax(m0, m1);
  let m = max<f32>(
    max<f32>(f32x4.extract_lane(m0, 0), f32x4.extract_lane(m0, 1)),
    max<f32>(f32x4.extract_lane(m0, 2), f32x4.extract_lane(m0, 3)),
  );
  for (; i < n; i++) m = max<f32>(m, load<f32>(x + (<usize>i << 2)));
  return m;
}

/** The row's smallest entry other than −∞ (0 when none). */
export function rowMin32(x: usize, n: i32): f32 {
  let m = f32x4.splat(Infinity);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    m = f32x4.min(m, v128.bitselect(m, v, f32x4.eq(v, NEG_INF)));
  }
  let r = min<f32>(
    min<f32>(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)),
    min<f32>(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)),
  );
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v != -Infinity) r = min<f32>(r, v);
  }
  return r == Infinity ? 0 : r;
}

/**
 * Σ e^(s·(x_i − m)) in f64 lanes, adding pairs of f32 vectors first (each pair sum is
 * within 2^−24 relative, so the total is too); stores each e_i at y unless y = 0.
 * Below (compile-time): leave out the entries equal to m (e = 1) and count them in
 * maxCount() (second-results.ts), so that Σ − 1 is known to full relative accuracy for log1p; the terms are
 * formed as e^z·2^64 (as the compensated sums do: kept down to 2^−190) and scaled back.
 */
function expSum32Impl<U, Store, Below>(x: usize, y: usize, n: i32, m: f32, s: f64): f64 {
  const mm = f64x2.splat(<f64>m);
  const m32 = f32x4.splat(m);
  const negm = f32x4.splat(-m);
  const ss = f64x2.splat(s);
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  let c = i32x4.splat(0);
  const bias = isInteger<Below>() ? BIAS : 0;
  const unbias = f32x4.splat(<f32>f64x2.extract_lane(UNBIAS, 0));
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const v0 = v128.load(x + (<usize>i << 2));
    const v1 = v128.load(x + (<usize>i << 2), 16);
    let e0 = expShift<U>(v0, m32, negm, mm, ss, bias);
    let e1 = expShift<U>(v1, m32, negm, mm, ss, bias);
    if (isInteger<Store>()) {
      v128.store(y + (<usize>i << 2), isInteger<Below>() ? f32x4.mul(e0, unbias) : e0);
      v128.store(y + (<usize>i << 2), isInteger<Below>() ? f32x4.mul(e1, unbias) : e1, 16);
    }
    if (isInteger<Below>()) {
      const q0 = f32x4.eq(v0, m32);
      const q1 = f32x4.eq(v1, m32);
      c = i32x4.sub(c, i32x4.add(q0, q1));
      e0 = v128.andnot(e0, q0);
      e1 = v128.andnot(e1, q1);
    }
    const e = f32x4.add(e0, e1);
    a0 = f64x2.add(a0, lo64(e));
    a1 = f64x2.add(a1, hi64(e));
  }
  for (; i < n; i += 4) {
    const v = i + 4 <= n ? v128.load(x + (<usize>i << 2)) : loadPart(x + (<usize>i << 2), n - i, -Infinity);
    let e = expShift<U>(v, m32, negm, mm, ss, bias);
    if (isInteger<Store>()) {
      const u = isInteger<Below>() ? f32x4.mul(e, unbias) : e;
      if (i + 4 <= n) v128.store(y + (<usize>i << 2), u);
      else storePart(y + (<usize>i << 2), u, n - i);
    }
    if (isInteger<Below>()) {
      const q = f32x4.eq(v, m32);
      c = i32x4.sub(c, q);
      e = v128.andnot(e, q);
    }
    a0 = f64x2.add(a0, lo64(e));
    a1 = f64x2.add(a1, hi64(e));
  }
  if (isInteger<Below>())
    setMaxCount(
      i32x4.extract_lane(c, 0) + i32x4.extract_lane(c, 1) + i32x4.extract_lane(c, 2) + i32x4.extract_lane(c, 3),
    );
  a0 = f64x2.add(a0, a1);
  const sum = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
  return isInteger<Below>() ? sum * f64x2.extract_lane(UNBIAS, 0) : sum;
}

export function expSum32(x: usize, y: usize, n: i32, m: f32, s: f64): f64 {
  if (y) return s == 1 ? expSum32Impl<Unit, i32, f64>(x, y, n, m, s) : expSum32Impl<Scaled, i32, f64>(x, y, n, m, s);
  return s == 1 ? expSum32Impl<Unit, f64, f64>(x, y, n, m, s) : expSum32Impl<Scaled, f64, f64>(x, y, n, m, s);
}

/**
 * Σ e^(s·(x_i − m)) over the entries below the max m (stores every e_i at y unless
 * y = 0); the number of entries equal to m is left in maxCount(). The whole sum is
 * maxCount() + the result, and log Σ = log1p((maxCount() − 1) + result) keeps a dominant
 * row's tiny log-probabilities without a compensated pass.
 */
export function expSumBelow32(x: usize, y: usize, n: i32, m: f32, s: f64): f64 {
  if (y) return s == 1 ? expSum32Impl<Unit, i32, i32>(x, y, n, m, s) : expSum32Impl<Scaled, i32, i32>(x, y, n, m, s);
  return s == 1 ? expSum32Impl<Unit, f64, i32>(x, y, n, m, s) : expSum32Impl<Scaled, f64, i32>(x, y, n, m, s);
}

/**
 * expSumBelow32 in double, for the logSumExp rows whose s·m + log Σ nearly cancels
 * (lse32), where the f32 exps' 2^−24 would show in the result: s·(x_i − m)
 * formed in double (x − m exact for the entries that count), exp64 (≤ 2 ulp of double),
 * lanes summed with TwoSum compensation; returns hi + lo, the count in maxCount().
 */
export function expSumBelowExact32(x: usize, n: i32, m: f64, s: f64): f64 {
  const mm = f64x2.splat(m);
  const ss = f64x2.splat(s);
  const zero = f64x2.splat(0);
  let acc = zero;
  let c = zero;
  let cnt = zero;
  for (let i = 0; i < n; i += 2) {
    const v = pairAt<f32>(x, i, n);
    const q = f64x2.eq(v, mm);
    cnt = i64x2.sub(cnt, q);
    const e = v128.andnot(exp64(f64x2.mul(f64x2.sub(v, mm), ss), zero), q);
    const t = f64x2.add(acc, e);
    c = f64x2.add(c, twoSumErr(acc, e, t));
    acc = t;
  }
  setMaxCount(<i32>(i64x2.extract_lane(cnt, 0) + i64x2.extract_lane(cnt, 1)));
  const hi = fold(acc, c);
  return hi + sumLow();
}

/**
 * A Float32 row's logSumExp s·m + L from L = log Σ (double), within 2 ulp of the f32
 * result also where the two nearly cancel. With u = Σ − 1 from f32 exps (each term and
 * the f32 pair sums off by ε ≤ 1.55·2^−23 relative), L is off by ≤ ε·u/(1 + u) ≤
 * ε·min(L, 1), more than 2 ulp of |s·m + L| once that falls below 2·min(L, 1): such a
 * row's Σ is taken again in double (expSumBelowExact32), leaving an error ~2^−52·L,
 * ≤ 1 ulp down to |result| ≈ 1e−8·L.
 */
export function lse32(x: usize, n: i32, m: f64, s: f64, L: f64): f64 {
  const v = m * s + L;
  if (!(Math.abs(v) < 2 * min<f64>(L, 1))) return v;
  const below = expSumBelowExact32(x, n, m, s);
  return m * s + log1p(<f64>(maxCount() - 1) + below);
}

/**
 * e·f for f32 lanes e and a double f split as fh + fl (fh = f rounded to f32):
 * e·fh + e·fl in f32 is within 1 ulp of e·f (0.5 ulp when the add is fused).
 */
// @ts-ignore: decorator
@inline
export function mulSplit(e: v128, fh: v128, fl: v128): v128 {
  return madd32(e, fh, f32x4.mul(e, fl));
}

/** y_i = e^(s·(x_i − m))·f. */
function expScale32Impl<U>(x: usize, y: usize, n: i32, m: f32, s: f64, f: f64): void {
  const mm = f64x2.splat(<f64>m);
  const m32 = f32x4.splat(m);
  const negm = f32x4.splat(-m);
  const ss = f64x2.splat(s);
  const fh = f32x4.splat(<f32>f);
  const fl = f32x4.splat(<f32>(f - <f64>(<f32>f)));
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const e = expShift<U>(v128.load(x + (<usize>i << 2)), m32, negm, mm, ss);
    v128.store(y + (<usize>i << 2), mulSplit(e, fh, fl));
  }
  if (i < n) {
    const e = expShift<U>(loadPart(x + (<usize>i << 2), n - i, -Infinity), m32, negm, mm, ss);
    storePart(y + (<usize>i << 2), mulSplit(e, fh, fl), n - i);
  }
}

export function expScale32(x: usize, y: usize, n: i32, m: f32, s: f64, f: f64): void {
  if (s == 1) expScale32Impl<Unit>(x, y, n, m, s, f);
  else expScale32Impl<Scaled>(x, y, n, m, s, f);
}

/** y_i ← y_i·f (the three-pass normalization). */
export function scale32(y: usize, n: i32, f: f64): void {
  const fh = f32x4.splat(<f32>f);
  const fl = f32x4.splat(<f32>(f - <f64>(<f32>f)));
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = y + (<usize>i << 2);
    v128.store(p, mulSplit(v128.load(p), fh, fl));
  }
  if (i < n) {
    const p = y + (<usize>i << 2);
    storePart(p, mulSplit(loadPart(p, n - i, 0), fh, fl), n - i);
  }
}

/**
 * y_i = s·(x_i − m) − L (log-softmax). At s = 1 in f32: (x_i − m) − L_hi − L_lo with
 * L = L_hi + L_lo split in two f32; since x_i − m ≤ 0 ≤ L, |x_i − m| ≤ |y_i| and the
 * three roundings stay within 1.5 ulp of y_i. Otherwise in double, rounded once.
 */
export function logOut32(x: usize, y: usize, n: i32, m: f32, s: f64, L: f64): void {
  if (s == 1) logOutUnit32(x, y, n, m, L);
  else logOutScaled32(x, y, n, m, s, L);
}

function logOutUnit32(x: usize, y: usize, n: i32, m: f32, L: f64): void {
  const lh = <f32>L;
  const ll = <f32>(L - <f64>lh);
  logOutSplat32(x, y, n, f32x4.splat(m), f32x4.splat(lh), f32x4.splat(ll));
}

/** y_i = ((x_i − m) − L_hi) − L_lo over one row, m, L_hi, L_lo splatted (logOut32 at s = 1). */
// @ts-ignore: decorator
@inline
export function logOutSplat32(x: usize, y: usize, n: i32, m32: v128, lhi: v128, llo: v128): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    v128.store(y + (<usize>i << 2), f32x4.sub(f32x4.sub(f32x4.sub(v, m32), lhi), llo));
  }
  const m = f32x4.extract_lane(m32, 0);
  const lh = f32x4.extract_lane(lhi, 0);
  const ll = f32x4.extract_lane(llo, 0);
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) - m - lh - ll);
}

function logOutScaled32(x: usize, y: usize, n: i32, m: f32, s: f64, L: f64): void {
  const mm = f64x2.splat(<f64>m);
  const ss = f64x2.splat(s);
  const ll = f64x2.splat(L);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const a = f64x2.sub(f64x2.mul(f64x2.sub(lo64(v), mm), ss), ll);
    const b = f64x2.sub(f64x2.mul(f64x2.sub(hi64(v), mm), ss), ll);
    v128.store(y + (<usize>i << 2), join32(a, b));
  }
  for (; i < n; i++)
    store<f32>(y + (<usize>i << 2), <f32>((<f64>load<f32>(x + (<usize>i << 2)) - m) * s - L));
}

/** Σ_i e_i·dy_i (softmax vjp) or Σ_i dy_i (log), over entries with x_i ≠ −∞. */
export function vjpDot32(x: usize, e: usize, dy: usize, n: i32, log: bool): f64 {
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    let g = v128.andnot(v128.load(dy + o), f32x4.eq(v128.load(x + o), NEG_INF));
    const gl = log ? lo64(g) : f64x2.mul(lo64(g), lo64(v128.load(e + o)));
    const gh = log ? hi64(g) : f64x2.mul(hi64(g), hi64(v128.load(e + o)));
    a0 = f64x2.add(a0, gl);
    a1 = f64x2.add(a1, gh);
  }
  a0 = f64x2.add(a0, a1);
  let r = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
  for (; i < n; i++) {
    const o = <usize>i << 2;
    if (load<f32>(x + o) == -Infinity) continue;
    r += log ? <f64>load<f32>(dy + o) : <f64>load<f32>(dy + o) * <f64>load<f32>(e + o);
  }
  return r;
}

/**
 * dx_i from e_i (stored in dx), p_i = e_i·inv:
 * softmax dx = s·p·(dy − g); log-softmax dx = s·(dy − p·g); 0 where x_i = −∞.
 */
export function vjpOut32(x: usize, dy: usize, dx: usize, n: i32, inv: f64, g: f64, s: f64, log: bool): void {
  const ii = f64x2.splat(inv);
  const gg = f64x2.splat(g);
  const ss = f64x2.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const e = v128.load(dx + o);
    const d = v128.load(dy + o);
    const pl = f64x2.mul(lo64(e), ii);
    const ph = f64x2.mul(hi64(e), ii);
    const a = log
      ? f64x2.mul(ss, f64x2.sub(lo64(d), f64x2.mul(pl, gg)))
      : f64x2.mul(f64x2.mul(ss, pl), f64x2.sub(lo64(d), gg));
    const b = log
      ? f64x2.mul(ss, f64x2.sub(hi64(d), f64x2.mul(ph, gg)))
      : f64x2.mul(f64x2.mul(ss, ph), f64x2.sub(hi64(d), gg));
    v128.store(dx + o, v128.andnot(join32(a, b), f32x4.eq(v128.load(x + o), NEG_INF)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const p = <f64>load<f32>(dx + o) * inv;
    const d = <f64>load<f32>(dy + o);
    const v = log ? s * (d - p * g) : s * p * (d - g);
    store<f32>(dx + o, load<f32>(x + o) == -Infinity ? 0 : <f32>v);
  }
}
