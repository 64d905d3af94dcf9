/**
 * Token-choice routing of contiguous rows of router logits [tokens, experts]:
 * per token, one fused pass ({@link topKRow}: a top-k buffer beside the online
 * normalizer) gives the selection and softmax's normalizer, a second writes the
 * router scores.
 *
 * Scores s: softmax(x) (each entry e^(x_i − ref) / Σ, Neumaier-summed, ≤ ~4 ulp)
 * or sigmoid(x) (1 / (1 + e^−x) for x ≥ 0, e^x / (1 + e^x) below: no overflow).
 * Selection: the k largest of the key s_i + bias_i (−∞ for a −∞ logit: a masked
 * expert is never preferred to an unmasked one, whatever its bias), optionally
 * group-limited (DeepSeek-V3): the experts fall in `groups` equal groups, a
 * group's score is the sum of its two largest keys, only the `groupTop` best
 * groups (ties: lower group) stay eligible. Without bias and groups, softmax's
 * key order is the logits' order, so the pass selects on the logits directly.
 * The k selected come out ordered by score descending, ties by lower index.
 *
 * Non-finite rows follow js/row-policy.ts: a row holding NaN gives NaN scores
 * (its selection made among the other entries, padded with the lowest unused
 * indices); +∞ entries share softmax mass 1; a fully masked row gives zeros.
 */

import type { FloatArray } from '../tensor/types.js';
import { expDiff } from './js/exact.js';
import { newTopKState, type TopKState, topKRow } from './top-k.js';

/** How tokens choose experts. */
export interface RouteConfig {
  readonly experts: number;
  readonly k: number;
  readonly sigmoid: boolean;
  /** Added to the scores for the selection only (length `experts`). */
  readonly bias: Float64Array | undefined;
  /** Group-limited routing: `groups` equal groups, the best `groupTop` kept (1, 1: off). */
  readonly groups: number;
  readonly groupTop: number;
}

/** Per-thread scratch of {@link routeRows}. */
export interface RouteScratch {
  readonly st: TopKState;
  readonly groupState: TopKState;
  readonly key: Float64Array;
  readonly groupScore: Float64Array;
}

export function newRouteScratch(cfg: RouteConfig): RouteScratch {
  return {
    st: newTopKState(Math.max(cfg.k, 1)),
    groupState: newTopKState(cfg.groupTop),
    key: new Float64Array(cfg.experts),
    groupScore: new Float64Array(cfg.groups),
  };
}

/**
 * sigmoid(v) within ~1 ulp, without overflow: ½ + ½·tanh(v/2) near 0 (where
 * e^v's rounding would show), 1 / (1 + e^−v) above, e^v / (1 + e^v) below.
 */
