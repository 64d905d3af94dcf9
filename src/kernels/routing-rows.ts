/**
 * Token-choice routing of contiguous rows of router logits [tokens, experts]:
 * the scores of the whole batch by the softmax kernel (SIMD WebAssembly when
 * loaded) or sigmoid, then per token one selection pass of the top-k buffer
 * ({@link topKSelect}) over the scores or the selection keys. (A fused pass per
 * token — top-k on the logits beside the online normalizer, then the scores — was
 * measured slower than the SIMD softmax + selection: it takes two exp per entry
 * in scalar JavaScript.) Float32 batches go to the backend's `routeRows` where one
 * is loaded (the SIMD WebAssembly kernel, wasm/assembly/routing.ts: after the same
 * softmax kernel, or its own double-precision sigmoid, the keys, the group limit,
 * the selection and, when asked, the gate weights per token in wasm; this module's
 * passes are its reference and take the rows it hands back). Top-p routing keeps the
 * fused pass ({@link topKRow}).
 *
 * Scores s: softmax(x) (the library's exact softmax, ≤ 4 ulp) or sigmoid(x)
 * (see {@link sigmoid}, ≤ 2.5 ulp). Selection: the k largest scores, or of the key
 * s_i + bias_i (−∞ for a −∞ logit: a masked expert is never preferred to an
 * unmasked one, whatever its bias), optionally group-limited (DeepSeek-V3): the
 * experts fall in `groups` equal groups, a group's score is the sum of its two
 * largest keys, only the `groupTop` best groups (ties: lower group) stay
 * eligible. Ties by lower index; the k selected come out ordered by score
 * descending, ties by lower index.
 *
 * Non-finite rows follow js/row-policy.ts: a row holding NaN gives NaN scores
 * (its selection padded with the lowest indices); +∞ entries share softmax mass
 * 1; a fully masked row gives zeros.
 */

import { allocLike } from '../tensor/arrays.js';
import type { BackendName, FloatArray } from '../tensor/types.js';
import { resolveBackend } from './backend.js';
import { expDiff } from './js/exact.js';
import type { RouteConfig, RouteGate } from './kernel-args.js';
import { newTopKState, type TopKState, topKRow, topKSelect } from './top-k.js';

export type { RouteConfig, RouteGate };

/** Scratch of {@link routeRows}' JavaScript selection (made only when a row needs it). */
interface RouteScratch {
  readonly st: TopKState;
  readonly groupState: TopKState;
  readonly key: Float64Array;
  readonly groupScore: Float64Array;
}

function newRouteScratch(cfg: RouteConfig): RouteScratch {
  return {
    st: newTopKState(Math.max(cfg.k, 1)),
    groupState: newTopKState(cfg.groupTop),
    key: new Float64Array(cfg.experts),
    groupScore: new Float64Array(cfg.groups),
  };
}

/**
 * sigmoid(v) without overflow: 1 / (1 + e^−v) for v ≥ 0, e^v / (1 + e^v) below
 * (e^v ≤ 1 there, so nothing overflows and the small tail keeps its relative
 * accuracy). Error ≤ 2.5 ulp: e^v's rounding (≤ 1 ulp, damped by 1/(1 + e^v)),
 * the sum's and the quotient's (½ ulp each).
 */
export function sigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** 'auto' takes the backend's fused routing from this many logits on. */
const AUTO_MIN_ELEMENTS = 256;

/**
 * Route `rows` tokens of x (row-major, `experts` per row, starting at row 0):
 * scores into `scores` (same layout and type as x; undefined: not kept — the fused
 * kernel then copies none out, and a row it hands back has its scores taken again
 * by the batch's softmax kernel, the same bits), the k selected experts into
 * indices[t·k ..] ordered by score, and their scores in double into picked[t·k ..]
 * (undefined: not kept — with `gate`, when only the weights are wanted).
 * `backend` 'auto' takes a backend's fused routing (the SIMD WebAssembly kernel for
 * Float32 logits) from AUTO_MIN_ELEMENTS logits on; 'js' this module's passes, whose
 * results it reproduces: the same selection from the same scores (softmax scores are
 * the same kernel's; sigmoid scores may differ by 1 ulp of float32 in at most ~2^−26 of
 * the entries, see assembly/routing.ts). With `gate`, the gate weights too
 * ({@link gateWeights}; the fused kernel writes them in the same pass).
 */
export function routeRows(
  x: FloatArray,
  rows: number,
  cfg: RouteConfig,
  scores: FloatArray | undefined,
  indices: Int32Array,
  picked: Float64Array | undefined,
  backend: BackendName = 'auto',
  gate?: RouteGate,
): void {
  const n = cfg.experts;
  const fused =
    backend === 'js' || (backend === 'auto' && x.length < AUTO_MIN_ELEMENTS)
      ? undefined
      : resolveBackend('routeRows', backend, x.length, x instanceof Float32Array).routeRows;
  const flags = new Uint8Array(rows);
  if (fused?.({ ...cfg, x, rows, scores, indices, picked, flags, gate })) {
    // what the JavaScript selection of a handed-back row needs, made at the first such row
    let scr: RouteScratch | undefined;
    let p = picked;
    let spare: FloatArray | undefined;
    for (let r = 0; r < rows; r++) {
      if (!flags[r]) continue;
      scr ??= newRouteScratch(cfg);
      p ??= new Float64Array(rows * cfg.k);
      if (!scores) spare ??= allocLike(x, n);
      const o = r * n;
      const xr = x.subarray(o, o + n);
      const sr = spare ?? scores!.subarray(o, o + n);
      if (flags[r] === 1 || !scores) writeScores(xr, 1, n, cfg.sigmoid, sr, x.length);
      selectRow(xr, sr, r * cfg.k, cfg, indices, p, scr);
      if (gate) gateWeights(p, cfg.k, gate, undefined, r, r + 1);
    }
    return;
  }
  const s = scores ?? allocLike(x, x.length);
  const scr = newRouteScratch(cfg);
  const p = picked ?? new Float64Array(rows * cfg.k);
  writeScores(x, rows, n, cfg.sigmoid, s, x.length);
  for (let r = 0, o = 0; r < rows; r++, o += n)
    selectRow(x.subarray(o, o + n), s.subarray(o, o + n), r * cfg.k, cfg, indices, p, scr);
  if (gate) gateWeights(p, cfg.k, gate, undefined, 0, rows);
}

