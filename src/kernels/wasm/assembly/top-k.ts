/**
 * Fused top-k + normalizer rows (the JS reference: ../../top-k.ts topKRow and
 * topKSelect; Milakov & Gimelshein 2018, arXiv:1805.02867, §4).
 *
 * Per row, one selection pass keeps the k largest entries in a buffer sorted
 * descending, ties by the lower index (an entry enters only if strictly greater
 * than the buffer's last, after the equal ones already there — the reference's
 * rule, so the buffer is the same, bit for bit). Once the buffer is full, the row
 * is read as f32x4 (f64x2) lanes compared against the buffer's last value: lanes
 * none of which is greater (nor NaN) are skipped in one branch, and only the rare
 * vectors holding a candidate go through the scalar insertion. The pass also counts
 * `ties`: the entries left out of the buffer that equal its last value (so a
 * caller knows whether "every entry ≥ the k-th" is the buffer alone).
 *
 * With `normalize`, a second pass over the cache-resident row sums e^(x − m), m the
 * buffer's first entry (the row's max): Float32 by expDiff32 (x − m exact,
 * ≤ 1.05 ulp) summed in f64 lanes (≤ 2^−24 relative), Float64 by exp64 (≤ 2 ulp)
 * TwoSum-compensated. A row holding NaN or +∞ — or, normalizing, fully −∞ — is
 * flagged (its flag byte 1, its outputs unused) and left to the JS reference.
 */
import { expSum } from './row-dispatch';

/** The scan of the current row: entries buffered, the buffer's last value, entries left out equal to it. */
let count: i32 = 0;
let last: f64 = 0;
let ties: i32 = 0;

/**
 * Place v (index i) after its equals in the descending buffer (count grows until k):
 * a binary search for the first entry < v, then one bulk move of the entries after it.
 */
// @ts-ignore: decorator
@inline
function insert(vals: usize, idx: usize, k: i32, v: f64, i: i32): void {
  const c = count < k ? count++ : count - 1; // the slot freed at the end
  let lo = 0;
  let hi = c;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (load<f64>(vals + (<usize>mid << 3)) < v) hi = mid;
    else lo = mid + 1;
  }
  const j = <usize>lo;
  memory.copy(vals + ((j + 1) << 3), vals + (j << 3), <usize>(c - lo) << 3);
  memory.copy(idx + ((j + 1) << 2), idx + (j << 2), <usize>(c - lo) << 2);
  store<f64>(vals + (j << 3), v);
  store<i32>(idx + (j << 2), i);
}

/** Offer entry i (value v) to the buffer; false on NaN or +∞ (the row is flagged). */
function offer(vals: usize, idx: usize, k: i32, v: f64, i: i32): bool {
  if (v != v || v == Infinity) return false;
  const at = vals + (<usize>(k - 1) << 3);
  if (count < k) {
    insert(vals, idx, k, v, i);
    if (count == k) {
      last = load<f64>(at);
      ties = 0;
    }
  } else if (v > last) {
    insert(vals, idx, k, v, i); // evicts an entry equal to the old last
    const now = load<f64>(at);
    ties = now == last ? ties + 1 : 0;
    last = now;
  } else if (v == last) ties++;
  return true;
}

// Lane operations on T = f32 (f32x4) or f64 (f64x2), chosen at compile time.
// @ts-ignore: decorator
@inline
function splat<T>(v: f64): v128 {
  return sizeof<T>() == 4 ? f32x4.splat(<f32>v) : f64x2.splat(v);
}

/** Lanes greater than t, or NaN. */
// @ts-ignore: decorator
@inline
function hits<T>(v: v128, t: v128): v128 {
  return sizeof<T>() == 4
    ? v128.or(f32x4.gt(v, t), f32x4.ne(v, v))
    : v128.or(f64x2.gt(v, t), f64x2.ne(v, v));
}

/** c + the lanes of v equal to t (as counts per lane). */
// @ts-ignore: decorator
@inline
function countEq<T>(c: v128, v: v128, t: v128): v128 {
  return sizeof<T>() == 4 ? i32x4.sub(c, f32x4.eq(v, t)) : i64x2.sub(c, f64x2.eq(v, t));
}

