/**
 * Softmax attention of one query row against many keys (decoding), the f64x2 kernel
 * behind flash-decoding (Dao, Haziza, Massa & Sizov 2023): keys [0, n) in chunks of
 * `chunk` keys, each chunk's partial state (m, l, acc) written separately so chunks can
 * run on different threads and be merged exactly afterwards (../attention.ts merges
 * them in chunk order). Per chunk: scores x_j = scale·q·k_j by f64x2 dot products over
 * 4 keys at a time (each summed as two lanes of even and odd d, added pairwise), then
 * m = max x, p_j = e^(x_j − m) by exp64 (≤ 2 ulp), l = Σ p_j, then acc += p_j·v_j over
 * column groups of 16 (each column summed over j in order). A copy-once gemv: K and V
 * are read once each, Float32 elements widened to f64 as they are loaded.
 *
 * Error bound: double sums of exact products (Float32 converts exactly). The scores are
 * summed in another order than the JavaScript path's: they differ by
 * ≤ dim·2^−53·scale·Σ_d |q_d·k_d|, which changes each weight e^(x − m) by at most twice
 * that, relatively (negligible unless the logits are huge); the rest agrees to a few
 * ulp. A chunk whose maximum is NaN or +∞ is flagged (not computed) and the caller
 * leaves the head to JavaScript; an empty chunk gives m = −∞, l = 0.
 */
import { weighTile } from './attention-state';
import { exp64 } from './exp';
import { NEG_INF } from './attention-intervals';

/** Key row j's element d as f64. */
// @ts-ignore: decorator
@inline
function elem(p: usize, f32: bool, i: usize): f64 {
  return f32 ? <f64>load<f32>(p + (i << 2)) : load<f64>(p + (i << 3));
}

/** Two elements of E (f32 or f64) at p as f64x2 (f32: one cvtps2pd from memory). */
// @ts-ignore: decorator
@inline
function pair<E>(p: usize): v128 {
  return sizeof<E>() == 4 ? f64x2.promote_low_f32x4(v128.load64_zero(p)) : v128.load(p);
}

/** Products of 8 elements of E at p with q0…q3 (two per f64x2), summed pairwise. */
// @ts-ignore: decorator
@inline
function dot8<E>(p: usize, q0: v128, q1: v128, q2: v128, q3: v128): v128 {
  if (sizeof<E>() == 4)
    return f64x2.add(
      f64x2.add(
        f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(p)), q0),
        f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(p, 8)), q1),
      ),
      f64x2.add(
        f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(p, 16)), q2),
        f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(p, 24)), q3),
      ),
    );
  return f64x2.add(
    f64x2.add(f64x2.mul(v128.load(p), q0), f64x2.mul(v128.load(p, 16), q1)),
    f64x2.add(f64x2.mul(v128.load(p, 32), q2), f64x2.mul(v128.load(p, 48), q3)),
  );
}

/** Four f64x2 partial dot products of q (f64) with key rows j..j+3 of E (stride dim). */
// @ts-ignore: decorator
@inline
function scores4Of<E>(q: usize, k: usize, dim: i32, j: i32, scale: f64, s: usize): void {
  const w = <usize>sizeof<E>();
  const row = <usize>dim * w;
  const k0 = k + <usize>j * row;
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
  let d = 0;
  for (; d + 8 <= dim; d += 8) {
    const qa = q + (<usize>d << 3);
    const q0 = v128.load(qa), q1 = v128.load(qa, 16), q2 = v128.load(qa, 32), q3 = v128.load(qa, 48);
    const o = k0 + <usize>d * w;
    a0 = f64x2.add(a0, dot8<E>(o, q0, q1, q2, q3));
    a1 = f64x2.add(a1, dot8<E>(o + row, q0, q1, q2, q3));
    a2 = f64x2.add(a2, dot8<E>(o + 2 * row, q0, q1, q2, q3));
    a3 = f64x2.add(a3, dot8<E>(o + 3 * row, q0, q1, q2, q3));
  }
  for (; d + 2 <= dim; d += 2) {
    const q0 = v128.load(q + (<usize>d << 3));
    const o = k0 + <usize>d * w;
    a0 = f64x2.add(a0, f64x2.mul(pair<E>(o), q0));
    a1 = f64x2.add(a1, f64x2.mul(pair<E>(o + row), q0));
    a2 = f64x2.add(a2, f64x2.mul(pair<E>(o + 2 * row), q0));
    a3 = f64x2.add(a3, f64x2.mul(pair<E>(o + 3 * row), q0));
  }
  const f32 = sizeof<E>() == 4;
  let s0 = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
  let s1 = f64x2.extract_lane(a1, 0) + f64x2.extract_lane(a1, 1);
  let s2 = f64x2.extract_lane(a2, 0) + f64x2.extract_lane(a2, 1);
  let s3 = f64x2.extract_lane(a3, 0) + f64x2.extract_lane(a3, 1);
  for (; d < dim; d++) {
    const qd = load<f64>(q + (<usize>d << 3));
    const e = <usize>d;
    s0 += qd * elem(k0, f32, e);
    s1 += qd * elem(k0 + row, f32, e);
    s2 += qd * elem(k0 + 2 * row, f32, e);
    s3 += qd * elem(k0 + 3 * row, f32, e);
  }
  store<f64>(s + (<usize>j << 3), scale * s0);
  store<f64>(s + (<usize>j << 3), scale * s1, 8);
  store<f64>(s + (<usize>j << 3), scale * s2, 16);
  store<f64>(s + (<usize>j << 3), scale * s3, 24);
}

