/**
 * Cross-entropy rows, loss, logSumExp and gradient together, Float32 and Float64: the
 * WebAssembly twin of ../js/cross-entropy-rows.ts (same math, same non-finite policy:
 * a row whose max is not finite is flagged and left to the JS reference; each export
 * returns how many). Targets q_j = (1 − ε)·w_t·[j = t] + (ε/n)·w_j; loss = Σ q_j (lse − x_j);
 * grad = scale·((Σ q)·softmax − q). Error: the Float64 rows agree with the reference to
 * ≤ 1e−14 relative; the Float32 loss and lse carry the f32 exps' error (~1e−7 relative).
 */
import { exp64, expDiffScalar } from './exp';
import { log1p64 } from './log';
import { argAt, batchMaxima, batchRows, flagged, hiAt, loAt, maxAt } from './row-batch';
import { belowArg32, loadT, rowAt, storeT } from './row-dispatch';
import { lse32, scale32 } from './row-f32';
import { expShift, expSum64, scale64 } from './row-f64';
import { sumLow } from './second-results';

/**
 * A smoothed target's loss terms Σ_j w_j·((m − x_j) + log Σ) (w_j = 1 without class
 * weights): each term ≥ 0, no cancellation; a class of weight 0 adds nothing, even at
 * x_j = −∞ (where 0·∞ would be NaN). Two f64x2 accumulators.
 */
function smoothedLoss<T>(x: usize, n: i32, m: f64, logD: f64, w: usize): f64 {
  const mm = f64x2.splat(m);
  const lg = f64x2.splat(logD);
  const zero = f64x2.splat(0);
  let acc = zero;
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const v =
      sizeof<T>() == 4
        ? f64x2.promote_low_f32x4(v128.load64_zero(x + (<usize>i << 2)))
        : v128.load(x + (<usize>i << 3));
    const d = f64x2.add(f64x2.sub(mm, v), lg);
    if (w) {
      const wj = v128.load(w + (<usize>i << 3));
      acc = f64x2.add(acc, v128.andnot(f64x2.mul(wj, d), f64x2.eq(wj, zero)));
    } else acc = f64x2.add(acc, d);
  }
  let l = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (i < n) {
    const wj = w ? load<f64>(w + (<usize>i << 3)) : 1;
    if (wj != 0) l += wj * (m - loadT<T>(x, i) + logD);
  }
  return l;
}

/**
 * A smoothed target's gradient row, the one-hot entry aside: g_j = a·e^(x_j − m) − b·w_j
 * (w_j = 1 without class weights), two entries per f64x2. Where p_j ≈ ε/n the two terms
 * cancel, so e is taken in double (exp64, x − m exact) and g rounded once, as the JS
 * reference does; returns Σ_j e^(x_j − m) in double (error ~n·2^−53, against the f32
 * sum's 2^−23, which a = scale·Σq/Σ carries into every cancelling entry: smoothedRescale
 * puts it right).
 */
function smoothedGrad<T>(x: usize, g: usize, n: i32, m: f64, a: f64, b: f64, w: usize): f64 {
  const mm = f64x2.splat(m);
  const aa = f64x2.splat(a);
  const bb = f64x2.splat(b);
  const one = f64x2.splat(1);
  let acc = f64x2.splat(0);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const e =
      sizeof<T>() == 4
        ? exp64(f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(x + (<usize>i << 2))), mm), f64x2.splat(0))
        : expShift(v128.load(x + (<usize>i << 3)), mm, one);
    acc = f64x2.add(acc, e);
    const gv = f64x2.sub(f64x2.mul(aa, e), f64x2.mul(bb, w ? v128.load(w + (<usize>i << 3)) : one));
    if (sizeof<T>() == 4) {
      const r = f32x4.demote_f64x2_zero(gv);
      store<f32>(g + (<usize>i << 2), f32x4.extract_lane(r, 0));
      store<f32>(g + (<usize>i << 2), f32x4.extract_lane(r, 1), 4);
    } else v128.store(g + (<usize>i << 3), gv);
  }
  let sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (i < n) {
    const e = expDiffScalar(loadT<T>(x, i), m);
    sum += e;
    storeT<T>(g, i, a * e - b * (w ? load<f64>(w + (<usize>i << 3)) : 1));
  }
  return sum;
}

