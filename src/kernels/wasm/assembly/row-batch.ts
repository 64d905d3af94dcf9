/**
 * Batches of rows: the passes of the three-pass, log-softmax, logSumExp and cross-entropy
 * rows run over a batch of rows (as many as fit in L1) one phase at a time, so a row's
 * exp pass does not wait on the previous row's sum and the batch's log1p goes two rows
 * per f64x2. Each batch keeps its per-row doubles in the instance's BATCH scratch
 * (./lanes-f32.ts): the log1p arguments (then log Σ) at argAt, the maxima at maxAt,
 * and, for cross-entropy, u = Σ − 1 at hiAt and Σ at loAt. A row whose max is not finite
 * is flagged (a byte per row; the JS reference takes it) and skipped by the later phases.
 */
import { BATCH, BATCH_ROWS } from './lanes-f32';
import { log1p64 } from './log';
import { logArg, rowAt, rowMax } from './row-dispatch';

/** Rows of a batch that fit in this many bytes stay in L1 between its passes. */
const BATCH_BYTES: usize = 16384;

/** Rows per batch: as many as fit in BATCH_BYTES, at most BATCH_ROWS, at least 1. */
// @ts-ignore: decorator
@inline
export function batchRows<T>(n: i32): i32 {
  return <i32>max<usize>(1, min<usize>(BATCH_ROWS, BATCH_BYTES / (<usize>n * sizeof<T>())));
}

/** Batch row q's log1p argument u_q (then log Σ in place). */
// @ts-ignore: decorator
@inline
export function argAt(q: i32): usize {
  return BATCH + (<usize>q << 3);
}

/** Batch row q's max m_q. */
// @ts-ignore: decorator
@inline
export function maxAt(q: i32): usize {
  return BATCH + (<usize>(BATCH_ROWS + q) << 3);
}

/** Batch row q's u = Σ − 1 (cross-entropy). */
// @ts-ignore: decorator
@inline
export function hiAt(q: i32): usize {
  return BATCH + (<usize>(2 * BATCH_ROWS + q) << 3);
}

/** Batch row q's Σ = 1 + u (cross-entropy). */
// @ts-ignore: decorator
@inline
export function loAt(q: i32): usize {
  return BATCH + (<usize>(3 * BATCH_ROWS + q) << 3);
}

/** Flag row r when its max is not finite (the JS reference takes it); returns 1 if flagged. */
// @ts-ignore: decorator
@inline
export function flag(flags: usize, r: i32, m: f64): i32 {
  const bad = isFinite<f64>(m) ? 0 : 1;
  store<u8>(flags + r, <u8>bad);
  return bad;
}

/** Whether row r is flagged. */
// @ts-ignore: decorator
@inline
export function flagged(flags: usize, r: i32): bool {
  return load<u8>(flags + r) != 0;
}

/**
 * The maxima m_q of rows r0 … r0 + b − 1 into the batch (the first phase of the
 * three-pass and cross-entropy batches), flagging those not finite; returns how many.
 */
export function batchMaxima<T>(x: usize, r0: i32, b: i32, n: i32, flags: usize): i32 {
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
export function logBatch<T>(x: usize, r0: i32, b: i32, n: i32, alg: i32, s: f64, flags: usize): i32 {
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
