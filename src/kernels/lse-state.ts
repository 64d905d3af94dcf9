import { expDiff } from './js/exact.js';

/**
 * The online normalizer's state (Milakov & Gimelshein 2018, arXiv:1805.02867):
 * a row summarized as (m, d) with d = Σ e^(x_i − m), so logsumexp = m + log d.
 * `m` is the row's maximum (−∞ for an empty or fully masked row, +∞ when the
 * row holds +∞, NaN when it holds NaN). States of two parts of a row merge
 * exactly, in any order and grouping:
 *   (m, d) ⊕ (m′, d′) = (M, d·e^(m − M) + d′·e^(m′ − M)),  M = max(m, m′).
 */
export interface LogSumExpState {
  readonly m: number;
  readonly d: number;
}

/** The state of an empty row: the identity of {@link mergeLogSumExpStates}. */
export const EMPTY_LSE_STATE: LogSumExpState = Object.freeze({ m: -Infinity, d: 0 });

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
  if (a.m === Infinity || b.m === Infinity)
    return { m: Infinity, d: (a.m === Infinity ? a.d : 0) + (b.m === Infinity ? b.d : 0) };
  return a.m >= b.m
    ? { m: a.m, d: a.d + b.d * expDiff(b.m, a.m) }
    : { m: b.m, d: b.d + a.d * expDiff(a.m, b.m) };
}

/**
 * log Σ e^(x_i) from a state: m + log d, accurate to ~2^−52·max(1, |result|)
 * (d is rounded once per merge; the row kernels, which keep d's compensation,
 * are accurate relative to the result). −∞ for an empty or fully masked row,
 * +∞ when the row holds +∞, NaN when it holds NaN.
 */
export function logSumExpFromState(s: LogSumExpState): number {
  if (s.m === -Infinity || s.m === Infinity || Number.isNaN(s.m)) return s.m;
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
  return { m: hi.m, c: hi.c, b: hi.b + (lo.c + lo.b) * expDiff(lo.m, hi.m) };
}