/** Four keys' scaled scores (scores4Of for the keys' element type). */
function scores4(q: usize, k: usize, f32: bool, dim: i32, j: i32, scale: f64, s: usize): void {
  if (f32) scores4Of<f32>(q, k, dim, j, scale, s);
  else scores4Of<f64>(q, k, dim, j, scale, s);
}

/** Key row j's scaled score, one row (the last n mod 4 keys). */
function score1(q: usize, k: usize, f32: bool, dim: i32, j: i32, scale: f64, s: usize): void {
  const k0 = k + <usize>j * <usize>dim * (f32 ? 4 : 8);
  let a: f64 = 0;
  for (let d = 0; d < dim; d++) a += load<f64>(q + (<usize>d << 3)) * elem(k0, f32, <usize>d);
  store<f64>(s + (<usize>j << 3), scale * a);
}

/** acc[c0, c0 + 16) += Σ_j p_j·v[j, c0 + ·] over keys [j0, j1) (8 accumulators). */
function pv16(p: usize, v: usize, f32: bool, dv: i32, j0: i32, j1: i32, c0: i32, acc: usize): void {
  const row = <usize>dv * (f32 ? 4 : 8);
  const a = acc + (<usize>c0 << 3);
  let c0v = v128.load(a), c1v = v128.load(a, 16), c2v = v128.load(a, 32), c3v = v128.load(a, 48);
  let c4v = v128.load(a, 64), c5v = v128.load(a, 80), c6v = v128.load(a, 96), c7v = v128.load(a, 112);
  let o = v + <usize>j0 * row + <usize>c0 * (f32 ? 4 : 8);
  for (let j = j0; j < j1; j++, o += row) {
    const pj = v128.load64_splat(p + (<usize>j << 3));
    if (f32) {
      c0v = f64x2.add(c0v, f64x2.mul(pj, f64x2.promote_low_f32x4(v128.load64_zero(o))));
      c1v = f64x2.add(c1v, f64x2.mul(pj, f64x2.promote_low_f32x4(v128.load64_zero(o, 8))));
      c2v = f64x2.add(c2v, f64x2.mul(pj, f64x2.promote_low_f32x4(v128.load64_zero(o, 16))));
      c3v = f64x2.add(c3v, f64x2.mul(pj, f64x2.promote_low_f32x4(v128.load64_zero(o, 24))));
      c4v = f64x2.add(c4v, f64x2.mul(pj, f64x2.promote_low_f32x4(v128.load64_zero(o, 32))));
      c5v = f64x2.add(c5v, f64x2.mul(pj, f64x2.promote_low_f32x4(v128.load64_zero(o, 40))));
      c6v = f64x2.add(c6v, f64x2.mul(pj, f64x2.promote_low_f32x4(v128.load64_zero(o, 48))));
      c7v = f64x2.add(c7v, f64x2.mul(pj, f64x2.promote_low_f32x4(v128.load64_zero(o, 56))));
    } else {
      c0v = f64x2.add(c0v, f64x2.mul(pj, v128.load(o)));
      c1v = f64x2.add(c1v, f64x2.mul(pj, v128.load(o, 16)));
      c2v = f64x2.add(c2v, f64x2.mul(pj, v128.load(o, 32)));
      c3v = f64x2.add(c3v, f64x2.mul(pj, v128.load(o, 48)));
      c4v = f64x2.add(c4v, f64x2.mul(pj, v128.load(o, 64)));
      c5v = f64x2.add(c5v, f64x2.mul(pj, v128.load(o, 80)));
      c6v = f64x2.add(c6v, f64x2.mul(pj, v128.load(o, 96)));
      c7v = f64x2.add(c7v, f64x2.mul(pj, v128.load(o, 112)));
    }
  }
  v128.store(a, c0v); v128.store(a, c1v, 16); v128.store(a, c2v, 32); v128.store(a, c3v, 48);
  v128.store(a, c4v, 64); v128.store(a, c5v, 80); v128.store(a, c6v, 96); v128.store(a, c7v, 112);
}

