/**
 * The two largest entries of a Float32 row (all > −∞, no NaN), in order, branch free:
 * the routing kernel's selection (./routing.ts) for k ≤ 2, Mixtral's and Switch's
 * routers; the JS reference is ../../top-k.ts topKSelect (a buffer sorted descending
 * that an entry enters only if strictly greater than its last).
 *
 * Order: entry (v, i) comes before (w, j) when v > w, or v = w and i < j — a total
 * order on a row's entries; the reference's buffer holds the first k of it, in it.
 *
 * Scan: each of the four lanes keeps its own two best (a_0, a_1), in that order, in
 * registers (values and indices). A lane sees its entries by increasing index, so an
 * entry v goes after every kept entry ≥ v: with g_j = (v > a_j) (g_0 implies g_1),
 *   a_0 ← g_0 ? v : a_0 = max(a_0, v),   a_1 ← g_0 ? a_0 : (g_1 ? v : a_1) = max(a_1, min(a_0, v)),
 * the values by pmax/pmin and the indices by the masks: two compares, four min/max
 * and four selects a vector, no data-dependent branch. Padding (lanes past n) is −∞
 * with index 2^31 − 1, after every real entry.
 *
 * Merge: the lanes' pairs are merged by shuffles, lanes (0, 1) with (2, 3), then 0
 * with 1: c_0 = best(a_0, b_1), c_1 = best(a_1, b_0) keeps the two best of the two
 * sorted pairs (a bitonic sequence; Batcher 1968), one compare-exchange orders them.
 * After both rounds every lane holds the row's two best in order.
 *
 * The branchy scalar insertion it replaces (./routing.ts topK) mispredicts on ~7
 * entries of a 64-expert row; k > 2 stays on it (a K = 4/8 network measured faster
 * but did not fit the size budgets).
 */

import { loadPart, storePart } from './lanes-f32';
import { mulSplit } from './row-f32';

/** Index of the padding entries: after any real index. */
const PAD: i32 = 0x7fffffff;

/** The f32x4 of the (up to four) floats at p + 4i, −∞ past n. */
// @ts-ignore: decorator
@inline
function lanesAt(p: usize, i: i32, n: i32): v128 {
  const q = p + (<usize>i << 2);
  if (i + 4 <= n) return v128.load(q);
  let v = f32x4.replace_lane(f32x4.splat(-Infinity), 0, load<f32>(q));
  if (n - i > 1) v = f32x4.replace_lane(v, 1, load<f32>(q, 4));
  if (n - i > 2) v = f32x4.replace_lane(v, 2, load<f32>(q, 8));
  return v;
}

/** Lanes where (av, ai) comes before (bv, bi) in the module doc's order. */
// @ts-ignore: decorator
@inline
function before(av: v128, ai: v128, bv: v128, bi: v128): v128 {
  return v128.or(f32x4.gt(av, bv), v128.and(f32x4.eq(av, bv), i32x4.lt_s(ai, bi)));
}

/** The partner lanes of a merge round: halves swapped, then neighbours (`near`). */
// @ts-ignore: decorator
@inline
function partner(v: v128, near: bool): v128 {
  return near ? v128.shuffle<i32>(v, v, 1, 0, 3, 2) : v128.shuffle<i32>(v, v, 2, 3, 0, 1);
}

/**
 * The two best entries of the n ≥ 1 floats at p (module doc): at `out` the values
 * (f32) of the best and the second, then their indices (i32); the second is −∞ with
 * index 2^31 − 1 when n = 1. With f > 0 the floats are first replaced in place by
 * their products with f (row-f32.ts scale32's, bit for bit: the three-pass softmax's
 * last pass, fused into the scan so the row is read once).
 */
export function laneTop2(p: usize, n: i32, out: usize, f: f64): void {
  const scaled = f > 0;
  const fh = f32x4.splat(<f32>f);
  const fl = f32x4.splat(<f32>(f - <f64>(<f32>f)));
  const tail = n & ~3;
  if (scaled && tail < n) {
    const q = p + (<usize>tail << 2);
    storePart(q, mulSplit(loadPart(q, n - tail, 0), fh, fl), n - tail);
  }
  let a0 = f32x4.splat(-Infinity);
  let a1 = a0;
  let i0 = i32x4.splat(PAD);
  let i1 = i0;
  let iv = i32x4(0, 1, 2, 3);
  for (let i = 0; i < n; i += 4) {
    let v = lanesAt(p, i, n);
    if (scaled && i + 4 <= n) {
      v = mulSplit(v, fh, fl);
      v128.store(p + (<usize>i << 2), v);
    }
    const g0 = f32x4.gt(v, a0);
    const g1 = f32x4.gt(v, a1);
    a1 = f32x4.pmax(a1, f32x4.pmin(a0, v));
    a0 = f32x4.pmax(a0, v);
    i1 = v128.bitselect(i0, v128.bitselect(iv, i1, g1), g0);
    i0 = v128.bitselect(iv, i0, g0);
    iv = i32x4.add(iv, i32x4.splat(4));
  }
  for (let r = 0; r < 2; r++) {
    const near = r == 1;
    const b0 = partner(a0, near);
    const b1 = partner(a1, near);
    const j0 = partner(i0, near);
    const j1 = partner(i1, near);
    const m0 = before(a0, i0, b1, j1);
    const m1 = before(a1, i1, b0, j0);
    const c0 = v128.bitselect(a0, b1, m0);
    const k0 = v128.bitselect(i0, j1, m0);
    const c1 = v128.bitselect(a1, b0, m1);
    const k1 = v128.bitselect(i1, j0, m1);
    const m = before(c0, k0, c1, k1);
    a0 = v128.bitselect(c0, c1, m);
    i0 = v128.bitselect(k0, k1, m);
    a1 = v128.bitselect(c1, c0, m);
    i1 = v128.bitselect(k1, k0, m);
  }
  store<f32>(out, f32x4.extract_lane(a0, 0));
  store<f32>(out, f32x4.extract_lane(a1, 0), 4);
  store<i32>(out, i32x4.extract_lane(i0, 0), 8);
  store<i32>(out, i32x4.extract_lane(i1, 0), 12);
}
