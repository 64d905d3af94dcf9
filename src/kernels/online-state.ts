/**
 * The online normalizer's state, written once (Milakov & Gimelshein 2018,
 * arXiv:1805.02867): a row summarized as (m, d) with d = Σ e^(x_i − m), so
 * logsumexp = m + log d. Three operations, used by the softmax kernels
 * (js/softmax-rows.ts), the flash-attention tiles and their merges
 * (attention-state.ts), linear cross-entropy's chunks (split states) and the
 * thread pool's key shards (wasm/attention.ts merges them with attention-state.ts):
 *
 * - value: {@link logSumExpFromState} = m + log d;
 * - merge: (m, d) ⊕ (m′, d′) = (M, d·e^(m − M) + d′·e^(m′ − M)), M = max(m, m′),
 *   exact in any order and grouping up to one rounding per factor;
 * - fold: add a value or a tile to a running sum — move its reference to a new
 *   max (scale (sum, comp) by {@link rescaleFactor}) and add the terms with
 *   Neumaier compensation ({@link foldRow}).
 *
 * Stability: every factor is e^(m − M) ≤ 1 with m − M taken exactly (expDiff,
 * js/exact.ts), so nothing overflows and each factor is rounded once.
 * `m` is the row's maximum (−∞ for an empty or fully masked row, +∞ when the row
 * holds +∞, NaN when it holds NaN).
 */
import type { FloatArray } from '../tensor/types.js';
import { addCompensated, type CompensatedSum, expDiff, expScaledDiff } from './js/exact.js';
import { newRowScan, scanRow } from './js/row-policy.js';

/** A row's online state: its max m and d = Σ e^(x_i − m). */
export interface LogSumExpState {
  readonly m: number;
  readonly d: number;
}

/** The state of an empty row: the identity of {@link mergeLogSumExpStates}. */
export const EMPTY_LSE_STATE: LogSumExpState = Object.freeze({ m: -Infinity, d: 0 });

/**
 * The factor e^(m − M) that moves a sum taken against reference m to a reference
 * M ≥ m: 1 when m = M, 0 when m = −∞ (an empty side), else expDiff's e^(m − M) with
 * the difference exact (< 1 ulp, Math.exp's own rounding); 0 for a finite m and M = +∞.
 */
export function rescaleFactor(m: number, M: number): number {
  return m === M ? 1 : m === -Infinity ? 0 : expDiff(m, M);
}

/**
 * Merge two online-normalizer states exactly (up to one rounding of each
 * rescale factor e^(m − M), computed with an exact difference).
 * An empty side (m = −∞) returns the other; NaN propagates; +∞ dominates.
 *
 * @example
 * const left = logSumExpState([1, 2]), right = logSumExpState([3]);
 * logSumExpFromState(mergeLogSumExpStates(left, right)); // logsumexp([1, 2, 3])
 */
export function mergeLogSumExpStates(a: LogSumExpState, b: LogSumExpState): LogSumExpState {
  if (Number.isNaN(a.m) || Number.isNaN(b.m)) return { m: Number.NaN, d: Number.NaN };
  if (a.m === -Infinity) return b;
  if (b.m === -Infinity) return a;
  // +∞ needs no branch: a finite side's factor is expDiff(m, +∞) = 0 and two +∞ sides' is 1,
  // so +∞ dominates and the +∞ sides' counts add.
  return a.m >= b.m
    ? { m: a.m, d: a.d + b.d * rescaleFactor(b.m, a.m) }
    : { m: b.m, d: b.d + a.d * rescaleFactor(a.m, b.m) };
}

/**
 * log Σ e^(x_i) from a state: m + log d, accurate to ~2^−52·max(1, |result|)
 * (d is rounded once per merge; the row kernels, which keep d's compensation,
 * are accurate relative to the result). −∞ for an empty or fully masked row,
 * +∞ when the row holds +∞, NaN when it holds NaN.
 */
export function logSumExpFromState(s: LogSumExpState): number {
  // no branch for the special states: −∞ + log 0, +∞ + log c and NaN + … are the max itself
  return s.m + Math.log(s.d);
}

/**
 * A finite row's Σ e^(x_i − m) split as c + b: c entries equal to the max m, b the sum over
 * the others. d = c + b, and log d = log1p((c − 1) + b) keeps a dominant entry's tiny log d,
 * which d held in one double loses to the rounding of 1 + b (the cross-entropy kernels'
 * "sum below the max"). Merges as the online state does: (c, b) at the smaller max become
 * rest, rescaled once.
 */
export interface SplitSumState {
  readonly m: number;
  readonly c: number;
  readonly b: number;
}