/**
 * g_j += (g_j + b·w_j)·η: the entries of smoothedGrad taken with a·(1 + η) instead of a
 * (η = Σ_f32 / Σ_double − 1 ~ 2^−23, so the correction's own error is ~2^−47 of a term).
 */
function smoothedRescale<T>(g: usize, n: i32, b: f64, w: usize, eta: f64): void {
  const bb = f64x2.splat(b);
  const ee = f64x2.splat(eta);
  const one = f64x2.splat(1);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const p = g + <usize>i * sizeof<T>();
    const v = sizeof<T>() == 4 ? f64x2.promote_low_f32x4(v128.load64_zero(p)) : v128.load(p);
    const bw = f64x2.mul(bb, w ? v128.load(w + (<usize>i << 3)) : one);
    const u = f64x2.add(v, f64x2.mul(f64x2.add(v, bw), ee));
    if (sizeof<T>() == 4) {
      const r = f32x4.demote_f64x2_zero(u);
      store<f32>(p, f32x4.extract_lane(r, 0));
      store<f32>(p, f32x4.extract_lane(r, 1), 4);
    } else v128.store(p, u);
  }
  if (i < n) {
    const v = loadT<T>(g, i);
    storeT<T>(g, i, v + (v + b * (w ? load<f64>(w + (<usize>i << 3)) : 1)) * eta);
  }
}

/**
 * Cross-entropy rows (see ../js/cross-entropy-rows.ts) by batches (./row-batch.ts). Per
 * batch, each phase over all its rows: the maxima; the e_j = e^(x_j − max) summed (and
 * stored in the gradient row for one-hot targets); the batch's log Σ (log1p of u =
 * Σ − 1, summed without the max's own terms in Float32, compensated in Float64) two
 * rows per f64x2: one at a time it was ~40 ns of latency per row. Then per row:
 * lse = max + log Σ; loss = Σ q_j ((max − x_j) + log Σ); grad = scale·((Σ q)·p − q),
 * the p·(Σq)·scale part vectorized, the target's entry from 1 − p_t = Σ_{j≠t} e_j / Σ
 * (no cancellation when p_t → 1) and the smoothing terms in double.
 * w = 0 means no class weights; grad = 0 means no gradient.
 */
