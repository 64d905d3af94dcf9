/**
 * The per-row state of online (flash) attention: for each query row the reference
 * m, the normalizer terms l and the unnormalized output acc (rows × valueDim), so
 * that out = acc / D(m, l) — the online normalizer of Milakov & Gimelshein (2018,
 * arXiv:1805.02867) carried through P·V as in FlashAttention-2 (Dao 2023,
 * arXiv:2307.08691). States of disjoint key ranges of the same rows merge exactly,
 *
 *   (m, l, acc) ⊕ (m′, l′, acc′) = (M, l·e^(m − M) + l′·e^(m′ − M), acc·e^(m − M) + acc′·e^(m′ − M)),
 *
 * M = max(m, m′), which is what split-key decoding (flash-decoding, Dao, Haziza,
 * Massa & Sizov 2023) does on one thread or across the worker pool.
 *
 * Stability: both factors are ≤ 1 (e^(m − M) with an exact difference, see
 * lse-state.ts), so nothing overflows; an empty side (m = −∞) contributes 0 and NaN
 * propagates. Error: one rounding per factor and per product, so merging c chunks
 * adds ≤ c·2^−52 relative to Σ|terms| to each entry.
 *
 * @example
 * const a = newRowStates(1, 2), b = newRowStates(1, 2); // fill from two key ranges
 * mergeRowStates(a, b, 1, 2); // a now holds the state of both ranges
 */
import { expDiff } from './js/exact.js';
import { mergeLogSumExpStates } from './lse-state.js';

export interface RowStates {
  readonly m: Float64Array;
  readonly l: Float64Array;
  /** rows × valueDim. */
  readonly acc: Float64Array;
}

export function newRowStates(rows: number, valueDim: number): RowStates {
  return {
    m: new Float64Array(rows),
    l: new Float64Array(rows),
    acc: new Float64Array(rows * valueDim),
  };
}

/** The factor e^(m − M) of a side with reference m in a merge with reference M ≥ m. */
function factor(m: number, M: number): number {
  return m === M ? 1 : m === Number.NEGATIVE_INFINITY ? 0 : expDiff(m, M);
}

/** Merge the states `b` into `a` (disjoint key ranges of the same rows), exactly. */
export function mergeRowStates(a: RowStates, b: RowStates, rows: number, dv: number): void {
  for (let r = 0; r < rows; r++) {
    const sa = { m: a.m[r]!, d: a.l[r]! };
    const sb = { m: b.m[r]!, d: b.l[r]! };
    const s = mergeLogSumExpStates(sa, sb);
    const fa = factor(sa.m, s.m);
    const fb = factor(sb.m, s.m);
    for (let c = r * dv; c < (r + 1) * dv; c++) a.acc[c] = a.acc[c]! * fa + b.acc[c]! * fb;
    a.m[r] = s.m;
    a.l[r] = s.d;
  }
}
