/**
 * Token-choice routing of Float32 router logits (src/kernels/routing-rows.ts routeRows is
 * the reference), one call for a whole chunk of tokens. By batches of rows that stay in
 * L1 (row-batch.ts batchRows): softmax scores of the batch by softmax_f32 (the kernel
 * the reference's softmax runs: the same scores bit for bit; for the unkeyed k ≤ 2
 * selection its three passes written out here, the last — the scaling by 1/Σ — done by the
 * lane selection as it scans the row, the same product), then per token (row of n
 * experts), while the row is in cache:
 * - sigmoid scores (when asked): σ(v) = 1/(1 + e^−v) for v ≥ 0, e^v/(1 + e^v) below, in
 *   double with exp64 (≤ 2 ulp of double) and rounded once to float32 — the reference's
 *   formula with Math.exp, so a score differs from the reference's only where the two
 *   double values (each within ~3 ulp of double of σ) straddle a float32 rounding
 *   boundary (a fraction ~2^−26 of the entries at most), and then by 1 ulp of float32;
 * - the selection key (when a bias or groups are given): score + bias in double, −∞ where
 *   the logit is −∞;
 * - DeepSeek-V3's group limit: each group's two best keys summed, the `groupTop` best
 *   groups kept (ties: lower group), the other keys set to −∞;
 * - the k largest scores or keys (ties: lower index): unkeyed with k ≤ 2 by the
 *   branch-free lane network (./top-k-lanes.ts), otherwise by a buffer sorted descending
 *   that an entry enters only if strictly greater than its last: the row is scanned four
 *   (f32) or two (f64 keys) entries at a time against the buffer's last and a vector
 *   with none above it is skipped; either way the selection is the reference's in the
 *   reference's order;
 * - indices[k] and picked[k] (the selected scores in double), ordered by score
 *   descending, ties by lower index;
 * - when asked, the gate weights [k] (gateWeights: renormalized and scaled in double,
 *   rounded once to float32), so that no per-token work is left to JavaScript.
 * Rows the reference treats specially are handed back through flags[r] (never done
 * here): 1 when the row holds NaN (sigmoid) or softmax_f32 flagged it (a non-finite max);
 * 2 (the scores are right, the selection is the caller's) when an unkeyed selection ends
 * at score 0 (an underflowed expert must come before a masked one).
 */
import { exp64, join32 } from './exp';
import { hi64, lo64, loadPart, storePart } from './lanes-f32';
import { argAt, batchMaxima, batchRows, flagged, maxAt } from './row-batch';
import { expSum, rowAt, short, THREE_PASS } from './row-dispatch';
import { softmax_f32 } from './softmax-rows';
import { laneTop2 } from './top-k-lanes';

/** Capacity of the selection buffers (k ≤ 16). */
const MAX_K: i32 = 16;

/** σ(v) on f64x2 lanes, the reference's two branches (see the module doc). */
// @ts-ignore: decorator
@inline
function sigmoid64(v: v128): v128 {
  const one = f64x2.splat(1);
  const e = exp64(f64x2.neg(f64x2.abs(v)), f64x2.splat(0));
  return f64x2.div(v128.bitselect(one, e, f64x2.ge(v, f64x2.splat(0))), f64x2.add(one, e));
}

/** s = σ(x) over a row of n; whether the row holds NaN. */
function sigmoidRow(x: usize, s: usize, n: i32): bool {
  let nan = i32x4.splat(0);
  for (let i = 0; i < n; i += 4) {
    const full = i + 4 <= n;
    const v = full ? v128.load(x + (<usize>i << 2)) : loadPart(x + (<usize>i << 2), n - i, 0);
    nan = v128.or(nan, f32x4.ne(v, v));
    const y = join32(sigmoid64(lo64(v)), sigmoid64(hi64(v)));
    if (full) v128.store(s + (<usize>i << 2), y);
    else storePart(s + (<usize>i << 2), y, n - i);
  }
  return v128.any_true(nan);
}

