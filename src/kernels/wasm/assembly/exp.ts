/**
 * Vectorized exponentials for the WebAssembly kernels (AssemblyScript).
 *
 * exp32 (f32x4 result, argument as two f64x2 halves z ≤ 0):
 *   Cody–Waite in double: k = round(z·log2 e), r = z − k·ln 2 (|r| ≤ ln2/2, error
 *   ≤ 2^−53·|k·ln 2| ≈ 1e−14 absolute), r rounded once to f32; e^r by a
 *   degree-6 minimax polynomial 1 + r + r²·Q4(r) in f32 (Horner, FMA in the relaxed build);
 *   2^k built by shifting k + 127 into the exponent field. z < −126·ln 2 (k < −126,
 *   where e^z is subnormal in f32) flushes to 0, as does −∞.
 *   Measured: ≤ 1 ulp over every 16th f32 in [−87.3, 0] (test/kernels/wasm/exp.test.ts
 *   checks every 64th).
 *
 * expDiff32 (f32x4 result, e^(x − m) for f32 lanes x ≤ m, the unscaled case): all in f32.
 *   x − m = h + l exactly (TwoSum); k = round(h·log2 e) by adding and subtracting
 *   1.5·2^23 (the sum's low mantissa bits hold k, shifted into 2^k directly);
 *   r = (h − k·CW1) − k·CW2 + l with CW1 = 0.693359375 (9 bits: k·CW1 and h − k·CW1
 *   exact), CW2 = ln 2 − CW1; then the same polynomial. No conversions to double: about a
 *   third fewer instructions than exp32. Measured ≤ 1.05 ulp over 6.3e7 random (x, m)
 *   pairs (the extra rounding of r + l; m ~ N(0, 20²), m − x half-normal at scales 0.5,
 *   5 and 30); the test checks ≤ 1.25.
 *
 * exp64 (f64x2, argument as an unevaluated sum h + l, h ≤ 0):
 *   Cody–Waite with ln 2 in two parts (ln2_hi has 32 significant bits, so k·ln2_hi is
 *   exact), r = h − k·ln2_hi − k·ln2_lo + l, Taylor polynomial of degree 13
 *   (truncation ≤ 0.347^14/14! ≈ 4e−18) evaluated as 1 + (r + r²·Q(r)) with Q by
 *   Estrin's scheme (latency, not width, bounds the f64 passes), 2^k by shifting into
 *   the exponent field (k + 2^52 + 1023 as a double holds k + 1023 in its low bits);
 *   k < −1022 (subnormal result) flushes to 0. Measured ≤ 2 ulp.
 *
 * The scalar references (`exp32Scalar`, `exp64Scalar`) take the same steps one lane at a
 * time; the plain-SIMD build matches them bit for bit.
 */

export const LOG2E: f64 = 1.4426950408889634;
export const LN2: f64 = 0.6931471805599453;
/** fdlibm's split of ln 2: LN2_HI has 32 significant bits, LN2_HI + LN2_LO = ln 2 to 2^−85. */
export const LN2_HI: f64 = 6.93147180369123816490e-1;
export const LN2_LO: f64 = 1.90821492927058770002e-10;

// e^r ≈ 1 + r + r²·(Q0 + r·(Q1 + r·(Q2 + r·(Q3 + r·Q4)))) on |r| ≤ ln2/2: the minimax
// polynomial of degree 6 for the relative error (Remez exchange in 30-digit arithmetic
// by scripts/exp-minimax.py, rounded to f32). Its truncation error is ≤ 3.1e−9 relative
// (0.03 ulp), below the rounding of the f32 evaluation; Cephes expf's degree 7 gained
// nothing over it and cost one more multiply-add per vector.
const Q0: f32 = 0.4999999403953552;
const Q1: f32 = 0.1666652113199234;
const Q2: f32 = 0.04166838899254799;
const Q3: f32 = 0.008368710055947304;
const Q4: f32 = 0.001381461275741458;

