/**
 * The Float32 online normalizer (Milakov & Gimelshein 2018, arXiv:1805.02867) and the
 * compensated sum it takes for the log: d = Σ e^(s·(x − max)) in one read of the row
 * (by blocks of BLOCK elements: each block's max, then its sum against the running max),
 * returned as hi + sumLow() (second-results.ts), TwoSum-compensated per lane and across
 * blocks (error ~2^−106·n relative on top of the exps' ≤ 1.05 ulp) when `comp`.
 */
import { BIAS, expShift, expSum32, rowMax32, Scaled, Unit, UNBIAS } from './row-f32';
import { hi64, lane64, lo64, TAIL_IN, tailIn } from './lanes-f32';
import { twoSumErr } from './row-f64';
import { setSumLow, sumLow } from './second-results';

/** Add four lanes (two f64x2 sums and their compensations) into hi (returned) and the low part (setSumLow) by TwoSum. */
function combineLanes(s0: v128, s1: v128, c0: v128, c1: v128): f64 {
  let hi: f64 = 0;
  let lo: f64 =
    f64x2.extract_lane(c0, 0) +
    f64x2.extract_lane(c0, 1) +
    f64x2.extract_lane(c1, 0) +
    f64x2.extract_lane(c1, 1);
  for (let j = 0; j < 4; j++) {
    const v = lane64(s0, s1, j);
    const t = hi + v;
    const bp = t - hi;
    lo += hi - (t - bp) + (v - bp);
    hi = t;
  }
  setSumLow(lo);
  return hi;
}

/**
 * Σ e^(s·(x_i − m)) compensated (TwoSum per lane): returns hi, the low part in sumLow().
 * For the log normalizer: when one entry dominates, log1p(Σ − 1) is made of terms
 * far below 2^−126, which are kept (e^z·2^64 in f32, scaled back exactly in double).
 */
function expSumComp32Impl<U>(x: usize, n: i32, m: f32, s: f64): f64 {
  const mm = f64x2.splat(<f64>m);
  const m32 = f32x4.splat(m);
  const negm = f32x4.splat(-m);
  const ss = f64x2.splat(s);
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let c0 = f64x2.splat(0);
  let c1 = f64x2.splat(0);
  let xp = x;
  let end = n & ~3;
  for (let i = 0; ; ) {
    for (; i < end; i += 4) {
      const e = expShift<U>(v128.load(xp + (<usize>i << 2)), m32, negm, mm, ss, BIAS);
      const v0 = f64x2.mul(lo64(e), UNBIAS);
      const v1 = f64x2.mul(hi64(e), UNBIAS);
      const t0 = f64x2.add(s0, v0);
      const t1 = f64x2.add(s1, v1);
      c0 = f64x2.add(c0, twoSumErr(s0, v0, t0));
      c1 = f64x2.add(c1, twoSumErr(s1, v1, t1));
      s0 = t0;
      s1 = t1;
    }
    if (i >= n) break;
    tailIn(x + (<usize>i << 2), n - i);
    xp = TAIL_IN - (<usize>i << 2);
    end = i + 4;
  }
  return combineLanes(s0, s1, c0, c1);
}

export function expSumComp32(x: usize, n: i32, m: f32, s: f64): f64 {
  return s == 1 ? expSumComp32Impl<Unit>(x, n, m, s) : expSumComp32Impl<Scaled>(x, n, m, s);
}

/** Elements per block of the online pass (16 KiB: stays in L1 between its two reads). */
const BLOCK = 4096;

/**
 * Online normalizer (Milakov & Gimelshein) by blocks: per block its max, the
 * running sum rescaled by e^(s·(m_old − m_new)) when the max grows, then the
 * block's sum (compensated when `comp`, for the log). Returns d = Σ e^(s·(x − max))
 * (the low part in sumLow()).
 */
export function online32(x: usize, n: i32, s: f64, comp: bool): f64 {
  let m: f32 = -Infinity;
  let hi: f64 = 0;
  let lo: f64 = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const len = min<i32>(BLOCK, n - b);
    const p = x + (<usize>b << 2);
    const bm = rowMax32(p, len);
    if (bm > m) {
      if (m != -Infinity) {
        const f = Math.exp(s * (<f64>m - <f64>bm));
        hi *= f;
        lo *= f;
      }
      m = bm;
    }
    const v = comp ? expSumComp32(p, len, m, s) : expSum32(p, 0, len, m, s);
    const t = hi + v;
    const bp = t - hi;
    lo += hi - (t - bp) + (v - bp) + (comp ? sumLow() : 0);
    hi = t;
  }
  setSumLow(lo);
  return hi;
}
