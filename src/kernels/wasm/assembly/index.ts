/**
 * WebAssembly row kernels (AssemblyScript source; built by scripts/gen-wasm.mjs).
 *
 * Exports `<op>_f32` / `<op>_f64` over `rows` contiguous rows of length n at byte
 * addresses in the imported memory, mirroring the JS reference kernels in
 * ../js/softmax-rows.ts and ../js/cross-entropy-rows.ts (same math, same
 * algorithms, same non-finite policy). A row whose max is not finite (it holds
 * NaN or +∞, or is fully masked) is not computed here: its flag byte is set to 1
 * and the caller hands that row to the JS reference; each export returns the
 * number of such rows. Float64 'two-pass' is served by the JS kernel (not here).
 * Also the matrix-multiply micro-kernel `gemm` (./gemm.ts).
 */
import {
  exp32,
  exp32Scalar,
  exp64,
  exp64Scalar,
  expDiff32,
  expDiff32Scalar,
  LN2,
  LN2_HI,
  LN2_LO,
} from './exp';
import { log1p, log1p64, log1p64Scalar } from './log';
import {
  expScale32,
  expSum32,
  expSumBelow32,
  logOut32,
  lse32,
  maxCount,
  online32,
  rowMax32,
  rowMin32,
  scale32,
  sumLo,
  vjpDot32,
  vjpOut32,
} from './row-f32';
import { LogSoftmax, LogSumExp, SHORT_ROW, shortRows32, Softmax } from './short-rows-f32';
import { twoPass32, twoPassK, twoPassOut32 } from './two-pass-f32';
import {
  expScale64,
  expShift,
  expSum64,
  logOut64,
  online64,
  rowMax64,
  scale64,
  sumLo64,
  vjpDot64,
  vjpOut64,
} from './row-f64';

export { exp32Scalar, exp64Scalar, expDiff32Scalar, log1p64Scalar };
export { gemm, gemmWorkBytes } from './gemm';
export { setScratch } from './lanes-f32';
import { BATCH, BATCH_ROWS } from './lanes-f32';
export { flashHead, flashWorkBytes } from './attention';
export { flashDecode } from './attention-decode';
export { flashVjpHead, flashVjpWorkBytes } from './attention-vjp';
export { topK_f32, topK_f64 } from './top-k';

const THREE_PASS: i32 = 0;
const TWO_PASS: i32 = 1;
const ONLINE: i32 = 2;
/** The two-pass range reduction in double stays exact enough (≪ 1 f32 ulp) for |s·x| < 2^20. */
const TWO_PASS_LIMIT: f64 = 1048576;

/** Whether Float32 three-pass rows at s = 1 go four at a time (./short-rows-f32.ts). */
// @ts-ignore: decorator
@inline
function short<T>(n: i32, alg: i32, s: f64): bool {
  return sizeof<T>() == 4 && s == 1 && alg != TWO_PASS && alg != ONLINE && n <= SHORT_ROW;
}

// Dispatch on the element type at compile time (sizeof<T>() is a constant).
// @ts-ignore: decorator
@inline
function rowMax<T>(x: usize, n: i32): f64 {
  return sizeof<T>() == 4 ? <f64>rowMax32(x, n) : rowMax64(x, n);
}

/** Σ e^(s·(x − m)) and the e_i stored at y (plain sum for f32, compensated for f64). */
// @ts-ignore: decorator
@inline
function expSum<T>(x: usize, y: usize, n: i32, m: f64, s: f64): f64 {
  if (sizeof<T>() == 4) return expSum32(x, y, n, <f32>m, s);
  const hi = expSum64(x, y, n, m, s);
  return hi + sumLo64;
}

/** The low part of the last online sum. */
let lastLo: f64 = 0;

// @ts-ignore: decorator
@inline
function online<T>(x: usize, n: i32, s: f64, comp: bool): f64 {
  if (sizeof<T>() == 4) {
    const hi = online32(x, n, s, comp);
    lastLo = sumLo;
    return hi;
  }
  const hi = online64(x, n, s);
  lastLo = sumLo64;
  return hi;
}

// @ts-ignore: decorator
@inline
function expScale<T>(x: usize, y: usize, n: i32, m: f64, s: f64, f: f64): void {
  if (sizeof<T>() == 4) expScale32(x, y, n, <f32>m, s, f);
  else expScale64(x, y, n, m, s, f);
}