// @ts-ignore: decorator
@inline
function total<T>(c: v128): i32 {
  if (sizeof<T>() == 8) return <i32>(i64x2.extract_lane(c, 0) + i64x2.extract_lane(c, 1));
  return i32x4.extract_lane(c, 0) + i32x4.extract_lane(c, 1) + i32x4.extract_lane(c, 2) + i32x4.extract_lane(c, 3);
}

// @ts-ignore: decorator
@inline
function at<T>(x: usize, i: i32): f64 {
  return sizeof<T>() == 4 ? <f64>load<f32>(x + (<usize>i << 2)) : load<f64>(x + (<usize>i << 3));
}

/** The selection pass over x[0 .. n) into the buffer; false when the row holds NaN or +∞. */
function selectRow<T>(x: usize, n: i32, k: i32, vals: usize, idx: usize): bool {
  count = 0;
  ties = 0;
  last = -Infinity;
  let i = 0;
  for (; i < n && count < k; i++) if (!offer(vals, idx, k, at<T>(x, i), i)) return false;
  const L = 16 / <i32>sizeof<T>(); // lanes per vector; two vectors a step
  let t = splat<T>(last);
  let eq = i32x4.splat(0);
  for (; i + 2 * L <= n; i += 2 * L) {
    const p = x + (<usize>i) * sizeof<T>();
    const v0 = v128.load(p);
    const v1 = v128.load(p, 16);
    if (!v128.any_true(v128.or(hits<T>(v0, t), hits<T>(v1, t)))) {
      eq = countEq<T>(countEq<T>(eq, v0, t), v1, t);
      continue;
    }
    ties += total<T>(eq);
    eq = i32x4.splat(0);
    for (let j = i; j < i + 2 * L; j++) if (!offer(vals, idx, k, at<T>(x, j), j)) return false;
    t = splat<T>(last);
  }
  ties += total<T>(eq);
  for (; i < n; i++) if (!offer(vals, idx, k, at<T>(x, i), i)) return false;
  return true;
}

/**
 * `rows` rows of n (row r at x + r·stride elements): the k largest of each (1 ≤ k ≤ n)
 * into vals (f64) / idx (i32) at r·k; state at 3r: the max, Σ e^(x − max) (0 unless
 * `normalize`), the ties left out; flags[r] = 1 for a row left to the reference.
 * Returns the number of flagged rows.
 */
function topKRows<T>(
  x: usize, rows: i32, n: i32, stride: i32, k: i32, normalize: bool,
  vals: usize, idx: usize, state: usize, flags: usize,
): i32 {
  let bad = 0;
  for (let r = 0; r < rows; r++) {
    const xo = x + <usize>r * <usize>stride * sizeof<T>();
    const vo = vals + ((<usize>r * <usize>k) << 3);
    let ok = selectRow<T>(xo, n, k, vo, idx + ((<usize>r * <usize>k) << 2));
    const m = load<f64>(vo);
    if (normalize && !(m > -Infinity)) ok = false;
    store<u8>(flags + r, ok ? 0 : 1);
    if (!ok) {
      bad++;
      continue;
    }
    let sum: f64 = 0;
    if (normalize) sum = expSum<T>(xo, 0, n, m, 1);
    const so = state + <usize>r * 24;
    store<f64>(so, m);
    store<f64>(so, sum, 8);
    store<f64>(so, <f64>ties, 16);
  }
  return bad;
}

export function topK_f32(
  x: usize, rows: i32, n: i32, stride: i32, k: i32, normalize: bool,
  vals: usize, idx: usize, state: usize, flags: usize,
): i32 {
  return topKRows<f32>(x, rows, n, stride, k, normalize, vals, idx, state, flags);
}

export function topK_f64(
  x: usize, rows: i32, n: i32, stride: i32, k: i32, normalize: bool,
  vals: usize, idx: usize, state: usize, flags: usize,
): i32 {
  return topKRows<f64>(x, rows, n, stride, k, normalize, vals, idx, state, flags);
}
