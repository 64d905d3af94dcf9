/**
 * Fused top-k + normalizer rows (the JS reference: ../../top-k.ts topKRow and
 * topKSelect; Milakov & Gimelshein 2018, arXiv:1805.02867, §4).
 *
 * Per row, one selection pass keeps the k largest entries in a buffer sorted
 * descending, ties by the lower index — the reference's buffer, bit for bit. The first
 * k entries fill it; then the row is read four f32x4 (f64x2) vectors a step, compared
 * against the buffer's last value: a step none of whose lanes is greater (nor NaN)
 * costs one branch, and the lanes that are greater are held back as pending
 * candidates, merged into the buffer 16 at a time (sorted, the 16 lowest of the union
 * dropped, the rest merged from the back in place: O(k + 16²) per merge instead of an
 * O(k) move per candidate), which raises the threshold. The scan starts from a
 * threshold guessed from the row before (of this call or the instance's last one) (a little below its
 * k-th value: rows of a batch look alike) instead of the first k entries, so a row
 * has ~k candidates instead of ~k·ln(n/k); when fewer than k entries beat the guess,
 * the row is scanned again the plain way (selectGuessed). The pass also counts `ties`:
 * the entries left out of the buffer that equal its last value (so a caller knows
 * whether "every entry ≥ the k-th" is the buffer alone).
 *
 * A long row may come in parts (units; ../../top-k-parts.ts cuts and merges them), each
 * part a row of its own here, so that the pool shares one row. With `normalize`, a
 * second pass over the cache-resident row (or part) sums e^(x − m), m the buffer's
 * first entry (its max): Float32 by expDiff32 (x − m exact,
 * ≤ 1.05 ulp) summed in f64 lanes (≤ 2^−24 relative), Float64 by exp64 (≤ 2 ulp)
 * TwoSum-compensated. A row holding NaN or +∞ — or, normalizing, fully −∞ — is
 * flagged (its flag byte 1, its outputs unused) and left to the JS reference.
 */
import { BATCH } from './lanes-f32';
import { expSum } from './row-dispatch';

/**
 * Candidates held back before a merge into the buffer. They live in the instance's
 * BATCH scratch (./lanes-f32.ts; unused by the selection otherwise): PENDING f64
 * values, then their i32 indices (16·12 = 192 of its 256 bytes).
 */
const PENDING: i32 = 16;

/** The scan of the current row: the buffer's last value, entries left out equal to it, pending count. */
let last: f64 = 0;
let ties: i32 = 0;
let pend: i32 = 0;

// @ts-ignore: decorator
@inline
function pendV(j: i32): usize {
  return BATCH + (<usize>j << 3);
}

// @ts-ignore: decorator
@inline
function pendI(j: i32): usize {
  return BATCH + <usize>(PENDING << 3) + (<usize>j << 2);
}

/**
 * The first k entries into the buffer, sorted descending (insertion, after the equal
 * ones: ties by the lower index); false on NaN or +∞ (the row is flagged).
 */
function fill<T>(x: usize, k: i32, vals: usize, idx: usize): bool {
  for (let i = 0; i < k; i++) {
    const v = at<T>(x, i);
    if (v != v || v == Infinity) return false;
    let j = i;
    for (; j > 0 && load<f64>(vals + (<usize>(j - 1) << 3)) < v; j--) {
      store<f64>(vals + (<usize>j << 3), load<f64>(vals + (<usize>(j - 1) << 3)));
      store<i32>(idx + (<usize>j << 2), load<i32>(idx + (<usize>(j - 1) << 2)));
    }
    store<f64>(vals + (<usize>j << 3), v);
    store<i32>(idx + (<usize>j << 2), i);
  }
  last = load<f64>(vals + (<usize>(k - 1) << 3));
  ties = 0;
  pend = 0;
  return true;
}

/**
 * Merge the pending candidates into the full buffer of k: sort them (insertion; they
 * arrived in index order, so equal values stay by index), drop the `pend` lowest of
 * the union (at equal values the pending one, whose index is higher), merge the rest
 * from the back in place. Every entry outside buffer and pending is ≤ `last`, so the
 * entries left out equal to the new last are the old `ties` (same last) plus the
 * dropped ones equal to it.
 */