/** Whether the f32 two-pass split is exact enough for this row. */
function twoPassOk(x: usize, n: i32, m: f64, s: f64): bool {
  return m * s < TWO_PASS_LIMIT && -<f64>rowMin32(x, n) * s < TWO_PASS_LIMIT;
}

/** d = Σ e^(s·(x − max)) from the two-pass S·2^K: S·e^(K·ln 2 − s·max). */
function twoPassD(x: usize, n: i32, m: f64, s: f64): f64 {
  const S = twoPass32(x, n, s);
  const K = twoPassK;
  return S * Math.exp(K * LN2_HI - m * s + K * LN2_LO);
}

/**
 * Σ e^(s·(x − m)) by the chosen algorithm, and the e_i stored at e unless e = 0
 * (e_i relative to the true max m in every case).
 */
function normalizer<T>(x: usize, e: usize, n: i32, m: f64, s: f64, alg: i32): f64 {
  if (alg == ONLINE || (sizeof<T>() == 4 && alg == TWO_PASS && twoPassOk(x, n, m, s))) {
    const d = alg == ONLINE ? online<T>(x, n, s, false) + lastLo : twoPassD(x, n, m, s);
    if (e) expScale<T>(x, e, n, m, s, 1);
    return d;
  }
  return expSum<T>(x, e, n, m, s);
}

/**
 * u with log Σ e^(s·(x − m)) = log1p(u): Σ − 1 formed without cancellation. The online
 * sum is compensated against the true max; the Float32 three-pass sum leaves out the
 * max's own terms (Σ − 1 = (count − 1) + the rest), so log1p keeps a dominant row's
 * near-zero log-probabilities accurate; the two-pass sum is taken against 2^K, so when
 * one entry dominates (Σ < 2) it is recomputed against the max (as the JS reference
 * does). hi − 1 is exact for 1 ≤ hi ≤ 2^53.
 */
function logArg<T>(x: usize, n: i32, m: f64, s: f64, alg: i32): f64 {
  if (alg == ONLINE) return online<T>(x, n, s, true) - 1 + lastLo;
  if (sizeof<T>() == 4) {
    if (alg == TWO_PASS && twoPassOk(x, n, m, s)) {
      const d = twoPassD(x, n, m, s);
      if (d >= 2) return d - 1;
    }
    const below = expSumBelow32(x, 0, n, <f32>m, s);
    return <f64>(maxCount - 1) + below;
  }
  const hi = expSum64(x, 0, n, m, s);
  return hi - 1 + sumLo64;
}

/** Rows of a batch that fit in this many bytes stay in L1 between its passes. */
const BATCH_BYTES: usize = 16384;

/** Rows per batch: as many as fit in BATCH_BYTES, at most BATCH_ROWS, at least 1. */
// @ts-ignore: decorator
@inline
function batchRows<T>(n: i32): i32 {
  return <i32>max<usize>(1, min<usize>(BATCH_ROWS, BATCH_BYTES / (<usize>n * sizeof<T>())));
}

/** BATCH as log1p arguments u_q (then log Σ in place), and beside them the maxima m_q. */
// @ts-ignore: decorator
@inline
function argAt(q: i32): usize {
  return BATCH + (<usize>q << 3);
}

// @ts-ignore: decorator
@inline
function maxAt(q: i32): usize {
  return BATCH + (<usize>(BATCH_ROWS + q) << 3);
}

/** Beside them (cross-entropy): u = Σ − 1 (hiAt) and Σ = 1 + u (loAt). */
// @ts-ignore: decorator
@inline
function hiAt(q: i32): usize {
  return BATCH + (<usize>(2 * BATCH_ROWS + q) << 3);
}

// @ts-ignore: decorator
@inline
function loAt(q: i32): usize {
  return BATCH + (<usize>(3 * BATCH_ROWS + q) << 3);
}

/**
 * The maxima m_q of rows r0 … r0 + b − 1 into the batch (the first phase of the
 * three-pass and cross-entropy batches), flagging those not finite; returns how many.
 */
function batchMaxima<T>(x: usize, r0: i32, b: i32, n: i32, flags: usize): i32 {
  let bad = 0;
  for (let q = 0; q < b; q++) {
    const m = rowMax<T>(rowAt<T>(x, r0 + q, n), n);
    store<f64>(maxAt(q), m);
    bad += flag(flags, r0 + q, m);
  }
  return bad;
}

/**
 * Rows r0 … r0 + b − 1 (b ≤ BATCH_ROWS): each row's max m_q and log Σ_q into the batch
 * (log1p of the arguments two per f64x2: independent chains); returns how many are
 * flagged (their entries unused).
 */