/** Place v (index i) in the buffer after its equals; returns the new count. */
// @ts-ignore: decorator
@inline
function insert(vals: usize, idx: usize, count: i32, k: i32, v: f64, i: i32): i32 {
  let j = count < k ? count++ : count - 1;
  while (j > 0 && load<f64>(vals + (<usize>(j - 1) << 3)) < v) {
    store<f64>(vals + (<usize>j << 3), load<f64>(vals + (<usize>(j - 1) << 3)));
    store<i32>(idx + (<usize>j << 2), load<i32>(idx + (<usize>(j - 1) << 2)));
    j--;
  }
  store<f64>(vals + (<usize>j << 3), v);
  store<i32>(idx + (<usize>j << 2), i);
  return count;
}

/**
 * The k largest of the n values of T at p (no NaN) into vals/idx, descending, ties by
 * lower index (src/kernels/top-k.ts topKSelect's rules).
 */
function topK<T>(p: usize, n: i32, k: i32, vals: usize, idx: usize): void {
  let count = 0;
  let i = 0;
  for (; i < n && count < k; i++) count = insert(vals, idx, count, k, <f64>load<T>(p + <usize>i * sizeof<T>()), i);
  let last = load<f64>(vals + (<usize>(k - 1) << 3));
  const lanes: i32 = sizeof<T>() == 4 ? 4 : 2;
  for (; i + lanes <= n; i += lanes) {
    const v = v128.load(p + <usize>i * sizeof<T>());
    const above = sizeof<T>() == 4 ? f32x4.gt(v, f32x4.splat(<f32>last)) : f64x2.gt(v, f64x2.splat(last));
    if (!v128.any_true(above)) continue;
    for (let q = i; q < i + lanes; q++) {
      const w = <f64>load<T>(p + <usize>q * sizeof<T>());
      if (w > last) {
        insert(vals, idx, k, k, w, q);
        last = load<f64>(vals + (<usize>(k - 1) << 3));
      }
    }
  }
  for (; i < n; i++) {
    const w = <f64>load<T>(p + <usize>i * sizeof<T>());
    if (w > last) {
      insert(vals, idx, k, k, w, i);
      last = load<f64>(vals + (<usize>(k - 1) << 3));
    }
  }
}

/** key_i = s_i + bias_i (bias 0: none), −∞ where x_i is −∞; two entries per step. */
function keys(x: usize, s: usize, n: i32, bias: usize, key: usize): void {
  const negInf = f64x2.splat(-Infinity);
  for (let i = 0; i < n; i += 2) {
    if (i + 2 > n) {
      const v = load<f32>(x + (<usize>i << 2));
      const b = bias ? load<f64>(bias + (<usize>i << 3)) : 0;
      store<f64>(key + (<usize>i << 3), v == -Infinity ? -Infinity : <f64>load<f32>(s + (<usize>i << 2)) + b);
      break;
    }
    const v = f64x2.promote_low_f32x4(v128.load64_zero(x + (<usize>i << 2)));
    let k = f64x2.promote_low_f32x4(v128.load64_zero(s + (<usize>i << 2)));
    if (bias) k = f64x2.add(k, v128.load(bias + (<usize>i << 3)));
    v128.store(key + (<usize>i << 3), v128.bitselect(negInf, k, f64x2.eq(v, negInf)));
  }
}

