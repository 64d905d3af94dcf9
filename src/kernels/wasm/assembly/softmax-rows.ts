/**
 * Softmax, log-softmax, logSumExp and the softmax vjp over `rows` contiguous rows of
 * length n, Float32 and Float64: the WebAssembly twins of ../js/softmax-rows.ts (same
 * math, same algorithms, same non-finite policy). A row whose max is not finite (it
 * holds NaN or +∞, or is fully masked) is not computed here: its flag byte is set to 1
 * and the caller hands that row to the JS reference; each export returns the number of
 * such rows. Float64 'two-pass' is served by the JS kernel (not here).
 */
import { logOut32, lse32, scale32, vjpDot32, vjpOut32 } from './row-f32';
import { logOut64, scale64, vjpDot64, vjpOut64 } from './row-f64';
import { argAt, batchMaxima, batchRows, flag, flagged, logBatch, maxAt } from './row-batch';
import {
  expScale,
  expSum,
  normalizer,
  ONLINE,
  onlineMinus,
  rowAt,
  rowMax,
  short,
  THREE_PASS,
  TWO_PASS,
  twoPassOk,
} from './row-dispatch';
import { BATCH_ROWS } from './lanes-f32';
import { twoPassK } from './second-results';
import { LogSoftmax, LogSumExp, shortRows32, Softmax } from './short-rows-f32';
import { twoPass32, twoPassOut32 } from './two-pass-f32';

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
      twoPassOut32(xo, yo, n, s, twoPassK(), 1 / S);
    } else if (alg == ONLINE) {
      const d = onlineMinus<T>(xo, n, s, false, 0);
      expScale<T>(xo, yo, n, m, s, 1 / d);
    } else bad += threePassRows<T>(xo, yo, 1, n, s, flags + r);
  }
  return bad;
}

/**
 * Three-pass softmax by batches (./row-batch.ts), each pass over all the batch's rows
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
      if (flagged(flags, r0 + q)) continue;
      const d = expSum<T>(rowAt<T>(x, r0 + q, n), rowAt<T>(y, r0 + q, n), n, load<f64>(maxAt(q)), s);
      store<f64>(argAt(q), 1 / d);
    }
    for (let q = 0; q < b; q++) {
      if (flagged(flags, r0 + q)) continue;
      const yo = rowAt<T>(y, r0 + q, n);
      if (sizeof<T>() == 4) scale32(yo, n, load<f64>(argAt(q)));
      else scale64(yo, n, load<f64>(argAt(q)));
    }
  }
  return bad;
}

/**
 * y = s·(x − m) − log Σ by batches of rows (./row-batch.ts): each row's max and log1p
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
      if (flagged(flags, r0 + q)) continue;
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
      if (flagged(flags, r0 + q)) continue;
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
