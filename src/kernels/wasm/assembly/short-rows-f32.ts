/**
 * Float32 softmax, log-softmax and logSumExp of short rows (n ≤ SHORT_ROW), four rows
 * at a time with one row per lane. The one-row passes spend most of a short row on
 * per-row work (horizontal reductions, calls, the log1p); here the maxima, the sums
 * and the logs are vectors over four rows. Same-process A/B of the log-softmax kernel
 * against the one-row path on 65536 rows: 0.76× the time at n = 16, 0.65× at n = 10,
 * 0.48× at n = 4.
 *
 * Per group of four rows: the maxima M (each row's vectors max-ed, then the four
 * reduced by one transpose); each 4×4 block transposed so that a vector holds one
 * column of the four rows, and e^(x − M) by expDiff32 (x − M exact, ≤ 1.05 ulp), pairs
 * of columns added in f32 and accumulated in double, as the one-row passes do.
 * - softmax: the e's transposed back and stored, then each row scaled by 1/Σ split in
 *   two f32 (scale32: ≤ 1 ulp more);
 * - log-softmax and logSumExp: the entries equal to M counted and left out of the sum
 *   (taken as e^(x − M)·2^64), log Σ = log1p((count − 1) + Σ·2^−64) two rows per
 *   vector (as the one-row path: a dominant row keeps its tiny log-probabilities);
 *   then the outputs row by row as logOut32 writes them (≤ 1.5 ulp), or M + log Σ in
 *   double rounded once (lse32 where the two nearly cancel).
 * A group of g < 4 rows repeats its last row in the missing lanes and stores only its
 * own g rows; a row flagged not finite keeps its input (the caller recomputes it).
 *
 * Every row of such a call goes through here and a lane's arithmetic does not depend
 * on the other lanes, so a row's result is the same whichever rows share its group:
 * bit-identical for any split of the rows across threads.
 */
import { expDiff32, join32 } from './exp';
import { hi64, lo64, loadPart, NEG_INF, storePart } from './lanes-f32';
import { log1p64 } from './log';
import { BIAS, logOutSplat32, lse32, scale32, UNBIAS } from './row-f32';

/** Longest row taken here. */
export const SHORT_ROW: i32 = 16;

// Transposing four row vectors a, b, c, d: column j is first/second of lo2/hi2 pairs.
// @ts-ignore: decorator
@inline
function lo2(a: v128, b: v128): v128 {
  return v128.shuffle<f32>(a, b, 0, 4, 1, 5);
}

// @ts-ignore: decorator
@inline
function hi2(a: v128, b: v128): v128 {
  return v128.shuffle<f32>(a, b, 2, 6, 3, 7);
}

// @ts-ignore: decorator
@inline
function first(t: v128, u: v128): v128 {
  return v128.shuffle<f32>(t, u, 0, 1, 4, 5);
}

// @ts-ignore: decorator
@inline
function second(t: v128, u: v128): v128 {
  return v128.shuffle<f32>(t, u, 2, 3, 6, 7);
}

/** The c ≤ 4 floats at p (−∞ beyond c). */
// @ts-ignore: decorator
@inline
function part(p: usize, c: i32): v128 {
  return c >= 4 ? v128.load(p) : loadPart(p, c, -Infinity);
}

/** e^(col − M)·2^64, 0 where the entry equals M (mask q). */
// @ts-ignore: decorator
@inline
function below(col: v128, M: v128, negM: v128, q: v128): v128 {
  return v128.andnot(expDiff32(col, M, negM, BIAS), q);
}

/**
 * Row r0 + k's flag byte from lane k of the not-finite mask, if the row is the group's
 * own (k < g); returns bit k set if it is own and finite. A flagged row keeps its
 * input (in place, the JS reference then still reads it): softmax does not write it,
 * log-softmax writes x − 0 − 0 = x.
 */
// @ts-ignore: decorator
@inline
function ownRow(flags: usize, r0: i32, k: i32, g: i32, notFinite: i32): i32 {
  if (k >= g) return 0;
  store<u8>(flags + r0 + k, <u8>(notFinite != 0 ? 1 : 0));
  return notFinite != 0 ? 0 : 1 << k;
}

/** The output, chosen at compile time by the size of a marker type (one loop body each). */
export type Softmax = u8;
export type LogSoftmax = u16;
export type LogSumExp = u32;

/** Store the first c ≤ 4 floats of v at p. */
// @ts-ignore: decorator
@inline
function storeRow(p: usize, v: v128, c: i32): void {
  if (c >= 4) v128.store(p, v);
  else storePart(p, v, c);
}

/**
 * Op (three-pass, s = 1) of `rows` rows of n ≤ SHORT_ROW floats at x into y (x = y
 * allowed; logSumExp: one float per row). Rows whose max is not finite are flagged
 * (their outputs unused); returns how many.
 */
