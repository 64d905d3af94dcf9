/**
 * The per-row state of the online attention forward (FlashAttention-2, Dao 2023,
 * arXiv:2307.08691; Rabe & Staats 2021, arXiv:2112.05682): for each query row the
 * reference m, the normalizer terms l and the unnormalized output acc, so that
 * out = acc / D(m, l). Folding a key tile into the state rescales (l, acc) by
 * e^(m_old − m_new) when the reference grows — the online normalizer of Milakov &
 * Gimelshein (2018, arXiv:1805.02867). Two states of disjoint key ranges merge
 * exactly with the same factors (../kernels/attention-state.ts), which is what
 * split-key decoding (flash-decoding) uses.
 */
import type { RowStates } from '../kernels/attention-state.js';
import { gemmNN, gemmNT } from '../kernels/gemm.js';
import { foldTileRows } from '../kernels/js/attention-fold.js';
import { sigmoid } from '../kernels/js/attention-kinds.js';
import type { FloatArray } from '../tensor/types.js';
import { buildLogits, plainLogits, type QueryBlock, tileInterior } from './logits.js';
import type { AttentionProblem } from './problem.js';

export { mergeRowStates, newRowStates, type RowStates } from '../kernels/attention-state.js';

/** Empty states for the block's rows, holding the head's sink logit when `withSink`. */
export function initRowStates(
  p: AttentionProblem,
  blk: QueryBlock,
  st: RowStates,
  withSink: boolean,
): void {
  const kind = p.kind!;
  const sink = withSink && p.sinks !== null ? p.sinks[blk.h]! : null;
  const one = new Float64Array(1);
  for (let r = 0; r < blk.rows; r++) {
    st.m[r] = kind.floor;
    st.l[r] = 0;
    if (sink !== null) {
      const xs = blk.factor[r]! * sink;
      const m = kind.rescaled ? Math.max(kind.floor, xs) : 0;
      one[0] = xs;
      st.m[r] = m;
      st.l[r] = kind.weights(one, 0, 1, m);
    }
  }
  st.acc.fill(0, 0, blk.rows * p.valueDim);
}

/**
 * Fold keys [from, to) of the block's (b, h) into its row states, one tile of
 * blockSize keys at a time. `S` is a blockSize² scratch. Tiles start at multiples
 * of blockSize so that causal blocks meet the diagonal in one tile.
 * Each tile's logits (or, on the fast path of exponential kinds over interior tiles,
 * its raw scores with the rows' scales) are folded by the kernel
 * ../kernels/js/attention-fold.ts; then acc += weights·V.
 */
export function foldKeys(
  p: AttentionProblem,
  blk: QueryBlock,
  st: RowStates,
  from: number,
  to: number,
  S: Float64Array,
): void {
  const kind = p.kind!;
  const { dim, valueDim: dv, blockSize: bs } = p;
  const { b, h, rows } = blk;
  const kvh = Math.floor(h / p.group);
  const kBase = (b * p.kvHeads + kvh) * p.keys;
  const Q = { data: p.q, offset: ((b * p.heads + h) * p.queries + blk.i0) * dim, ld: dim };
  const acc = { data: st.acc, offset: 0, ld: dv };
  const plain = kind.exponential && plainLogits(p);
  for (let j0 = from; j0 < to; j0 = (Math.floor(j0 / bs) + 1) * bs) {
    const cols = Math.min(to, (Math.floor(j0 / bs) + 1) * bs) - j0;
    const T = { data: S, offset: 0, ld: cols };
    gemmNT(
      {
        m: rows,
        n: cols,
        k: dim,
        A: Q,
        B: { data: p.k, offset: (kBase + j0) * dim, ld: dim },
        C: T,
        beta: 0,
      },
      p.backend,
    );
    const interior = tileInterior(blk, j0, cols);
    const fast = plain && interior;
    if (!fast) buildLogits(p, blk, j0, cols, S, S, interior);
    foldTileRows(S, rows, cols, st, dv, kind, fast ? blk.rowScale : null);
    gemmNN(
      {
        m: rows,
        n: dv,
        k: cols,
        A: T,
        B: { data: p.v, offset: (kBase + j0) * dv, ld: dv },
        C: acc,
        beta: 1,
      },
      p.backend,
    );
  }
}

/**
 * out = acc / D (D = 1 for unnormalized or materialized normalizers; ⊙ σ(gate) when `gated`), written into `dst` at the block's rows;
 * the row statistic L = m + log D into `lse` (−∞ when D = 0: the row gives zeros).
 */
export function finishRows(
  p: AttentionProblem,
  blk: QueryBlock,
  st: RowStates,
  dst: FloatArray,
  gated: boolean,
  lse: Float64Array | null,
): void {
  const kind = p.kind;
  const normalized = kind?.normalized === true;
  const dv = p.valueDim;
  const row0 = (blk.b * p.heads + blk.h) * p.queries + blk.i0;
  const gate = gated ? p.gate : null;
  for (let r = 0; r < blk.rows; r++) {
    const m = st.m[r]!;
    const D = normalized ? kind!.denominator(m, st.l[r]!, p.eps) : 1;
    const inv = D === 0 ? 0 : 1 / D;
    const o = (row0 + r) * dv;
    for (let c = 0; c < dv; c++) {
      const y = D === 0 ? 0 : st.acc[r * dv + c]! * inv;
      dst[o + c] = gate === null ? y : y * sigmoid(gate[o + c]!);
    }
    if (lse !== null)
      lse[row0 + r] = !normalized
        ? 0
        : D === 0
          ? Number.NEGATIVE_INFINITY
          : (kind.rescaled ? m : 0) + Math.log(D);
  }
}