/** DeepSeek-V3's group limit on the keys (see the module doc); gs, gv, gi: work. */
function limitGroups(key: usize, n: i32, groups: i32, top: i32, gs: usize, gv: usize, gi: usize): void {
  const size = n / groups;
  for (let g = 0; g < groups; g++) {
    const p = key + ((<usize>g * <usize>size) << 3);
    let a = -Infinity;
    let b = -Infinity;
    let i = 0;
    if (size >= 4) {
      // per lane its largest and second largest (the two largest of the group are among them)
      let la = f64x2.splat(-Infinity);
      let lb = la;
      for (; i + 2 <= size; i += 2) {
        const v = v128.load(p + (<usize>i << 3));
        lb = f64x2.max(lb, f64x2.min(la, v));
        la = f64x2.max(la, v);
      }
      // the two lanes' pairs merged: a ≥ b and c ≥ d
      a = f64x2.extract_lane(la, 0);
      b = f64x2.extract_lane(lb, 0);
      const c = f64x2.extract_lane(la, 1);
      const d = f64x2.extract_lane(lb, 1);
      if (c > a) {
        b = max<f64>(a, d);
        a = c;
      } else b = max<f64>(b, c);
    }
    for (; i < size; i++) {
      const v = load<f64>(p + (<usize>i << 3));
      if (v > a) {
        b = a;
        a = v;
      } else if (v > b) b = v;
    }
    store<f64>(gs + (<usize>g << 3), size == 1 ? a : a + b);
  }
  topK<f64>(gs, groups, top, gv, gi);
  // gs[g] becomes a kept mark: 1 for the kept groups, 0 for the others
  for (let g = 0; g < groups; g++) store<f64>(gs + (<usize>g << 3), 0);
  for (let j = 0; j < top; j++) store<f64>(gs + (<usize>load<i32>(gi + (<usize>j << 2)) << 3), 1);
  for (let g = 0; g < groups; g++) {
    if (load<f64>(gs + (<usize>g << 3)) != 0) continue;
    for (let i = g * size; i < (g + 1) * size; i++) store<f64>(key + (<usize>i << 3), -Infinity);
  }
}

/** Stable insertion sort of the k picked slots by score descending, ties by lower index. */
function orderByScore(idx: usize, picked: usize, k: i32): void {
  for (let j = 1; j < k; j++) {
    const v = load<f64>(picked + (<usize>j << 3));
    const e = load<i32>(idx + (<usize>j << 2));
    let q = j;
    while (q > 0) {
      const w = load<f64>(picked + (<usize>(q - 1) << 3));
      if (!(w < v || (w == v && load<i32>(idx + (<usize>(q - 1) << 2)) > e))) break;
      store<f64>(picked + (<usize>q << 3), w);
      store<i32>(idx + (<usize>q << 2), load<i32>(idx + (<usize>(q - 1) << 2)));
      q--;
    }
    store<f64>(picked + (<usize>q << 3), v);
    store<i32>(idx + (<usize>q << 2), e);
  }
}

/** Bytes of `work` route_f32 needs for rows of n experts in `groups` groups. */
export function routeWorkBytes(n: i32, groups: i32): i32 {
  return 8 * (n + 2 * groups + MAX_K) + 4 * (groups + MAX_K) + 64;
}

/**
 * The k ≤ 2 best scores of the row at so by the lane network (./top-k-lanes.ts; `two`:
 * 16 bytes of work) into io/po, in order; false (nothing written) when the k-th is 0
 * (flag 2).
 */
function select2(so: usize, n: i32, k: i32, two: usize, io: usize, po: usize, f: f64): bool {
  laneTop2(so, n, two, f);
  if (load<f32>(two + (<usize>(k - 1) << 2)) == 0) return false;
  for (let j = 0; j < k; j++) {
    store<i32>(io + (<usize>j << 2), load<i32>(two + (<usize>j << 2), 8));
    store<f64>(po + (<usize>j << 3), <f64>load<f32>(two + (<usize>j << 2)));
  }
  return true;
}

/**
 * The gate weights of a token's k picked scores: w_j = c·p_j/Σp (renormalized; 0 when
 * Σp = 0) or c·p_j, in double rounded once to float32 (top-k-gating.ts's formula).
 */
function gateWeights(po: usize, wo: usize, k: i32, renorm: bool, scale: f64): void {
  let f = scale;
  if (renorm) {
    let S: f64 = 0;
    for (let j = 0; j < k; j++) S += load<f64>(po + (<usize>j << 3));
    f = S == 0 ? 0 : scale / S;
  }
  for (let j = 0; j < k; j++) store<f32>(wo + (<usize>j << 2), <f32>(load<f64>(po + (<usize>j << 3)) * f));
}