/** The split state of an empty or fully masked row: the identity of {@link mergeSplitStates}. */
export const EMPTY_SPLIT_STATE: SplitSumState = Object.freeze({ m: -Infinity, c: 0, b: 0 });

/** Merge two split states (finite maxima, or empty). */
export function mergeSplitStates(a: SplitSumState, b: SplitSumState): SplitSumState {
  if (a.m === b.m) return { m: a.m, c: a.c + b.c, b: a.b + b.b };
  const [hi, lo] = a.m > b.m ? [a, b] : [b, a];
  if (lo.m === -Infinity) return hi;
  return { m: hi.m, c: hi.c, b: hi.b + (lo.c + lo.b) * rescaleFactor(lo.m, hi.m) };
}

/** The largest entry of x[o, o + n) (−∞ when empty); NaN if any is NaN. */
export function rowMax(x: ArrayLike<number>, o: number, n: number): number {
  let m = -Infinity;
  for (let i = o; i < o + n; i++) {
    const v = x[i]!;
    if (v > m) m = v;
    else if (Number.isNaN(v)) return v;
  }
  return m;
}

/** A running fold: Σ_i e^(s·(x_i − ref)) = sum + comp against a finite reference ref. */
export interface OnlineSum extends CompensatedSum {
  /** The reference the terms are taken against. */
  ref: number;
}

/** How far the fold's reference may lag the true max (natural-log units): e^64 cannot overflow. */
export const ONLINE_LAG = 64;

/**
 * Fold the finite and −∞ entries of x[o, o + n) (scaled by s > 0) into an empty sum in
 * one pass. The reference lags the max by up to 64/s, so the sum is rescaled only when a
 * new value would make a term exceed e^64, and rescaling errors stay below 2^−92 of the
 * sum instead of growing with n. acc.ref is left at the last reference (−∞ for a fully
 * masked row); terms are e^(s·(x − ref)) with x − ref exact.
 */
export function foldRow(
  x: ArrayLike<number>,
  o: number,
  n: number,
  s: number,
  acc: OnlineSum,
): void {
  let ref = -Infinity;
  let lagLimit = -Infinity;
  acc.sum = 0;
  acc.comp = 0;
  for (let i = o; i < o + n; i++) {
    const v = x[i]!;
    if (v === -Infinity) continue;
    if (v > lagLimit) {
      if (ref !== -Infinity) {
        // move the reference to v, scaling (sum, comp) by e^(s·(old ref − v))
        const f = s === 1 ? expDiff(ref, v) : expScaledDiff(ref, v, s);
        acc.sum *= f;
        acc.comp *= f;
      }
      ref = v;
      lagLimit = v + ONLINE_LAG / s;
    }
    addCompensated(acc, s === 1 ? expDiff(v, ref) : expScaledDiff(v, ref, s));
  }
  acc.ref = ref;
}

/**
 * The online state (m, d) of one row with m = the row's max:
 * d = Σ e^(x_i − m), computed in one pass (online algorithm) and rescaled
 * once at the end from the lagging reference to the true max.
 */
export function lseStateOfRow(x: FloatArray, o: number, n: number): LogSumExpState {
  const acc: OnlineSum = { ref: 0, sum: 0, comp: 0 };
  const scan = newRowScan();
  const kind = scanRow(x, o, n, scan);
  if (kind === 'nan') return { m: Number.NaN, d: Number.NaN };
  if (kind === 'posInf') return { m: Infinity, d: scan.posInf };
  foldRow(x, o, n, 1, acc); // a masked row: ref = max = −∞ and sum 0, so (−∞, 0)
  return { m: scan.max, d: (acc.sum + acc.comp) * rescaleFactor(acc.ref, scan.max) };
}

/**
 * A row's split sum ({@link SplitSumState}): the max m, the count c of entries equal
 * to it and b = Σ e^(x_i − m) over the others (x − m exact, Neumaier-compensated); m = −∞,
 * c = b = 0 for a fully masked row; null for a row holding NaN or +∞.
 */
export function splitStateOfRow(x: FloatArray, o: number, n: number): SplitSumState | null {
  const m = rowMax(x, o, n);
  if (Number.isNaN(m) || m === Infinity) return null;
  if (m === -Infinity) return { m, c: 0, b: 0 };
  let c = 0;
  const acc: CompensatedSum = { sum: 0, comp: 0 };
  for (let j = o; j < o + n; j++) {
    const v = x[j]!;
    if (v === m) c++;
    else addCompensated(acc, expDiff(v, m));
  }
  return { m, c, b: acc.sum + acc.comp };
}