function merge(vals: usize, idx: usize, k: i32): void {
  const p = pend;
  for (let i = 1; i < p; i++) {
    const v = load<f64>(pendV(i));
    const w = load<i32>(pendI(i));
    let j = i;
    for (; j > 0 && load<f64>(pendV(j - 1)) < v; j--) {
      store<f64>(pendV(j), load<f64>(pendV(j - 1)));
      store<i32>(pendI(j), load<i32>(pendI(j - 1)));
    }
    store<f64>(pendV(j), v);
    store<i32>(pendI(j), w);
  }
  let a = k; // buffer entries kept: [0, a)
  let b = p; // pending entries kept: [0, b)
  for (let d = 0; d < p; d++) {
    if (b > 0 && (a == 0 || load<f64>(pendV(b - 1)) <= load<f64>(vals + (<usize>(a - 1) << 3)))) b--;
    else a--;
  }
  const sv = a > 0 ? load<f64>(vals + (<usize>(a - 1) << 3)) : Infinity;
  const now = b > 0 ? min<f64>(sv, load<f64>(pendV(b - 1))) : sv;
  let eq = now == last ? ties : 0;
  for (let j = a; j < k && load<f64>(vals + (<usize>j << 3)) == now; j++) eq++;
  for (let j = b; j < p && load<f64>(pendV(j)) == now; j++) eq++;
  for (let o = k - 1; b > 0; o--) {
    const pv = load<f64>(pendV(b - 1));
    if (a > 0 && load<f64>(vals + (<usize>(a - 1) << 3)) < pv) {
      a--;
      store<f64>(vals + (<usize>o << 3), load<f64>(vals + (<usize>a << 3)));
      store<i32>(idx + (<usize>o << 2), load<i32>(idx + (<usize>a << 2)));
    } else {
      b--;
      store<f64>(vals + (<usize>o << 3), pv);
      store<i32>(idx + (<usize>o << 2), load<i32>(pendI(b)));
    }
  }
  last = now;
  ties = eq;
  pend = 0;
}

/** Offer entry i (value v) once the buffer is full; false on NaN or +∞ (the row is flagged). */
// @ts-ignore: decorator
@inline
function offer(vals: usize, idx: usize, k: i32, v: f64, i: i32): bool {
  if (v != v || v == Infinity) return false;
  if (v > last) {
    store<f64>(pendV(pend), v);
    store<i32>(pendI(pend), i);
    if (++pend == PENDING) merge(vals, idx, k);
  } else if (v == last) ties++;
  return true;
}

// Lane operations on T = f32 (f32x4) or f64 (f64x2), chosen at compile time.
// @ts-ignore: decorator
@inline
function splat<T>(v: f64): v128 {
  return sizeof<T>() == 4 ? f32x4.splat(<f32>v) : f64x2.splat(v);
}

/** Lanes ≤ t (so neither greater nor NaN). */
// @ts-ignore: decorator
@inline
function below<T>(v: v128, t: v128): v128 {
  return sizeof<T>() == 4 ? f32x4.le(v, t) : f64x2.le(v, t);
}

/** The lanes of v equal to t, as −1 per lane. */
// @ts-ignore: decorator
@inline
function eqs<T>(v: v128, t: v128): v128 {
  return sizeof<T>() == 4 ? f32x4.eq(v, t) : f64x2.eq(v, t);
}

/** Lane-wise a + b (integer lanes of the element's width). */
// @ts-ignore: decorator
@inline
function addLanes<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? i32x4.add(a, b) : i64x2.add(a, b);
}

/** c minus the lanes of e (−1 each): a count per lane. */
// @ts-ignore: decorator
@inline
function subLanes<T>(c: v128, e: v128): v128 {
  return sizeof<T>() == 4 ? i32x4.sub(c, e) : i64x2.sub(c, e);
}

