/**
 * The JavaScript flash-attention fold and its backward (FlashAttention-2, Dao 2023, arXiv:2307.08691;
 * the online normalizer of Milakov & Gimelshein 2018, arXiv:1805.02867): one tile of
 * logits S (rows × cols, row-major) folded into the rows' states (m, l, acc) of
 * ../attention-state.ts. Per row: the tile's max moves the reference (l and acc
 * rescaled by e^(m_old − m_new), exact difference, ../online-state.ts), then S is
 * replaced by the weights f(x; m) and their terms are added to l; the caller adds
 * S·V to acc. src/attention/row-state.ts builds the tiles (logits, masks, biases)
 * and calls this; the WebAssembly twin is ../wasm/attention.ts.
 *
 * Fast path (exponential weights, logits x = rowScale·raw): the row's logits are
 * never stored; its largest is rowScale·max(raw) (exact: rounding is monotone for
 * rowScale > 0) and the weights are e^(rowScale·raw − m), bit for bit the general
 * path's values. Rows with rowScale ≤ 0 or a non-finite maximum take the general path.
 * Error: one rounding per weight (Math.exp of a rounded s·x − m, < 1 ulp + |s·x − m|·2^−53)
 * and per rescale; l is a plain sum over the tile (≤ cols·2^−53 relative).
 */
import { type RowStates, rescaleRowState } from '../attention-state.js';
import { rowMax } from '../online-state.js';
import type { OnlineKind } from './attention-kinds.js';

/** What the fold needs of an online normalizer kind (attention-kinds.ts). */
export type TileWeights = Pick<OnlineKind, 'rescaled' | 'weights'>;

/** s·x[o, o + n) in place. */
function scaleRow(x: Float64Array, o: number, n: number, s: number): void {
  for (let i = o; i < o + n; i++) x[i] = s * x[i]!;
}

/** x ← e^(s·x − m) on x[o, o + n) (finite m); returns the sum. */
function expScaled(x: Float64Array, o: number, n: number, s: number, m: number): number {
  let sum = 0;
  for (let i = o; i < o + n; i++) sum += x[i] = Math.exp(s * x[i]! - m);
  return sum;
}

/**
 * Fold the tile S (rows × cols) into rows [0, rows) of `st` (value width dv): S becomes
 * the weights. `rowScale` (the fast path, exponential kinds only): S holds raw scores
 * and row r's logits are rowScale[r]·S; null: S holds the logits. A row that has seen
 * only hidden keys (m = −∞) gets zero weights.
 */
export function foldTileRows(
  S: Float64Array,
  rows: number,
  cols: number,
  st: RowStates,
  dv: number,
  kind: TileWeights,
  rowScale: Float64Array | null,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    if (!kind.rescaled) {
      st.l[r] = st.l[r]! + kind.weights(S, o, cols, 0);
      continue;
    }
    let rs = 1;
    let tileMax: number;
    if (rowScale !== null) {
      rs = rowScale[r]!;
      tileMax = rs > 0 ? rs * rowMax(S, o, cols) : Number.NaN;
      if (!Number.isFinite(tileMax)) {
        scaleRow(S, o, cols, rs);
        rs = 1;
        tileMax = rowMax(S, o, cols);
      }
    } else tileMax = rowMax(S, o, cols);
    const m = rescaleRowState(st, r, dv, tileMax);
    if (m === Number.NEGATIVE_INFINITY) {
      S.fill(0, o, o + cols);
      continue;
    }
    st.l[r] = st.l[r]! + (rs === 1 ? kind.weights(S, o, cols, m) : expScaled(S, o, cols, rs, m));
  }
}

/** A backward tile: R the raw scores, X the logits, G = dO·Vᵀ, delta[r] = Δ_r (rows × cols). */
export interface GradTile {
  readonly R: Float64Array;
  readonly X: Float64Array;
  readonly G: Float64Array;
  readonly delta: Float64Array;
}

/**
 * The backward of a tile (FlashAttention-2): per row r with its saved L_r = lse[r],
 * X ← p = f(x)/D and G ← dx = a·G − b·Δ_r by the kind's grads; a row with L = −∞ (it saw
 * no key) gets zeros. `rowScale` (softmax on plain logits): the logits are rowScale[r]·R,
 * read from R directly: p = e^(rs·R − L), G ← rs·p·(G − Δ), the values the general path
 * gives in the same order of operations.
 */
export function unfoldTileRows(
  t: GradTile,
  rows: number,
  cols: number,
  kind: Pick<OnlineKind, 'grads'>,
  lse: Float64Array,
  rowScale: Float64Array | null,
): void {
  const { R, X, G, delta } = t;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const L = lse[r]!;
    if (L === Number.NEGATIVE_INFINITY) {
      X.fill(0, o, o + cols);
      G.fill(0, o, o + cols);
    } else if (rowScale !== null) {
      const rs = rowScale[r]!;
      const d = delta[r]!;
      for (let i = o; i < o + cols; i++) {
        const p = Math.exp(rs * R[i]! - L);
        X[i] = p;
        G[i] = p * (G[i]! - d) * rs;
      }
    } else kind.grads(X, G, o, cols, L, delta[r]!);
  }
}