function logBatch<T>(x: usize, r0: i32, b: i32, n: i32, alg: i32, s: f64, flags: usize): i32 {
  let bad = 0;
  for (let q = 0; q < b; q++) {
    const xo = rowAt<T>(x, r0 + q, n);
    const m = rowMax<T>(xo, n);
    store<f64>(maxAt(q), m);
    const f = flag(flags, r0 + q, m);
    bad += f;
    store<f64>(argAt(q), f ? 0 : logArg<T>(xo, n, m, s, alg));
  }
  for (let q = 0; q < b; q += 2) v128.store(argAt(q), log1p64(v128.load(argAt(q))));
  return bad;
}

// @ts-ignore: decorator
@inline
function rowAt<T>(p: usize, r: i32, n: i32): usize {
  return p + <usize>r * <usize>n * sizeof<T>();
}

/** Flag row r when its max is not finite (the JS reference takes it); returns 1 if flagged. */
// @ts-ignore: decorator
@inline
function flag(flags: usize, r: i32, m: f64): i32 {
  const bad = isFinite<f64>(m) ? 0 : 1;
  store<u8>(flags + r, <u8>bad);
  return bad;
}

function softmaxRows<T>(
  x: usize, y: usize, rows: i32, n: i32, alg: i32, s: f64, log: bool, flags: usize,
): i32 {
  if (log) return logSoftmaxRows<T>(x, y, rows, n, alg, s, flags);
  if (alg != TWO_PASS && alg != ONLINE) return threePassRows<T>(x, y, rows, n, s, flags);
  let bad = 0;
  for (let r = 0; r < rows; r++) {
    const xo = rowAt<T>(x, r, n);
    const yo = rowAt<T>(y, r, n);
    const m = rowMax<T>(xo, n);
    if (flag(flags, r, m)) {
      bad++;
      continue;
    }
    if (sizeof<T>() == 4 && alg == TWO_PASS && twoPassOk(xo, n, m, s)) {
      const S = twoPass32(xo, n, s);
      twoPassOut32(xo, yo, n, s, twoPassK, 1 / S);
    } else if (alg == ONLINE) {
      const d = online<T>(xo, n, s, false) + lastLo;
      expScale<T>(xo, yo, n, m, s, 1 / d);
    } else bad += threePassRows<T>(xo, yo, 1, n, s, flags + r);
  }
  return bad;
}

/**
 * Three-pass softmax by batches (batchRows), each pass over all the batch's rows
 * before the next: the maxima, the sums (e_i stored at y), the scaling by 1/Σ. A
 * row's exp pass then does not wait on the previous row's sum (3–4% on 128-wide rows).
 */
function threePassRows<T>(x: usize, y: usize, rows: i32, n: i32, s: f64, flags: usize): i32 {
  if (short<T>(n, THREE_PASS, s)) return shortRows32<Softmax>(x, y, rows, n, flags);
  const batch = batchRows<T>(n);
  let bad = 0;
  for (let r0 = 0; r0 < rows; r0 += batch) {
    const b = min<i32>(batch, rows - r0);
    bad += batchMaxima<T>(x, r0, b, n, flags);
    for (let q = 0; q < b; q++) {
      if (load<u8>(flags + r0 + q)) continue;
      const d = expSum<T>(rowAt<T>(x, r0 + q, n), rowAt<T>(y, r0 + q, n), n, load<f64>(maxAt(q)), s);
      store<f64>(argAt(q), 1 / d);
    }
    for (let q = 0; q < b; q++) {
      if (load<u8>(flags + r0 + q)) continue;
      const yo = rowAt<T>(y, r0 + q, n);
      if (sizeof<T>() == 4) scale32(yo, n, load<f64>(argAt(q)));
      else scale64(yo, n, load<f64>(argAt(q)));
    }
  }
  return bad;
}

/**
 * y = s·(x − m) − log Σ by batches of rows (batchRows): each row's max and log1p
 * argument, the batch's logs two rows per f64x2 (a scalar log1p per row is ~40 ns, as
 * much as a 16-wide row's other work), then the outputs.
 */