export function shortRows32<Op>(x: usize, y: usize, rows: i32, n: i32, flags: usize): i32 {
  const st = <usize>n << 2;
  let bad = 0;
  for (let r0 = 0; r0 < rows; r0 += 4) {
    const g = min<i32>(4, rows - r0);
    const p0 = x + <usize>r0 * st;
    const p1 = g > 1 ? p0 + st : p0;
    const p2 = g > 2 ? p1 + st : p1;
    const p3 = g > 3 ? p2 + st : p2;
    // the maxima, one row per lane: pmax (one instruction; NaN is tracked apart)
    let m0 = NEG_INF;
    let m1 = NEG_INF;
    let m2 = NEG_INF;
    let m3 = NEG_INF;
    let nan01 = i32x4.splat(0);
    let nan23 = i32x4.splat(0);
    for (let i = 0; i < n; i += 4) {
      const o = <usize>i << 2;
      const c = n - i;
      const a = part(p0 + o, c);
      const b = part(p1 + o, c);
      const cc = part(p2 + o, c);
      const d = part(p3 + o, c);
      m0 = f32x4.pmax(m0, a);
      m1 = f32x4.pmax(m1, b);
      m2 = f32x4.pmax(m2, cc);
      m3 = f32x4.pmax(m3, d);
      const na = f32x4.ne(a, a);
      const nb = f32x4.ne(b, b);
      const nc = f32x4.ne(cc, cc);
      const nd = f32x4.ne(d, d);
      nan01 = v128.or(nan01, v128.or(first(na, nb), second(na, nb)));
      nan23 = v128.or(nan23, v128.or(first(nc, nd), second(nc, nd)));
    }
    const t01 = f32x4.pmax(first(m0, m1), second(m0, m1));
    const t23 = f32x4.pmax(first(m2, m3), second(m2, m3));
    const M = f32x4.pmax(
      v128.shuffle<f32>(t01, t23, 0, 2, 4, 6),
      v128.shuffle<f32>(t01, t23, 1, 3, 5, 7),
    );
    // rows holding NaN: nan01 = [a a' b b'] (a, a' two halves of row 0's lanes), …
    const n01 = v128.or(nan01, v128.shuffle<i32>(nan01, nan01, 1, 0, 3, 2));
    const n23 = v128.or(nan23, v128.shuffle<i32>(nan23, nan23, 1, 0, 3, 2));
    const nanRows = v128.shuffle<i32>(n01, n23, 0, 2, 4, 6);
    const z = f32x4.sub(M, M);
    const notFinite = v128.or(f32x4.ne(z, z), nanRows);
    // bit k of w: row k is written (softmax; the log outputs mask M and L instead: a
    // branch before each of their four inlined loops measured 1.5× the time)
    const w =
      ownRow(flags, r0, 0, g, i32x4.extract_lane(notFinite, 0)) |
      ownRow(flags, r0, 1, g, i32x4.extract_lane(notFinite, 1)) |
      ownRow(flags, r0, 2, g, i32x4.extract_lane(notFinite, 2)) |
      ownRow(flags, r0, 3, g, i32x4.extract_lane(notFinite, 3));
    bad += g - popcnt<i32>(w);
    // the sums in double (rows 0–1 and 2–3), column by column; softmax stores the e's
    // (transposed back: the transpose is its own inverse), the log outputs count and
    // leave out the entries equal to M
    const negM = f32x4.neg(M);
    const y0 = y + <usize>r0 * st;
    let s01 = f64x2.splat(0);
    let s23 = f64x2.splat(0);
    let cnt = i32x4.splat(0);
    for (let i = 0; i < n; i += 4) {
      const o = <usize>i << 2;
      const c = n - i;
      const a = part(p0 + o, c);
      const b = part(p1 + o, c);
      const cc = part(p2 + o, c);
      const d = part(p3 + o, c);
      const t0 = lo2(a, b);
      const t1 = hi2(a, b);
      const t2 = lo2(cc, d);
      const t3 = hi2(cc, d);
      const c0 = first(t0, t2);
      const c1 = second(t0, t2);
      const c2 = first(t1, t3);
      const c3 = second(t1, t3);
      let e01: v128;
      let e23: v128;
      if (sizeof<Op>() == 1) {
        const e0 = expDiff32(c0, M, negM);
        const e1 = expDiff32(c1, M, negM);
        const e2 = expDiff32(c2, M, negM);
        const e3 = expDiff32(c3, M, negM);
        const u0 = lo2(e0, e1);
        const u1 = hi2(e0, e1);
        const u2 = lo2(e2, e3);
        const u3 = hi2(e2, e3);
        if (w & 1) storeRow(y0 + o, first(u0, u2), c);
        if (w & 2) storeRow(y0 + st + o, second(u0, u2), c);
        if (w & 4) storeRow(y0 + 2 * st + o, first(u1, u3), c);
        if (w & 8) storeRow(y0 + 3 * st + o, second(u1, u3), c);
        e01 = f32x4.add(e0, e1);
        e23 = f32x4.add(e2, e3);
      } else {
        const q0 = f32x4.eq(c0, M);
        const q1 = f32x4.eq(c1, M);
        const q2 = f32x4.eq(c2, M);
        const q3 = f32x4.eq(c3, M);
        cnt = i32x4.sub(cnt, i32x4.add(i32x4.add(q0, q1), i32x4.add(q2, q3)));
        e01 = f32x4.add(below(c0, M, negM, q0), below(c1, M, negM, q1));
        e23 = f32x4.add(below(c2, M, negM, q2), below(c3, M, negM, q3));
      }
      s01 = f64x2.add(s01, f64x2.add(lo64(e01), lo64(e23)));
      s23 = f64x2.add(s23, f64x2.add(hi64(e01), hi64(e23)));
    }
    if (sizeof<Op>() == 1) {
      // y = e·(1/Σ), row by row
      const i01 = f64x2.div(f64x2.splat(1), s01);
      const i23 = f64x2.div(f64x2.splat(1), s23);
      if (w & 1) scale32(y0, n, f64x2.extract_lane(i01, 0));
      if (w & 2) scale32(y0 + st, n, f64x2.extract_lane(i01, 1));
      if (w & 4) scale32(y0 + 2 * st, n, f64x2.extract_lane(i23, 0));
      if (w & 8) scale32(y0 + 3 * st, n, f64x2.extract_lane(i23, 1));
      continue;
    }
    // log Σ = log1p((count − 1) + Σ·2^−64), two rows per vector
    const one = f64x2.splat(1);
    const c01 = f64x2.convert_low_i32x4_s(cnt);
    const c23 = f64x2.convert_low_i32x4_s(v128.shuffle<i32>(cnt, cnt, 2, 3, 2, 3));
    const L01 = log1p64(f64x2.add(f64x2.sub(c01, one), f64x2.mul(s01, UNBIAS)));
    const L23 = log1p64(f64x2.add(f64x2.sub(c23, one), f64x2.mul(s23, UNBIAS)));
    if (sizeof<Op>() == 4) {
      // M + log Σ in double, rounded once (y: one float per row; flagged ones
      // overwritten); where the two nearly cancel, the rows go through lse32
      const v01 = f64x2.add(lo64(M), L01);
      const v23 = f64x2.add(hi64(M), L23);
      const o = y + (<usize>r0 << 2);
      storeRow(o, join32(v01, v23), g);
      const two = f64x2.splat(2);
      const near = v128.or(
        f64x2.lt(f64x2.abs(v01), f64x2.mul(two, f64x2.min(L01, one))),
        f64x2.lt(f64x2.abs(v23), f64x2.mul(two, f64x2.min(L23, one))),
      );
      if (!v128.any_true(near)) continue;
      if (w & 1) store<f32>(o, <f32>lse32(p0, n, <f64>f32x4.extract_lane(M, 0), 1, f64x2.extract_lane(L01, 0)));
      if (w & 2) store<f32>(o, <f32>lse32(p1, n, <f64>f32x4.extract_lane(M, 1), 1, f64x2.extract_lane(L01, 1)), 4);
      if (w & 4) store<f32>(o, <f32>lse32(p2, n, <f64>f32x4.extract_lane(M, 2), 1, f64x2.extract_lane(L23, 0)), 8);
      if (w & 8) store<f32>(o, <f32>lse32(p3, n, <f64>f32x4.extract_lane(M, 3), 1, f64x2.extract_lane(L23, 1)), 12);
      continue;
    }
    // L split in two f32 (as logOut32 does); the outputs row by row, the group's own
    // rows; a flagged row's M and L are taken as 0, so that it is written as x − 0 = x
    const keep = v128.not(notFinite);
    const Mk = v128.and(M, keep);
    const lh = v128.and(join32(L01, L23), keep);
    const ll = v128.and(join32(f64x2.sub(L01, lo64(lh)), f64x2.sub(L23, hi64(lh))), keep);
    logOutSplat32(p0, y0, n, v128.shuffle<f32>(Mk, Mk, 0, 0, 0, 0), v128.shuffle<f32>(lh, lh, 0, 0, 0, 0), v128.shuffle<f32>(ll, ll, 0, 0, 0, 0));
    if (g > 1) logOutSplat32(p1, y0 + st, n, v128.shuffle<f32>(Mk, Mk, 1, 1, 1, 1), v128.shuffle<f32>(lh, lh, 1, 1, 1, 1), v128.shuffle<f32>(ll, ll, 1, 1, 1, 1));
    if (g > 2) logOutSplat32(p2, y0 + 2 * st, n, v128.shuffle<f32>(Mk, Mk, 2, 2, 2, 2), v128.shuffle<f32>(lh, lh, 2, 2, 2, 2), v128.shuffle<f32>(ll, ll, 2, 2, 2, 2));
    if (g > 3) logOutSplat32(p3, y0 + 3 * st, n, v128.shuffle<f32>(Mk, Mk, 3, 3, 3, 3), v128.shuffle<f32>(lh, lh, 3, 3, 3, 3), v128.shuffle<f32>(ll, ll, 3, 3, 3, 3));
  }
  return bad;
}