/** a·b + c on f32x4 (fused in the relaxed-SIMD build when the engine fuses). */
// @ts-ignore: decorator
@inline
export function madd32(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** a·b + c on f64x2 (fused in the relaxed-SIMD build when the engine fuses). */
// @ts-ignore: decorator
@inline
export function madd64(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(f64x2.mul(a, b), c);
}

/** e^r for |r| ≤ ln2/2 on f32x4. */
// @ts-ignore: decorator
@inline
export function poly32(r: v128): v128 {
  let p = madd32(f32x4.splat(Q4), r, f32x4.splat(Q3));
  p = madd32(p, r, f32x4.splat(Q2));
  p = madd32(p, r, f32x4.splat(Q1));
  p = madd32(p, r, f32x4.splat(Q0));
  return f32x4.add(madd32(p, f32x4.mul(r, r), r), f32x4.splat(1));
}

/**
 * 2^(k + bias)·p for integer lanes −126 − bias ≤ k ≤ 127 − bias; lanes with smaller k
 * give 0. A bias keeps terms below 2^−126 normal (the caller scales back in double).
 */
// @ts-ignore: decorator
@inline
export function ldexp32(p: v128, k: v128, bias: i32 = 0): v128 {
  const pow = i32x4.shl(i32x4.add(k, i32x4.splat(127 + bias)), 23);
  return v128.andnot(f32x4.mul(p, pow), i32x4.lt_s(k, i32x4.splat(-126 - bias)));
}

/** The f32x4 holding the two f64x2 halves rounded to f32 (lanes lo0, lo1, hi0, hi1). */
// @ts-ignore: decorator
@inline
export function join32(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** e^z·2^bias on four lanes given as two f64x2 halves, z ≤ 0 (or −∞); see the module doc. */
// @ts-ignore: decorator
@inline
export function exp32(zlo: v128, zhi: v128, bias: i32 = 0): v128 {
  const klo = f64x2.nearest(f64x2.mul(zlo, f64x2.splat(LOG2E)));
  const khi = f64x2.nearest(f64x2.mul(zhi, f64x2.splat(LOG2E)));
  const r = join32(
    f64x2.sub(zlo, f64x2.mul(klo, f64x2.splat(LN2))),
    f64x2.sub(zhi, f64x2.mul(khi, f64x2.splat(LN2))),
  );
  const k = v128.shuffle<i32>(
    i32x4.trunc_sat_f64x2_s_zero(klo),
    i32x4.trunc_sat_f64x2_s_zero(khi),
    0,
    1,
    4,
    5,
  );
  return ldexp32(poly32(r), k, bias);
}

const MAGIC: f32 = 12582912.0; // 1.5·2^23: adding it rounds to an integer in the low bits
const CW1: f32 = 0.693359375;
const CW2: f32 = -2.12194440e-4; // ln 2 − CW1
const LOG2E32: f32 = 1.44269504;
/** Below this h, e^h < 2^−126 (flushed to 0, as exp32 does). */
const CUTOFF32: f32 = -87.33654;

/** e^(x − m) on f32x4 lanes x ≤ m (m finite, negm = −m; x may be −∞); see the module doc. */
// @ts-ignore: decorator
@inline
export function expDiff32(x: v128, m: v128, negm: v128, bias: i32 = 0): v128 {
  const h = f32x4.sub(x, m);
  const t = f32x4.sub(h, x);
  const l = f32x4.add(f32x4.sub(x, f32x4.sub(h, t)), f32x4.sub(negm, t));
  const u = madd32(h, f32x4.splat(LOG2E32), f32x4.splat(MAGIC));
  const k = f32x4.sub(u, f32x4.splat(MAGIC));
  let r = madd32(k, f32x4.splat(-CW1), h);
  r = f32x4.add(madd32(k, f32x4.splat(-CW2), r), l);
  // u's bits are 0x4B400000 + k: shifting by 23 leaves k << 23 (the 0x4B4 part overflows out)
  const pow = i32x4.add(i32x4.shl(u, 23), i32x4.splat((127 + bias) << 23));
  const e = f32x4.mul(poly32(r), pow);
  return v128.andnot(e, f32x4.lt(h, f32x4.splat(CUTOFF32 - <f32>bias * <f32>LN2)));
}

/** Scalar reference of expDiff32 (non-fused multiply-adds, as the plain SIMD build). */
export function expDiff32Scalar(x: f32, m: f32): f32 {
  const h = x - m;
  const t = h - x;
  const l = x - (h - t) + (-m - t);
  const u = h * LOG2E32 + MAGIC;
  const k = u - MAGIC;
  let r = k * -CW1 + h;
  r = k * -CW2 + r + l;
  const pow = reinterpret<f32>((reinterpret<i32>(u) << 23) + (127 << 23));
  let p: f32 = Q4 * r + Q3;
  p = p * r + Q2;
  p = p * r + Q1;
  p = p * r + Q0;
  p = p * (r * r) + r + 1;
  return h < CUTOFF32 ? 0 : p * pow;
}

/**
 * e^(s·(a − b)) in double (scalar), a − b carried exactly as h + l (TwoSum): Math.exp(s·h)
 * corrected by e·(s·l) to first order in the rounding l of h. b finite; where l is NaN
 * (a = −∞, or a − b overflowed) the correction is left out: e^−∞ = 0.
 * The one scalar expDiff of the AssemblyScript (the online rescale, a target's e^(x_t − m)).
 */
export function expDiffScalar(a: f64, b: f64, s: f64 = 1): f64 {
  const h = a - b;
  const t = h - a;
  const l = a - (h - t) + (-b - t);
  const e = Math.exp(h * s);
  return isNaN(l) ? e : e + e * (l * s);
}

/** Scalar reference of exp32: the same steps on one value. */
export function exp32Scalar(z: f64): f32 {
  const k = nearest<f64>(z * LOG2E);
  const r = <f32>(z - k * LN2);
  let p: f32 = Q4 * r + Q3;
  p = p * r + Q2;
  p = p * r + Q1;
  p = p * r + Q0;
  p = p * (r * r) + r + 1;
  if (k < -126) return 0;
  return p * reinterpret<f32>((<i32>k + 127) << 23);
}

// 1/i! for i = 13 … 0 (Taylor coefficients of e^r).
const C13: f64 = 1.0 / 6227020800.0;
const C12: f64 = 1.0 / 479001600.0;
const C11: f64 = 1.0 / 39916800.0;
const C10: f64 = 1.0 / 3628800.0;
const C9: f64 = 1.0 / 362880.0;
const C8: f64 = 1.0 / 40320.0;
const C7: f64 = 1.0 / 5040.0;
const C6: f64 = 1.0 / 720.0;
const C5: f64 = 1.0 / 120.0;
const C4: f64 = 1.0 / 24.0;
const C3: f64 = 1.0 / 6.0;
const C2: f64 = 0.5;

/**
 * exp64's constants, for v128.load64_splat: V8 materializes each f64x2.splat of a constant
 * inside a loop in three instructions (immediate to a general register, to a vector
 * register, duplicated), a load is one; with exp64's eighteen constants that was a third
 * of an f64 pass. C2 … C13 first (term(j) = C_j), then the named ones below.
 */
const EXP64_CONSTANTS: usize = memory.data<f64>([
  C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13,
  LOG2E, LN2_HI, LN2_LO, 1,
  4503599627371519, // 2^52 + 1023
  -1022,
]);
const AT_LOG2E = 12;
const AT_LN2_HI = 13;
const AT_LN2_LO = 14;
const AT_ONE = 15;
const AT_EXPONENT_BIAS = 16;
const AT_MIN_K = 17;

/** EXP64_CONSTANTS[i] in both lanes. */
// @ts-ignore: decorator
@inline
function c64(i: i32): v128 {
  return v128.load64_splat(EXP64_CONSTANTS + (<usize>i << 3));
}

/** The Taylor coefficient C_j = 1/j! (2 ≤ j ≤ 13) in both lanes. */
// @ts-ignore: decorator
@inline
function term(j: i32): v128 {
  return c64(j - 2);
}

/**
 * e^r − 1 − r = r²·Q(r), Q(r) = Σ_{j=2}^{13} C_j·r^(j−2) by Estrin's scheme: pairs, then
 * pairs of pairs with r², r⁴, r⁸ — a dependency depth of 5 multiply-adds where Horner's has
 * 12. The f64 passes were bound by that latency (one f64x2 per step), not by their width.
 */
// @ts-ignore: decorator
@inline
function expm1Rest64(r: v128, r2: v128): v128 {
  const r4 = f64x2.mul(r2, r2);
  const b0 = madd64(madd64(term(5), r, term(4)), r2, madd64(term(3), r, term(2)));
  const b1 = madd64(madd64(term(9), r, term(8)), r2, madd64(term(7), r, term(6)));
  const b2 = madd64(madd64(term(13), r, term(12)), r2, madd64(term(11), r, term(10)));
  return madd64(b2, f64x2.mul(r4, r4), madd64(b1, r4, b0));
}

/** e^(h + l) on f64x2 for h ≤ 0 (or −∞), |l| ≤ ulp(h); see the module doc. */
// @ts-ignore: decorator
@inline
export function exp64(h: v128, l: v128): v128 {
  const k = f64x2.nearest(f64x2.mul(h, c64(AT_LOG2E)));
  let r = f64x2.sub(h, f64x2.mul(k, c64(AT_LN2_HI)));
  r = f64x2.add(f64x2.sub(r, f64x2.mul(k, c64(AT_LN2_LO))), l);
  const r2 = f64x2.mul(r, r);
  // e^r = 1 + (r + r²·Q(r)), the small part first so that 1 + it rounds once
  const p = f64x2.add(madd64(expm1Rest64(r, r2), r2, r), c64(AT_ONE));
  // k + 2^52 + 1023 holds k + 1023 in its low bits: shifted by 52 they are 2^k's exponent
  const pow = i64x2.shl(f64x2.add(k, c64(AT_EXPONENT_BIAS)), 52);
  return v128.andnot(f64x2.mul(p, pow), f64x2.lt(k, c64(AT_MIN_K)));
}

/** Scalar reference of exp64: the same steps on one value. */
export function exp64Scalar(h: f64, l: f64): f64 {
  const k = nearest<f64>(h * LOG2E);
  const r = h - k * LN2_HI - k * LN2_LO + l;
  const r2 = r * r;
  const r4 = r2 * r2;
  const b0 = (C5 * r + C4) * r2 + (C3 * r + C2);
  const b1 = (C9 * r + C8) * r2 + (C7 * r + C6);
  const b2 = (C13 * r + C12) * r2 + (C11 * r + C10);
  const q = b2 * (r4 * r4) + (b1 * r4 + b0);
  const p = q * r2 + r + 1;
  if (k < -1022) return 0;
  return p * reinterpret<f64>((<i64>k + 1023) << 52);
}