function crossEntropyRows<T>(
  x: usize, targets: usize, rows: i32, n: i32, smoothing: f64, w: usize, scale: usize,
  loss: usize, lse: usize, grad: usize, flags: usize,
): i32 {
  let bad = 0;
  const spread = smoothing / n;
  // Σ_j q_j = hot + spread·Σ_j w_j
  let wSum: f64 = n;
  if (w) {
    wSum = 0;
    for (let j = 0; j < n; j++) wSum += load<f64>(w + (<usize>j << 3));
  }
  const spreadSum = spread * wSum;
  const batch = batchRows<T>(n);
  for (let r0 = 0; r0 < rows; r0 += batch) {
    const b = min<i32>(batch, rows - r0);
    bad += batchMaxima<T>(x, r0, b, n, flags);
    // each row: Σ e (the e_i into the gradient row for one-hot targets), log1p's
    // argument, the target's x_t − m exactly
    for (let q = 0; q < b; q++) {
      const r = r0 + q;
      const xo = rowAt<T>(x, r, n);
      const m = load<f64>(maxAt(q));
      store<f64>(argAt(q), 0);
      if (flagged(flags, r)) continue;
      const t = load<i32>(targets + (<usize>r << 2));
      const go = grad ? rowAt<T>(grad, r, n) : 0;
      const keep = go != 0 && t >= 0 && smoothing == 0 ? go : 0;
      if (sizeof<T>() == 4) store<f64>(argAt(q), belowArg32(xo, keep, n, m, 1));
      else store<f64>(argAt(q), expSum64(xo, keep, n, m, 1) - 1 + sumLow());
    }
    // the batch's u (at hiAt), Σ = 1 + u (at loAt) and log Σ (at argAt), two rows per f64x2
    for (let q = 0; q < b; q += 2) {
      const u = v128.load(argAt(q));
      v128.store(hiAt(q), u);
      v128.store(loAt(q), f64x2.add(u, f64x2.splat(1)));
      v128.store(argAt(q), log1p64(u));
    }
    for (let q = 0; q < b; q++) {
      const r = r0 + q;
      if (flagged(flags, r)) continue;
      const xo = rowAt<T>(x, r, n);
      const m = load<f64>(maxAt(q));
      const logD = load<f64>(argAt(q));
      store<f64>(lse + (<usize>r << 3), sizeof<T>() == 4 ? lse32(xo, n, m, 1, logD) : m + logD);
      const t = load<i32>(targets + (<usize>r << 2));
      const go = grad ? rowAt<T>(grad, r, n) : 0;
      if (t < 0) {
        store<f64>(loss + (<usize>r << 3), 0);
        if (go) memory.fill(go, 0, <usize>n * sizeof<T>());
        continue;
      }
      const hot = (1 - smoothing) * (w ? load<f64>(w + (<usize>t << 3)) : 1);
      // lse − x_j as (m − x_j) + log d: two terms ≥ 0, no cancellation when p_t → 1
      let l = hot * (m - loadT<T>(xo, t) + logD);
      const qSum = hot + spreadSum;
      if (spread > 0) l += spread * smoothedLoss<T>(xo, n, m, logD, w);
      store<f64>(loss + (<usize>r << 3), l);
      if (!go) continue;
      const sc = load<f64>(scale + (<usize>r << 3));
      const u = load<f64>(hiAt(q));
      const d = load<f64>(loAt(q));
      const xt = loadT<T>(xo, t);
      // the target's entry (Σq)·p_t − q_t = spread·(W − w_t) − (Σq)·(1 − p_t), with
      // 1 − p_t = rest/Σ and rest = Σ_{j≠t} e_j: u when t is at the max, Σ − e_t ≥ Σ/2
      // otherwise; no cancellation when p_t → 1
      const wt = w ? load<f64>(w + (<usize>t << 3)) : 1;
      const qt = sc * (spreadSum - spread * wt);
      if (spread > 0) {
        // Float32: Σ again in double (the f32 one's 2^−23 would show in entries near 0)
        const b = sc * spread;
        const dx = smoothedGrad<T>(xo, go, n, m, (sc * qSum) / d, b, w);
        if (sizeof<T>() == 4) smoothedRescale<T>(go, n, b, w, d / dx - 1);
        const dd = sizeof<T>() == 4 ? dx : d;
        // Float32's double Σ − e_t loses ~n·2^−53 as p_t → 1, where qt dominates the entry
        const rest = sizeof<T>() == 8 && xt == m ? u : dd - expDiffScalar(xt, m);
        storeT<T>(go, t, qt - sc * qSum * (rest / dd));
        continue;
      }
      // the e_j stored by the sum pass (e_t read first), scaled by hot·scale/d
      const rest = xt == m ? u : d - loadT<T>(go, t);
      if (sizeof<T>() == 4) scale32(go, n, (sc * hot) / d);
      else scale64(go, n, (sc * hot) / d);
      storeT<T>(go, t, qt - sc * qSum * (rest / d));
    }
  }
  return bad;
}

export function crossEntropy_f32(
  x: usize, targets: usize, rows: i32, n: i32, smoothing: f64, w: usize, scale: usize,
  loss: usize, lse: usize, grad: usize, flags: usize,
): i32 {
  return crossEntropyRows<f32>(x, targets, rows, n, smoothing, w, scale, loss, lse, grad, flags);
}

export function crossEntropy_f64(
  x: usize, targets: usize, rows: i32, n: i32, smoothing: f64, w: usize, scale: usize,
  loss: usize, lse: usize, grad: usize, flags: usize,
): i32 {
  return crossEntropyRows<f64>(x, targets, rows, n, smoothing, w, scale, loss, lse, grad, flags);
}