/**
 * Route `rows` tokens (see the module doc): x the logits, s the scores (written), bias
 * (f64 [n]) or 0, groups/top (1/1: no group limit); indices [rows·k] and picked
 * [rows·k] written, and with `weights` ≠ 0 the gate weights [rows·k] (renormalized
 * when `renorm`, times `scale`); flags as the module doc says (rows flagged get
 * nothing). Returns the rows handed back.
 */
export function route_f32(
  x: usize, s: usize, rows: i32, n: i32, k: i32, sigmoid: bool, bias: usize, groups: i32,
  top: i32, indices: usize, picked: usize, weights: usize, renorm: bool, scale: f64,
  flags: usize, work: usize,
): i32 {
  const keyed = bias != 0 || groups > 1;
  const key = work;
  const vals = key + (<usize>n << 3);
  const gs = vals + (<usize>MAX_K << 3);
  const gv = gs + (<usize>groups << 3);
  const idx = gv + (<usize>groups << 3);
  const gi = idx + (<usize>MAX_K << 2);
  const batch = batchRows<f32>(n);
  // the softmax's scaling pass fused into the lane selection (rows the short-row kernel
  // takes keep softmax_f32)
  const lanes = !sigmoid && !keyed && k <= 2 && !short<f32>(n, THREE_PASS, 1);
  let bad = 0;
  for (let r0 = 0; r0 < rows; r0 += batch) {
    const b = min<i32>(batch, rows - r0);
    // softmax scores of the batch (the softmax kernel's, while the batch is in cache); for
    // the lane selection its three passes here, the last (the scaling) fused into the scan
    if (lanes) {
      batchMaxima<f32>(x, r0, b, n, flags);
      for (let q = 0; q < b; q++) {
        if (flagged(flags, r0 + q)) continue;
        const e = expSum<f32>(rowAt<f32>(x, r0 + q, n), rowAt<f32>(s, r0 + q, n), n, load<f64>(maxAt(q)), 1);
        store<f64>(argAt(q), 1 / e);
      }
    } else if (!sigmoid) softmax_f32(rowAt<f32>(x, r0, n), rowAt<f32>(s, r0, n), b, n, THREE_PASS, 1, false, flags + r0);
    for (let r = r0; r < r0 + b; r++) {
      const xo = rowAt<f32>(x, r, n);
      const so = rowAt<f32>(s, r, n);
      if (sigmoid) store<u8>(flags + r, sigmoidRow(xo, so, n) ? 1 : 0);
      if (load<u8>(flags + r)) {
        bad++;
        continue;
      }
      const io = indices + ((<usize>r * <usize>k) << 2);
      const po = picked + ((<usize>r * <usize>k) << 3);
      if (keyed) {
        keys(xo, so, n, bias, key);
        if (groups > 1) limitGroups(key, n, groups, top, gs, gv, gi);
        topK<f64>(key, n, k, vals, idx);
      } else if (k <= 2) {
        if (!select2(so, n, k, vals, io, po, lanes ? load<f64>(argAt(r - r0)) : 0)) {
          store<u8>(flags + r, 2);
          bad++;
          continue;
        }
      } else {
        topK<f32>(so, n, k, vals, idx);
        if (load<f64>(vals + (<usize>(k - 1) << 3)) == 0) {
          store<u8>(flags + r, 2);
          bad++;
          continue;
        }
      }
      if (keyed || k > 2) {
        for (let j = 0; j < k; j++) {
          const e = load<i32>(idx + (<usize>j << 2));
          store<i32>(io + (<usize>j << 2), e);
          store<f64>(po + (<usize>j << 3), <f64>load<f32>(so + (<usize>e << 2)));
        }
        orderByScore(io, po, k);
      }
      if (weights) gateWeights(po, weights + ((<usize>r * <usize>k) << 2), k, renorm, scale);
    }
  }
  return bad;
}