function logSoftmaxRows<T>(
  x: usize, y: usize, rows: i32, n: i32, alg: i32, s: f64, flags: usize,
): i32 {
  if (short<T>(n, alg, s)) return shortRows32<LogSoftmax>(x, y, rows, n, flags);
  const batch = batchRows<T>(n);
  let bad = 0;
  for (let r0 = 0; r0 < rows; r0 += batch) {
    const b = min<i32>(batch, rows - r0);
    bad += logBatch<T>(x, r0, b, n, alg, s, flags);
    for (let q = 0; q < b; q++) {
      if (load<u8>(flags + r0 + q)) continue;
      const xo = rowAt<T>(x, r0 + q, n);
      const yo = rowAt<T>(y, r0 + q, n);
      const m = load<f64>(maxAt(q));
      if (sizeof<T>() == 4) logOut32(xo, yo, n, <f32>m, s, load<f64>(argAt(q)));
      else logOut64(xo, yo, n, m, s, load<f64>(argAt(q)));
    }
  }
  return bad;
}

/** out_r = s·m_r + log Σ_r, by batches of BATCH_ROWS rows (their logs two per f64x2). */
function logSumExpRows<T>(
  x: usize, out: usize, rows: i32, n: i32, alg: i32, s: f64, flags: usize,
): i32 {
  if (short<T>(n, alg, s)) return shortRows32<LogSumExp>(x, out, rows, n, flags);
  let bad = 0;
  for (let r0 = 0; r0 < rows; r0 += BATCH_ROWS) {
    const b = min<i32>(BATCH_ROWS, rows - r0);
    bad += logBatch<T>(x, r0, b, n, alg, s, flags);
    for (let q = 0; q < b; q++) {
      if (load<u8>(flags + r0 + q)) continue;
      const m = load<f64>(maxAt(q));
      const L = load<f64>(argAt(q));
      if (sizeof<T>() == 4)
        store<f32>(out + (<usize>(r0 + q) << 2), <f32>lse32(rowAt<T>(x, r0 + q, n), n, m, s, L));
      else store<f64>(out + (<usize>(r0 + q) << 3), m * s + L);
    }
  }
  return bad;
}

function softmaxVjpRows<T>(
  x: usize, dy: usize, dx: usize, rows: i32, n: i32, alg: i32, s: f64, log: bool, flags: usize,
): i32 {
  let bad = 0;
  for (let r = 0; r < rows; r++) {
    const xo = rowAt<T>(x, r, n);
    const go = rowAt<T>(dy, r, n);
    const dxo = rowAt<T>(dx, r, n);
    const m = rowMax<T>(xo, n);
    if (flag(flags, r, m)) {
      bad++;
      continue;
    }
    const inv = 1 / normalizer<T>(xo, dxo, n, m, s, alg);
    if (sizeof<T>() == 4) {
      const g = vjpDot32(xo, dxo, go, n, log);
      vjpOut32(xo, go, dxo, n, inv, log ? g : g * inv, s, log);
    } else {
      const g = vjpDot64(xo, dxo, go, n, log);
      vjpOut64(xo, go, dxo, n, inv, log ? g : g * inv, s, log);
    }
  }
  return bad;
}

