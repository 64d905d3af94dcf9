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