/** Keys per pass of the P·V product (their value rows stay in L1 across column groups). */
const PV_KEYS: i32 = 64;

/**
 * One chunk of decoding: keys [0, n) of k/v (f32 or f64), the query q (f64, dim), the
 * scaled scores into s [n]; state ← (m, l, acc[dv]). Returns 1 when m is NaN or +∞.
 */
function decodeChunk(
  q: usize, k: usize, v: usize, f32: bool, n: i32, dim: i32, dv: i32, scale: f64, s: usize,
  state: usize,
): i32 {
  const acc = state + 16;
  memory.fill(acc, 0, <usize>dv << 3);
  let j = 0;
  for (; j + 4 <= n; j += 4) scores4(q, k, f32, dim, j, scale, s);
  for (; j < n; j++) score1(q, k, f32, dim, j, scale, s);
  let mv = f64x2.splat(NEG_INF);
  j = 0;
  for (; j + 2 <= n; j += 2) mv = f64x2.max(mv, v128.load(s + (<usize>j << 3)));
  let mx = max<f64>(f64x2.extract_lane(mv, 0), f64x2.extract_lane(mv, 1));
  for (; j < n; j++) mx = max<f64>(mx, load<f64>(s + (<usize>j << 3)));
  store<f64>(state, mx);
  if (mx != mx || mx == Infinity) return 1;
  if (mx == NEG_INF) {
    store<f64>(state, 0, 8);
    return 0;
  }
  // the fold of ./attention-state.ts into the empty state (α = 0), pairs of keys per lane
  const zero = f64x2.splat(0);
  const even = n & ~1;
  const sum = weighTile(s, s + (<usize>even << 3), 16, f64x2.splat(mx));
  let l = f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1);
  for (j = even; j < n; j++) {
    const at = s + (<usize>j << 3);
    const p = f64x2.extract_lane(exp64(f64x2.splat(load<f64>(at) - mx), zero), 0);
    store<f64>(at, p);
    l += p;
  }
  store<f64>(state, l, 8);
  const w: usize = f32 ? 4 : 8;
  for (let j0 = 0; j0 < n; j0 += PV_KEYS) {
    const j1 = min<i32>(n, j0 + PV_KEYS);
    let c = 0;
    for (; c + 16 <= dv; c += 16) pv16(s, v, f32, dv, j0, j1, c, acc);
    for (; c < dv; c++) {
      let a = load<f64>(acc + (<usize>c << 3));
      for (let jj = j0; jj < j1; jj++)
        a += load<f64>(s + (<usize>jj << 3)) * elem(v + <usize>jj * <usize>dv * w, f32, <usize>c);
      store<f64>(acc + (<usize>c << 3), a);
    }
  }
  return 0;
}

/**
 * Decoding, one query against keys [0, n) split into chunks of `chunk` keys: chunk c's
 * state (m, l, acc[dv]) at state + c·(dv + 2)·8, its scores in s + c·chunk·8. q is
 * Float64 [dim]; k, v as flashHead. Returns the number of chunks whose maximum is NaN
 * or +∞ (their states are not computed).
 */
export function flashDecode(
  q: usize, k: usize, v: usize, f32: bool, n: i32, dim: i32, dv: i32, scale: f64, chunk: i32,
  state: usize, s: usize,
): i32 {
  const w: usize = f32 ? 4 : 8;
  let bad = 0;
  for (let c = 0; c * chunk < n; c++) {
    const j0 = c * chunk;
    bad += decodeChunk(
      q, k + <usize>j0 * <usize>dim * w, v + <usize>j0 * <usize>dv * w, f32, min<i32>(chunk, n - j0),
      dim, dv, scale, s + (<usize>j0 << 3), state + (<usize>c * <usize>(dv + 2) << 3),
    );
  }
  return bad;
}