// @ts-ignore: decorator
@inline
function loadT<T>(p: usize, i: i32): f64 {
  return sizeof<T>() == 4 ? <f64>load<f32>(p + (<usize>i << 2)) : load<f64>(p + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline
function storeT<T>(p: usize, i: i32, v: f64): void {
  if (sizeof<T>() == 4) store<f32>(p + (<usize>i << 2), <f32>v);
  else store<f64>(p + (<usize>i << 3), v);
}

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
    const e = expDiff(loadT<T>(x, i), m);
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

/** e^(a − b) with a − b exact (scalar; b finite). */
function expDiff(a: f64, b: f64): f64 {
  const h = a - b;
  const t = h - a;
  const l = a - (h - t) + (-b - t);
  const e = Math.exp(h);
  return isNaN(l) ? e : e + e * l;
}

/**
 * Cross-entropy rows (see ../js/cross-entropy-rows.ts) by batches (batchRows). Per
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
      if (load<u8>(flags + r)) continue;
      const t = load<i32>(targets + (<usize>r << 2));
      const go = grad ? rowAt<T>(grad, r, n) : 0;
      const keep = go != 0 && t >= 0 && smoothing == 0 ? go : 0;
      if (sizeof<T>() == 4) {
        const below = expSumBelow32(xo, keep, n, <f32>m, 1);
        store<f64>(argAt(q), <f64>(maxCount - 1) + below);
      } else {
        const hi = expSum64(xo, keep, n, m, 1);
        store<f64>(argAt(q), hi - 1 + sumLo64);
      }
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
      if (load<u8>(flags + r)) continue;
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
        const rest = sizeof<T>() == 8 && xt == m ? u : dd - expDiff(xt, m);
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

export function softmax_f32(
  x: usize, y: usize, rows: i32, n: i32, alg: i32, s: f64, log: bool, flags: usize,
): i32 {
  return softmaxRows<f32>(x, y, rows, n, alg, s, log, flags);
}

export function softmax_f64(
  x: usize, y: usize, rows: i32, n: i32, alg: i32, s: f64, log: bool, flags: usize,
): i32 {
  return softmaxRows<f64>(x, y, rows, n, alg, s, log, flags);
}

export function logSumExp_f32(
  x: usize, out: usize, rows: i32, n: i32, alg: i32, s: f64, flags: usize,
): i32 {
  return logSumExpRows<f32>(x, out, rows, n, alg, s, flags);
}

export function logSumExp_f64(
  x: usize, out: usize, rows: i32, n: i32, alg: i32, s: f64, flags: usize,
): i32 {
  return logSumExpRows<f64>(x, out, rows, n, alg, s, flags);
}

export function softmaxVjp_f32(
  x: usize, dy: usize, dx: usize, rows: i32, n: i32, alg: i32, s: f64, log: bool, flags: usize,
): i32 {
  return softmaxVjpRows<f32>(x, dy, dx, rows, n, alg, s, log, flags);
}

export function softmaxVjp_f64(
  x: usize, dy: usize, dx: usize, rows: i32, n: i32, alg: i32, s: f64, log: bool, flags: usize,
): i32 {
  return softmaxVjpRows<f64>(x, dy, dx, rows, n, alg, s, log, flags);
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

/**
 * Linear cross-entropy's logit tiles (Float64, ../js/softmax-rows.ts splitStateRows is the
 * reference): per row r, m[r] = its max and u[r] = Σ e^(x − m) − 1 (x − m exact, the sum
 * compensated, so log d = log1p(u) keeps a dominant entry's tiny log d); u[r] = NaN where
 * the max is not finite (the caller takes such rows).
 */
export function splitStates_f64(x: usize, rows: i32, n: i32, m: usize, u: usize): void {
  for (let r = 0; r < rows; r++) {
    const xo = rowAt<f64>(x, r, n);
    const mx = rowMax64(xo, n);
    store<f64>(m + (<usize>r << 3), mx);
    store<f64>(u + (<usize>r << 3), isFinite<f64>(mx) ? expSum64(xo, 0, n, mx, 1) - 1 + sumLo64 : NaN);
  }
}

/** y_rj = e^(x_rj − m_r)·f_r over `rows` Float64 rows (x − m exact; y may be x). */
export function expScaleRows_f64(x: usize, y: usize, rows: i32, n: i32, m: usize, f: usize): void {
  for (let r = 0; r < rows; r++)
    expScale64(rowAt<f64>(x, r, n), rowAt<f64>(y, r, n), n, load<f64>(m + (<usize>r << 3)), 1, load<f64>(f + (<usize>r << 3)));
}

/** y_i = exp32(x_i) for f32 x_i ≤ 0 (SIMD, for the exp accuracy test). */
export function exp_f32(x: usize, y: usize, n: i32): void {
  for (let i = 0; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
    v128.store(y + (<usize>i << 2), exp32(lo, hi));
  }
}

/** y_i = expDiff32(x_i, m) (SIMD, for the exp accuracy test). */
export function expDiff_f32(x: usize, y: usize, n: i32, m: f32): void {
  for (let i = 0; i + 4 <= n; i += 4)
    v128.store(
      y + (<usize>i << 2),
      expDiff32(v128.load(x + (<usize>i << 2)), f32x4.splat(m), f32x4.splat(-m)),
    );
}

/** y_i = exp64(x_i) for x_i ≤ 0 (SIMD, for the exp accuracy test). */
export function exp_f64(x: usize, y: usize, n: i32): void {
  for (let i = 0; i + 2 <= n; i += 2)
    v128.store(y + (<usize>i << 3), exp64(v128.load(x + (<usize>i << 3)), f64x2.splat(0)));
}

/** y_i = log1p64(x_i) for x_i > −1 (SIMD, for the log1p accuracy test). */
export function log1p_f64(x: usize, y: usize, n: i32): void {
  for (let i = 0; i + 2 <= n; i += 2)
    v128.store(y + (<usize>i << 3), log1p64(v128.load(x + (<usize>i << 3))));
}