/**
 * Gate weights of tokens [from, to) from their k picked scores p (double):
 * w_j = scale·p_j / Σ_l p_l (0 when Σ = 0) with `renormalize`, else scale·p_j; each
 * one division and one product in double, rounded once into the weights' type; 0 at
 * a `dropped` slot (the others are not renormalized again).
 */
export function gateWeights(
  picked: Float64Array,
  k: number,
  gate: RouteGate,
  dropped: Uint8Array | undefined,
  from: number,
  to: number,
): void {
  const { renormalize, scale, weights } = gate;
  for (let t = from; t < to; t++) {
    let S = 0;
    for (let j = t * k; j < (t + 1) * k; j++) S += picked[j]!;
    const f = !renormalize ? scale : S === 0 ? 0 : scale / S;
    for (let j = t * k; j < (t + 1) * k; j++) weights[j] = dropped?.[j] ? 0 : picked[j]! * f;
  }
}

/** A token's selection from its row x and its scores: indices[io ..] by score, picked[io ..] their scores. */
function selectRow(
  x: FloatArray,
  scores: FloatArray,
  io: number,
  cfg: RouteConfig,
  indices: Int32Array,
  picked: Float64Array,
  scr: RouteScratch,
): void {
  const { experts: n, k } = cfg;
  const keyed = cfg.bias !== undefined || cfg.groups > 1;
  const { st, key } = scr;
  if (keyed) {
    selectionKeys(x, scores, n, cfg, key);
    if (cfg.groups > 1) limitGroups(key, cfg, scr);
    topKSelect(key, 0, n, k, st);
  } else topKSelect(scores, 0, n, k, st);
  for (let j = 0; j < st.count; j++) indices[io + j] = st.indices[j]!;
  padSelection(indices, io, st.count, k);
  if (!keyed && st.count === k && st.values[k - 1] === 0)
    unmaskedFirst(x, scores, n, indices, io, k);
  for (let j = 0; j < k; j++) picked[io + j] = scores[indices[io + j]!]!;
  orderByScore(indices, picked, io, k);
}

/**
 * Scores of all rows: softmax by the backend's kernel (SIMD WebAssembly when
 * loaded and the batch — `batch` logits — is large; exact to a few ulp either way;
 * a row of a batch gets the batch's kernel, the same bits), or sigmoid; a row
 * holding NaN becomes all NaN (the policy of js/row-policy.ts).
 */
function writeScores(
  x: FloatArray,
  rows: number,
  n: number,
  useSigmoid: boolean,
  scores: FloatArray,
  batch: number,
): void {
  if (!useSigmoid) {
    const backend = resolveBackend('routeRows', 'auto', batch, x instanceof Float32Array);
    backend.softmax({ x, y: scores, rows, n, algorithm: 'three-pass', s: 1, log: false });
    return;
  }
  for (let r = 0; r < rows; r++) {
    let nan = false;
    for (let i = r * n; i < (r + 1) * n; i++) {
      const v = x[i]!;
      scores[i] = sigmoid(v);
      if (Number.isNaN(v)) nan = true;
    }
    if (nan) scores.fill(Number.NaN, r * n, (r + 1) * n);
  }
}

/**
 * A selection on the scores that ends at score 0 may hold a masked (−∞) expert
 * where an unmasked one underflowed to 0 too: at that boundary the unmasked
 * entries come first (each kind by lower index), so a mask is never preferred.
 */
function unmaskedFirst(
  x: FloatArray,
  scores: FloatArray,
  n: number,
  indices: Int32Array,
  io: number,
  k: number,
): void {
  let w = io;
  for (let j = io; j < io + k; j++) if (scores[indices[j]!] !== 0) indices[w++] = indices[j]!;
  for (const masked of [false, true])
    for (let i = 0; i < n && w < io + k; i++)
      if (scores[i] === 0 && (x[i] === -Infinity) === masked) indices[w++] = i;
}

/** softmax of the row x[o..o+n) into scores from its online normalizer in `st` (topKRow's). */
function softmaxFromState(
  x: ArrayLike<number>,
  o: number,
  n: number,
  st: TopKState,
  scores: FloatArray,
): void {
  if (st.nan > 0) scores.fill(Number.NaN, o, o + n);
  else if (st.posInf > 0)
    for (let i = o; i < o + n; i++) scores[i] = x[i] === Infinity ? 1 / st.posInf : 0;
  else if (st.ref === -Infinity) scores.fill(0, o, o + n);
  else {
    const inv = 1 / (st.sum + st.comp);
    for (let i = o; i < o + n; i++) scores[i] = expDiff(x[i]!, st.ref) * inv;
  }
}

/** key_i = s_i + bias_i, −∞ where the logit is −∞, NaN where it is NaN. */
function selectionKeys(
  x: ArrayLike<number>,
  scores: FloatArray,
  n: number,
  cfg: RouteConfig,
  key: Float64Array,
): void {
  const b = cfg.bias;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    key[i] = v === -Infinity || Number.isNaN(v) ? v : scores[i]! + (b === undefined ? 0 : b[i]!);
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
    softmaxFromState(x, o, n, st, scores);
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
