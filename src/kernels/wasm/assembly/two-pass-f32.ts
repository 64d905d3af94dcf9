/**
 * The Float32 two-pass softmax (Dukhan & Ablavatski 2020, arXiv:2001.04438): each
 * e^(s·x_i) kept as a mantissa p_i = e^(r_i) and an exponent k_i, summed per lane as
 * a running (S, K) with no max and no overflow; the output pass recomputes p_i·2^(k_i − K)/S.
 * The reduction r = s·x − k·ln 2 is done in double (exact enough for |s·x| < 2^20),
 * the mantissa by the f32 polynomial of exp.ts.
 */
import { join32, LN2, LOG2E, ldexp32, poly32 } from './exp';
import { hi64, lane32, lane64, lo64, NEG_INF, storePart, TAIL_IN, TAIL_OUT, tailIn } from './lanes-f32';
import { setTwoPassK } from './second-results';

/** 2^d for integer-valued f32 lanes d ≤ 0; 0 where d < −126, −∞ or NaN. */
// @ts-ignore: decorator
@inline
function pow2Neg(d: v128): v128 {
  return ldexp32(f32x4.splat(1), i32x4.trunc_sat_f32x4_s(f32x4.pmax(f32x4.splat(-127), d)));
}

/** The exponents k = round(s·x·log2 e) of four lanes given as f64x2 halves z. */
// @ts-ignore: decorator
@inline
function kOf(z: v128): v128 {
  return f64x2.nearest(f64x2.mul(z, f64x2.splat(LOG2E)));
}

/** The mantissas e^(z − k·ln 2) of the two-pass split (0 where x = −∞). */
// @ts-ignore: decorator
@inline
function mantissa(v: v128, zlo: v128, zhi: v128, klo: v128, khi: v128): v128 {
  const r = join32(
    f64x2.sub(zlo, f64x2.mul(klo, f64x2.splat(LN2))),
    f64x2.sub(zhi, f64x2.mul(khi, f64x2.splat(LN2))),
  );
  return v128.andnot(poly32(r), f32x4.eq(v, NEG_INF));
}

/**
 * Two-pass normalizer (Dukhan & Ablavatski): each e^(s·x_i) = p_i·2^(k_i) with
 * p_i = e^(r_i), k_i = round(s·x_i·log2 e); per lane a running (S, K), rescaling S by
 * 2^(K − K') when the exponent grows. No max is needed and nothing overflows.
 * Requires |s·x| < 2^20 (the caller checks). Returns S, the exponent K in twoPassK() (second-results.ts).
 */
export function twoPass32(x: usize, n: i32, s: f64): f64 {
  const ss = f64x2.splat(s);
  let K = NEG_INF;
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let xp = x;
  let end = n & ~3;
  for (let i = 0; ; ) {
    for (; i < end; i += 4) {
      const v = v128.load(xp + (<usize>i << 2));
      const zlo = f64x2.mul(lo64(v), ss);
      const zhi = f64x2.mul(hi64(v), ss);
      const klo = kOf(zlo);
      const khi = kOf(zhi);
      const p = mantissa(v, zlo, zhi, klo, khi);
      const k = join32(klo, khi);
      const Kn = f32x4.max(K, k);
      const a = pow2Neg(f32x4.sub(K, Kn));
      const b = f32x4.mul(p, pow2Neg(f32x4.sub(k, Kn)));
      s0 = f64x2.add(f64x2.mul(s0, lo64(a)), lo64(b));
      s1 = f64x2.add(f64x2.mul(s1, hi64(a)), hi64(b));
      K = Kn;
    }
    if (i >= n) break;
    tailIn(x + (<usize>i << 2), n - i);
    xp = TAIL_IN - (<usize>i << 2);
    end = i + 4;
  }
  let Kmax: f64 = max<f64>(
    max<f64>(f32x4.extract_lane(K, 0), f32x4.extract_lane(K, 1)),
    max<f64>(f32x4.extract_lane(K, 2), f32x4.extract_lane(K, 3)),
  );
  let S: f64 = 0;
  for (let j = 0; j < 4; j++) {
    const kj = lane32(K, j);
    const sj = lane64(s0, s1, j);
    if (kj != -Infinity) S += sj * reinterpret<f64>(<i64>(max<f64>(kj - Kmax, -1022) + 1023) << 52);
  }
  setTwoPassK(Kmax);
  return S;
}

/** Two-pass output: y_i = p_i·2^(k_i − K)·f in double, rounded once. */
export function twoPassOut32(x: usize, y: usize, n: i32, s: f64, K: f64, f: f64): void {
  const ss = f64x2.splat(s);
  const KK = f32x4.splat(<f32>K);
  const ff = f64x2.splat(f);
  let xp = x;
  let yp = y;
  let end = n & ~3;
  for (let i = 0; ; ) {
    for (; i < end; i += 4) {
      const v = v128.load(xp + (<usize>i << 2));
      const zlo = f64x2.mul(lo64(v), ss);
      const zhi = f64x2.mul(hi64(v), ss);
      const klo = kOf(zlo);
      const khi = kOf(zhi);
      const k = join32(klo, khi);
      const e = f32x4.mul(mantissa(v, zlo, zhi, klo, khi), pow2Neg(f32x4.sub(k, KK)));
      v128.store(yp + (<usize>i << 2), join32(f64x2.mul(lo64(e), ff), f64x2.mul(hi64(e), ff)));
    }
    if (i >= n) break;
    tailIn(x + (<usize>i << 2), n - i);
    xp = TAIL_IN - (<usize>i << 2);
    yp = TAIL_OUT - (<usize>i << 2);
    end = i + 4;
  }
  if (n & 3) storePart(y + (<usize>(n & ~3) << 2), v128.load(TAIL_OUT), n & 3);
}
