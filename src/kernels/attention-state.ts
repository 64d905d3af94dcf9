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
 * Folding a key tile into a row (FlashAttention-2's inner loop) is the same move:
 * {@link rescaleRowState} takes the row to the new reference max(m, tile max) with
 * the same factor before the tile's terms are added.
 *
 * Stability: both factors are ≤ 1 (e^(m − M) with an exact difference, see
 * online-state.ts), so nothing overflows; an empty side (m = −∞) contributes 0 and NaN
 * propagates. Error: one rounding per factor and per product, so merging c chunks
 * adds ≤ c·2^−52 relative to Σ|terms| to each entry.
 *
 * @example
 * const a = newRowStates(1, 2), b = newRowStates(1, 2); // fill from two key ranges
 * mergeRowStates(a, b, 1, 2); // a now holds the state of both ranges
 */
import { mergeLogSumExpStates, rescaleFactor } from './online-state.js';

/** The online states of a block of query rows (see the module doc). */
export interface RowStates {
  readonly m: Float64Array;
  readonly l: Float64Array;
  /** rows × valueDim. */
  readonly acc: Float64Array;
}

/** Zeroed states for `rows` rows with `valueDim`-wide outputs. */
export function newRowStates(rows: number, valueDim: number): RowStates {
  return {
    m: new Float64Array(rows),
    l: new Float64Array(rows),
    acc: new Float64Array(rows * valueDim),
  };
}

/** Merge the states `b` into `a` (disjoint key ranges of the same rows), exactly. */
export function mergeRowStates(a: RowStates, b: RowStates, rows: number, dv: number): void {
  for (let r = 0; r < rows; r++) {
    const sa = { m: a.m[r]!, d: a.l[r]! };
    const sb = { m: b.m[r]!, d: b.l[r]! };
    const s = mergeLogSumExpStates(sa, sb);
    const fa = rescaleFactor(sa.m, s.m);
    const fb = rescaleFactor(sb.m, s.m);
    for (let c = r * dv; c < (r + 1) * dv; c++) a.acc[c] = a.acc[c]! * fa + b.acc[c]! * fb;
    a.m[r] = s.m;
    a.l[r] = s.d;
  }
}

/**
 * Fold step of row r: move its reference to M = max(m_r, tileMax) before a tile's terms
 * e^(x − M) are added, scaling l_r and the row's acc by e^(m_r − M) (exact difference)
 * when the reference grows. Returns M (−∞ while the row has seen only hidden keys).
 */
export function rescaleRowState(st: RowStates, r: number, dv: number, tileMax: number): number {
  const mOld = st.m[r]!;
  const M = Math.max(mOld, tileMax);
  // M ≠ m_r means M > m_r ≥ −∞ (or NaN): a finite or NaN M, never −∞
  if (M !== mOld) {
    const a = rescaleFactor(mOld, M);
    st.l[r] = st.l[r]! * a;
    for (let c = r * dv; c < (r + 1) * dv; c++) st.acc[c] = st.acc[c]! * a;
    st.m[r] = M;
  }
  return M;
}