/** One bit per lane not ≤ t, lane order. */
// @ts-ignore: decorator
@inline
function misses<T>(l: v128): i32 {
  return (sizeof<T>() == 4 ? i32x4.bitmask(l) : i64x2.bitmask(l)) ^ ((1 << (16 / sizeof<T>())) - 1);
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

/**
 * The selection pass over x[i .. end) (the buffer full), four vectors a step while a
 * whole step fits: each step is compared against the buffer's last value t, and a
 * step none of whose lanes is greater (nor NaN) only counts its lanes equal to t;
 * otherwise its lanes that are go to the pending candidates, in index order. Returns
 * where it stopped (< 4 vectors' worth before end), −1 when it met NaN or +∞.
 */
function scan<T>(x: usize, i: i32, end: i32, k: i32, vals: usize, idx: usize): i32 {
  const L = 16 / <i32>sizeof<T>(); // lanes per vector
  let t = splat<T>(last);
  let eq = i32x4.splat(0);
  for (; i + 4 * L <= end; i += 4 * L) {
    const p = x + (<usize>i) * sizeof<T>();
    const v0 = v128.load(p);
    const v1 = v128.load(p, 16);
    const v2 = v128.load(p, 32);
    const v3 = v128.load(p, 48);
    const l0 = below<T>(v0, t);
    const l1 = below<T>(v1, t);
    const l2 = below<T>(v2, t);
    const l3 = below<T>(v3, t);
    eq = subLanes<T>(eq, addLanes<T>(addLanes<T>(eqs<T>(v0, t), eqs<T>(v1, t)), addLanes<T>(eqs<T>(v2, t), eqs<T>(v3, t))));
    if (i32x4.all_true(v128.and(v128.and(l0, l1), v128.and(l2, l3)))) continue;
    // the lanes equal to t are left out (not greater), so they count now, before a merge moves t
    ties += total<T>(eq);
    eq = i32x4.splat(0);
    let m = misses<T>(l0) | (misses<T>(l1) << L) | (misses<T>(l2) << (2 * L)) | (misses<T>(l3) << (3 * L));
    while (m != 0) {
      const j = i + ctz<i32>(m);
      m &= m - 1;
      const v = at<T>(x, j);
      if (v != v || v == Infinity) return -1;
      store<f64>(pendV(pend), v);
      store<i32>(pendI(pend), j);
      if (++pend == PENDING) merge(vals, idx, k);
    }
    t = splat<T>(last);
  }
  ties += total<T>(eq);
  return i;
}

/** The last entries x[i .. n) one by one, then the pending ones merged; false on NaN or +∞. */
function finish<T>(x: usize, i: i32, n: i32, k: i32, vals: usize, idx: usize): bool {
  for (; i < n; i++) if (!offer(vals, idx, k, at<T>(x, i), i)) return false;
  if (pend > 0) merge(vals, idx, k);
  return true;
}

/** The selection pass over x[0 .. n) into the buffer; false when the row holds NaN or +∞. */
function selectRow<T>(x: usize, n: i32, k: i32, vals: usize, idx: usize): bool {
  if (!fill<T>(x, k, vals, idx)) return false;
  const i = scan<T>(x, k, n, k, vals, idx);
  return i >= 0 && finish<T>(x, i, n, k, vals, idx);
}

/**
 * The selection pass started from a guessed threshold g instead of the first k
 * entries: the buffer holds k placeholders of value g (index −1), so only entries
 * above g are candidates. When at least k entries are above g, no placeholder is left
 * and the buffer is exact (an entry ≤ g is below the k-th, and no tie of it); else
 * returns −1 and the caller runs selectRow. A guess too low costs little: the merges
 * raise the threshold as from the first k entries. 0: the row holds NaN or +∞; 1: done.
 */
function selectGuessed<T>(x: usize, n: i32, k: i32, vals: usize, idx: usize, g: f64): i32 {
  for (let j = 0; j < k; j++) {
    store<f64>(vals + (<usize>j << 3), g);
    store<i32>(idx + (<usize>j << 2), -1);
  }
  last = g;
  ties = 0;
  pend = 0;
  const i = scan<T>(x, 0, n, k, vals, idx);
  if (i < 0) return 0;
  if (!finish<T>(x, i, n, k, vals, idx)) return 0;
  return load<i32>(idx + (<usize>(k - 1) << 2)) < 0 ? -1 : 1;
}

/** The guessed threshold the next call's first row starts from (NaN: none); per instance. */
let guess: f64 = NaN;

/**
 * The next row's guessed threshold from this one's buffer (k-th value `kth`, max `m`):
 * a little below the k-th, kth − (m − kth)/8 in the row's type; NaN (no guess) where
 * it is not finite or k is small (few candidates anyway).
 */
function guessFrom<T>(k: i32, kth: f64, m: f64): f64 {
  if (k < 16 || !(kth > -Infinity)) return NaN;
  const g = kth - (m - kth) * 0.125;
  return sizeof<T>() == 4 ? <f64><f32>g : g;
}

/**
 * `units` units of work from unit `first`: the rows of n (row r at x + r·stride
 * elements) cut into parts of `part` entries (the last part shorter; part = n: a unit
 * is a row), so that one long row can be shared across threads. Unit u is part
 * u mod P of row ⌊u / P⌋, P = ⌈n / part⌉ (1 ≤ k ≤ each part's length). Per unit, the
 * k largest into vals (f64) / idx (i32, within the part) at i·k (i = u − first);
 * state at 3i: the max, Σ e^(x − max) (0 unless `normalize`), the ties left out;
 * flags[i] = 1 for a unit left to the reference. A fully −∞ part of a cut row is not
 * flagged (max −∞, Σ 0): the caller merges the parts. Returns the flagged units.
 */
function topKRows<T>(
  x: usize, units: i32, n: i32, stride: i32, k: i32, normalize: bool,
  vals: usize, idx: usize, state: usize, flags: usize, first: i32, part: i32,
): i32 {
  let bad = 0;
  const parts = (n + part - 1) / part;
  // the guessed threshold from the unit before, also across calls (a batch is often copied
  // in one row at a time); only speed depends on it, in the row's type for the lane compare
  let g: f64 = sizeof<T>() == 4 ? <f64><f32>guess : guess;
  for (let i = 0; i < units; i++) {
    const u = first + i;
    const r = u / parts;
    const p = u - r * parts;
    const len = min<i32>(part, n - p * part);
    const xo = x + (<usize>r * <usize>stride + <usize>p * <usize>part) * sizeof<T>();
    const vo = vals + ((<usize>i * <usize>k) << 3);
    const io = idx + ((<usize>i * <usize>k) << 2);
    const got = g == g ? selectGuessed<T>(xo, len, k, vo, io, g) : -1;
    let ok = got < 0 ? selectRow<T>(xo, len, k, vo, io) : got == 1;
    const m = load<f64>(vo);
    if (ok) g = guessFrom<T>(k, last, m);
    if (normalize && parts == 1 && !(m > -Infinity)) ok = false;
    store<u8>(flags + i, ok ? 0 : 1);
    if (!ok) {
      bad++;
      continue;
    }
    let sum: f64 = 0;
    if (normalize && m > -Infinity) sum = expSum<T>(xo, 0, len, m, 1);
    const so = state + <usize>i * 24;
    store<f64>(so, m);
    store<f64>(so, sum, 8);
    store<f64>(so, <f64>ties, 16);
  }
  guess = g;
  return bad;
}

export function topK_f32(
  x: usize, units: i32, n: i32, stride: i32, k: i32, normalize: bool,
  vals: usize, idx: usize, state: usize, flags: usize, first: i32, part: i32,
): i32 {
  return topKRows<f32>(x, units, n, stride, k, normalize, vals, idx, state, flags, first, part);
}

export function topK_f64(
  x: usize, units: i32, n: i32, stride: i32, k: i32, normalize: bool,
  vals: usize, idx: usize, state: usize, flags: usize, first: i32, part: i32,
): i32 {
  return topKRows<f64>(x, units, n, stride, k, normalize, vals, idx, state, flags, first, part);
}