export function sigmoid(v: number): number {
  if (Math.abs(v) < 1) return 0.5 + 0.5 * Math.tanh(0.5 * v);
  if (v > 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/**
 * Route `rows` tokens of x (row-major, `experts` per row, starting at row 0):
 * scores into `scores` (same layout), the k selected experts into
 * indices[t·k ..] ordered by score, and their scores in double into picked[t·k ..].
 */
export function routeRows(
  x: ArrayLike<number>,
  rows: number,
  cfg: RouteConfig,
  scores: FloatArray,
  indices: Int32Array,
  picked: Float64Array,
  scr: RouteScratch = newRouteScratch(cfg),
): void {
  const { experts: n, k } = cfg;
  const direct = !cfg.sigmoid && cfg.bias === undefined && cfg.groups === 1;
  const { st, key } = scr;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    topKRow(x, o, n, direct ? k : 1, st);
    writeScores(x, o, n, cfg.sigmoid, st, scores);
    if (!direct) {
      selectionKeys(x, scores, o, n, cfg, key);
      if (cfg.groups > 1) limitGroups(key, cfg, scr);
      topKRow(key, 0, n, k, st);
    }
    const io = r * k;
    for (let j = 0; j < st.count; j++) indices[io + j] = st.indices[j]!;
    padSelection(indices, io, st.count, k);
    if (direct && st.nan === 0) settleScoreTies(x, scores, o, n, indices, io, k);
    for (let j = 0; j < k; j++) picked[io + j] = scores[o + indices[io + j]!]!;
    orderByScore(indices, picked, io, k);
  }
}

/** scores[o..o+n) from the row and its online normalizer in `st`. */
function writeScores(
  x: ArrayLike<number>,
  o: number,
  n: number,
  useSigmoid: boolean,
  st: TopKState,
  scores: FloatArray,
): void {
  if (st.nan > 0) {
    scores.fill(Number.NaN, o, o + n);
    return;
  }
  if (useSigmoid) {
    for (let i = o; i < o + n; i++) scores[i] = sigmoid(x[i]!);
    return;
  }
  if (st.posInf > 0) {
    for (let i = o; i < o + n; i++) scores[i] = x[i] === Infinity ? 1 / st.posInf : 0;
    return;
  }
  if (st.ref === -Infinity) {
    scores.fill(0, o, o + n);
    return;
  }
  const ref = st.ref;
  const inv = 1 / (st.sum + st.comp);
  for (let i = o; i < o + n; i++) scores[i] = expDiff(x[i]!, ref) * inv;
}

/** key_i = s_i + bias_i, −∞ where the logit is −∞, NaN where it is NaN. */
function selectionKeys(
  x: ArrayLike<number>,
  scores: FloatArray,
  o: number,
  n: number,
  cfg: RouteConfig,
  key: Float64Array,
): void {
  const b = cfg.bias;
  for (let i = 0; i < n; i++) {
    const v = x[o + i]!;
    key[i] =
      v === -Infinity || Number.isNaN(v) ? v : scores[o + i]! + (b === undefined ? 0 : b[i]!);
  }
}

/** DeepSeek-V3's group limit: keys outside the `groupTop` best groups become −∞. */
function limitGroups(key: Float64Array, cfg: RouteConfig, scr: RouteScratch): void {
  const size = cfg.experts / cfg.groups;
  const gs = scr.groupScore;
  for (let g = 0; g < cfg.groups; g++) {
    let a = -Infinity;
    let b = -Infinity;
    for (let i = g * size; i < (g + 1) * size; i++) {
      const v = key[i]!;
      if (v > a) {
        b = a;
        a = v;
      } else if (v > b) b = v;
    }
    gs[g] = size === 1 ? a : a + b;
  }
  const gst = scr.groupState;
  topKRow(gs, 0, cfg.groups, cfg.groupTop, gst);
  for (let g = 0; g < cfg.groups; g++) {
    let kept = false;
    for (let j = 0; j < gst.count; j++) if (gst.indices[j] === g) kept = true;
    if (!kept) key.fill(-Infinity, g * size, (g + 1) * size);
  }
}

/**
 * The direct pass selects on the logits; distinct logits can round to equal
 * scores (5e-324 and 0, or any two +∞), and the selection is by score, ties by
 * lower index. Scores are monotone in the logits, so only the boundary can
 * differ: the c selected entries whose key (score; −∞ where masked) equals the
 * smallest selected key give way to the c lowest-index entries of that key.
 */
function settleScoreTies(
  x: ArrayLike<number>,
  scores: FloatArray,
  o: number,
  n: number,
  indices: Int32Array,
  io: number,
  k: number,
): void {
  const key = (i: number) => (x[o + i] === -Infinity ? -Infinity : scores[o + i]!);
  let low = Infinity;
  for (let j = io; j < io + k; j++) low = Math.min(low, key(indices[j]!));
  let w = io;
  for (let j = io; j < io + k; j++) if (key(indices[j]!) !== low) indices[w++] = indices[j]!;
  for (let i = 0; i < n && w < io + k; i++) if (key(i) === low) indices[w++] = i;
}

/** Fill indices[io+count .. io+k) with the lowest indices not already chosen. */
function padSelection(indices: Int32Array, io: number, count: number, k: number): void {
  let next = 0;
  for (let j = count; j < k; j++) {
    for (;;) {
      let used = false;
      for (let q = io; q < io + j; q++) if (indices[q] === next) used = true;
      if (!used) break;
      next++;
    }
    indices[io + j] = next++;
  }
}

/** Stable insertion sort of the k picked slots by score descending, ties by lower index. */
function orderByScore(indices: Int32Array, picked: Float64Array, io: number, k: number): void {
  for (let j = io + 1; j < io + k; j++) {
    const v = picked[j]!;
    const e = indices[j]!;
    let q = j;
    while (q > io && (picked[q - 1]! < v || (picked[q - 1] === v && indices[q - 1]! > e))) {
      picked[q] = picked[q - 1]!;
      indices[q] = indices[q - 1]!;
      q--;
    }
    picked[q] = v;
    indices[q] = e;
  }
}

/**
 * Top-p routing (Huang et al. 2024) of `rows` tokens: softmax scores into
 * `scores`; per token the fewest experts, by score descending (ties: lower
 * index), whose scores sum to ≥ p, at most maxK and never a masked (−∞) one,
 * into indices[t·maxK ..] (the rest −1) with their scores in `weights` (the rest
 * 0); counts[t] = how many. One fused pass ({@link topKRow} with maxK) per token.
 */
export function topPRows(
  x: ArrayLike<number>,
  rows: number,
  n: number,
  p: number,
  maxK: number,
  scores: FloatArray,
  weights: FloatArray,
  indices: Int32Array,
  counts: Int32Array,
): void {
  const st = newTopKState(maxK);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    topKRow(x, o, n, maxK, st);
    writeScores(x, o, n, false, st, scores);
    const io = r * maxK;
    let cum = 0;
    let c = 0;
    while (c < st.count && !(cum >= p) && st.values[c] !== -Infinity) {
      const s = scores[o + st.indices[c]!]!;
      indices[io + c] = st.indices[c]!;
      weights[io + c] = s;
      cum += s;
      c++;
    }
    counts[r] = c;
    indices.fill(-1, io + c, io + maxK);
    weights.fill(0, io + c, io + maxK);
  }
}
