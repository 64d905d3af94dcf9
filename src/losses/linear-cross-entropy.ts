/**
 * linearCrossEntropy(hidden, weight, targets) — Cut Cross-Entropy (Wijmans et
 * al. 2024, arXiv:2411.09009): the cross-entropy of logits = hidden·weightᵀ
 * (+ bias) with its gradients dHidden, dWeight, dBias, without ever forming
 * the n × vocab logit matrix.
 *
 * Per row i (target t_i, not ignored), z = softcap(h_i·Wᵀ + b), ε the smoothing,
 * w the class weights (`classWeight`, PyTorch's `weight`; 1 when not given):
 *   ℓ_i = (1 − ε)·w_t·(lse_i − z_t) + (ε/vocab)·Σ_j w_j·(lse_i − z_j),  plus zLoss·lse_i²
 *   q_ij = (1 − ε)·w_t·[j = t] + (ε/vocab)·w_j,  Q_i = Σ_j q_ij
 *   G_ij = (s·(Q_i·p_ij − q_ij) + s_z·2·zLoss·lse_i·p_ij) ⊙ softcap′
 *   dHidden = G·W,  dWeight = Gᵀ·H,  dBias = Σ_i G_i·
 * 'mean' = Σ ℓ / Σ_{non-ignored} w_t + Σ zLoss·lse² / (non-ignored rows), as
 * crossEntropy (s, s_z = those reciprocals; 1 for 'sum' and 'none').
 *
 * How (the CCE algorithm): the vocabulary is cut into chunks of `chunk`
 * classes and the rows into blocks; a tile of logits (block × chunk) is
 * computed by the gemm micro-kernels (src/kernels/gemm.ts: WebAssembly SIMD,
 * JavaScript fallback), and its exponentials by the tile kernels
 * (src/kernels/logit-tile-dispatch.ts, likewise).
 * Forward: each tile folds into every row's online normalizer state (Milakov &
 * Gimelshein 2018), kept split as (m, c, b) (src/kernels/online-state.ts), so only lse
 * per row is kept. Backward: the tiles are recomputed chunk by chunk; each tile's
 * gradient goes into dHidden (accumulated over chunks) and into that chunk's
 * rows of dWeight (complete before the next chunk). Peak extra memory:
 * two tiles, one chunk of dWeight in double, O(n) row states, and an n × d
 * double accumulator for dHidden when hidden is Float32 — O(chunk·(n + d)),
 * never O(n·vocab).
 *
 * `returnGrad: false` (evaluation, perplexity) computes the loss alone: the forward
 * pass, plus the tiles once more for label smoothing's sums when ε > 0; no gradient
 * is formed or allocated.
 *
 * Gradient filtering (`filterThreshold` τ > 0, CCE §4.3): a tile whose every
 * |ĝ_ij| ≤ τ, ĝ = G/(s·softcap′) (= dℓ_i/dz_ij, z-loss included, without class weights), skips its
 * two gradient products. The error this makes is bounded and stated:
 * |ΔdHidden_ik| ≤ s·τ·Σ_{j skipped for i} |W_jk| and
 * |ΔdWeight_jk| ≤ s·τ·Σ_{i skipped for j} |H_ik|; τ = 0 (default) is exact.
 *
 * Stability: logits in double (float64 accumulation of each dot product);
 * each chunk's Σ e^(z − m) is Neumaier-compensated with z − m exact, and chunk
 * states merge exactly up to one rounding of each rescale; ℓ uses
 * (m − z_t) + log d, never log(softmax), with d kept as (logits at the max) +
 * (the rest) so that log d = log1p(d − 1) holds a confident row's tiny loss, and
 * the target's gradient takes 1 − p_t = −expm1((z_t − m) − log d). Error bound: Float64 loss and
 * gradients agree with the materialized crossEntropy to ~1e-14 relative.
 *
 * Non-finite policy: a class masked by bias −∞ gets probability 0 and gradient
 * 0; a row whose logits are all −∞ gives loss 0 and zero gradients; a row with a
 * +∞ or NaN logit gets NaN loss and gradients (its lse: NaN, or +∞ when it holds
 * +∞ and no NaN), which reach dWeight and dBias only through that row (as in any
 * product). An all-ignored batch gives loss 0 and zero gradients
 * (`allIgnored: 'nan'`: NaN loss).
 *
 * @example
 * const { loss, dHidden, dWeight } = linearCrossEntropy(hidden, weight, targets, {
 *   n: 4096, d: 64, vocab: 65536, chunk: 256, labelSmoothing: 0.1,
 * });
 */

import { gemmNN, gemmNT, gemmTN } from '../kernels/gemm.js';
import { expScaleRows, splitStateRows } from '../kernels/logit-tile-dispatch.js';
import {
  EMPTY_SPLIT_STATE,
  mergeSplitStates,
  type SplitSumState,
} from '../kernels/online-state.js';
import { allocLike, requireLength, toFloatArray } from '../tensor/arrays.js';
import { integerRule, numberRule, resolveOptions, rule } from '../tensor/options.js';
import type { ArrayInput, FloatArray } from '../tensor/types.js';
import { classTargets, classWeights, targetTotals } from './class-targets.js';
import { CROSS_ENTROPY_TERMS } from './cross-entropy.js';
import {
  type Reduction,
  type ReductionSpec,
  reduceLoss,
  reductionScale,
  requiredNumberRule,
} from './loss-options.js';
import { softcapSlope, softcapValue } from './softcap.js';

/** Options of {@link linearCrossEntropy}. */
export interface LinearCrossEntropyOptions {
  /** Rows of hidden (tokens). */
  n: number;
  /** Hidden size: hidden is [n, d], weight is [vocab, d]. */
  d: number;
  /** Classes (vocabulary size). */
  vocab: number;
  /** Optional bias [vocab]; −∞ masks a class. */
  bias?: ArrayInput;
  /** Vocabulary classes per tile. Default 256. */
  chunk?: number;
  /** 'mean' (over non-ignored rows, default), 'sum' or 'none'. */
  reduction?: Reduction;
  /** A target equal to this is ignored, whatever its sign. Default −100. */
  ignoreIndex?: number;
  /** 'mean' of an all-ignored batch: 'zero' (default) or 'nan'. */
  allIgnored?: 'zero' | 'nan';
  /** Per-class weights [vocab] (PyTorch's `weight`), finite. Default: all 1. */
  classWeight?: ArrayInput;
  /** ε in [0, 1]. Default 0. */
  labelSmoothing?: number;
  /** PaLM z-loss coefficient (≥ 0): adds zLoss·lse² per row. Default 0. */
  zLoss?: number;
  /** Soft-cap c > 0: logits become c·tanh(z/c). Default: none. */
  softcap?: number;
  /** τ ≥ 0: skip the gradient products of tiles whose every |dℓ/dz| ≤ τ. Default 0 (exact). */
  filterThreshold?: number;
  /** Add the per-row `lse` to the result. Default false. */
  returnLse?: boolean;
  /**
   * false: the loss alone (evaluation, perplexity): the forward pass only (plus, with
   * label smoothing, a pass for its sums), no gradients computed or allocated.
   * Default true.
   */
  returnGrad?: boolean;
}

/** `{ loss, dHidden, dWeight, dBias? , lse? }`: dBias when a bias is given, lse when asked. */
export interface LinearCrossEntropyResult {
  loss: number | FloatArray;
  dHidden: FloatArray;
  dWeight: FloatArray;
  dBias?: FloatArray;
  lse?: FloatArray;
}

/** The result of {@link linearCrossEntropy} with `returnGrad: false`. */
export type LinearCrossEntropyLoss = Omit<
  LinearCrossEntropyResult,
  'dHidden' | 'dWeight' | 'dBias'
>;

/** The option rules of {@link linearCrossEntropy}: n, d and vocab must be given. */
const LINEAR_CROSS_ENTROPY_RULES = {
  n: requiredNumberRule({ integer: true, atLeast: 0 }),
  d: requiredNumberRule({ integer: true, atLeast: 1 }),
  vocab: requiredNumberRule({ integer: true, atLeast: 1 }),
  bias: rule((fn, name, v) => toFloatArray(fn, name, v)),
  chunk: integerRule({ atLeast: 1, default: 256 }),
  classWeight: rule((fn, name, v) => toFloatArray(fn, name, v)),
  filterThreshold: numberRule({ atLeast: 0, default: 0 }),
  ...CROSS_ENTROPY_TERMS,
} as const;

/** Rows per tile. */
const ROW_BLOCK = 64;

/** The validated call. */
interface Ctx {
  tokens: number;
  hiddenSize: number;
  vocab: number;
  H: FloatArray;
  W: FloatArray;
  b: FloatArray | undefined;
  cap: number;
  /** Raw logits of the current tile and (with softcap) the capped ones; ld = tile columns. */
  raw: Float64Array;
  z: Float64Array;
}

/** z = softcap(H[i0 : i0 + rows]·W[v0 : v0 + cols]ᵀ + b) into ctx.z (raw into ctx.raw). */
function logitsTile(ctx: Ctx, i0: number, rows: number, v0: number, cols: number): void {
  const { hiddenSize, raw, z, b, cap } = ctx;
  gemmNT({
    m: rows,
    n: cols,
    k: hiddenSize,
    A: { data: ctx.H, offset: i0 * hiddenSize, ld: hiddenSize },
    B: { data: ctx.W, offset: v0 * hiddenSize, ld: hiddenSize },
    C: { data: raw, offset: 0, ld: cols },
    beta: 0,
  });
  if (b)
    for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) raw[r * cols + j]! += b[v0 + j]!;
  if (cap > 0) for (let k = 0; k < rows * cols; k++) z[k] = softcapValue(raw[k]!, cap);
}

/** Linear layer + cross-entropy, the loss alone, never materializing n × vocab. See the module doc. */
export function linearCrossEntropy(
  hidden: ArrayInput,
  weight: ArrayInput,
  targets: Int32Array | readonly number[],
  options: LinearCrossEntropyOptions & { returnGrad: false },
): LinearCrossEntropyLoss;
/** Linear layer + cross-entropy with gradients, never materializing n × vocab. See the module doc. */
export function linearCrossEntropy(
  hidden: ArrayInput,
  weight: ArrayInput,
  targets: Int32Array | readonly number[],
  options: LinearCrossEntropyOptions,
): LinearCrossEntropyResult;
export function linearCrossEntropy(
  hidden: ArrayInput,
  weight: ArrayInput,
  targets: Int32Array | readonly number[],
  options: LinearCrossEntropyOptions,
): LinearCrossEntropyResult | LinearCrossEntropyLoss {
  const fn = 'linearCrossEntropy';
  const o = resolveOptions(fn, options, LINEAR_CROSS_ENTROPY_RULES);
  const { n: tokens, d: hiddenSize, vocab } = o;
  const H = toFloatArray(fn, 'hidden', hidden);
  requireLength(fn, 'hidden', H, tokens * hiddenSize);
  const W = toFloatArray(fn, 'weight', weight);
  requireLength(fn, 'weight', W, vocab * hiddenSize);
  const b = o.bias;
  if (b) requireLength(fn, 'bias', b, vocab);
  const chunk = Math.min(vocab, o.chunk);
  const spec: ReductionSpec = { x: H, reduction: o.reduction, allIgnored: o.allIgnored };
  const t = classTargets(fn, targets, tokens, vocab, o.ignoreIndex);
  const w = classWeights(fn, 'classWeight', o.classWeight, vocab);
  const eps = o.labelSmoothing;
  const zc = o.zLoss;
  const cap = o.softcap;
  const tau = o.filterThreshold;
  const wantLse = o.returnLse;
  const wantGrad = o.returnGrad;

  const { count, weight: denominator } = targetTotals(t, w);
  const s = reductionScale(spec, denominator);
  const sz = reductionScale(spec, count);
  let wSum = vocab;
  if (w) wSum = w.reduce((a, v) => a + v, 0);
  const raw = new Float64Array(ROW_BLOCK * chunk);
  const ctx: Ctx = {
    tokens,
    hiddenSize,
    vocab,
    H,
    W,
    b,
    cap,
    raw,
    z: cap > 0 ? new Float64Array(raw.length) : raw,
  };

  // Forward: fold every tile into the rows' split sums (m, c, b): d = c + b with c the
  // entries at the max, so log d = log1p((c − 1) + b) is exact for a confident row
  // (online-state.ts). A tile row holding NaN or +∞ has no split sum: its max goes into
  // `poison` instead (Math.max keeps NaN over +∞), and the row's lse is that.
  // per tile row: the max and u = Σ e^(z − m) − 1 (src/kernels/logit-tile-dispatch.ts); later the exp
  // pass's lse and factor, smoothing + zLoss's extra, and the target's entry
  const [tm, tu, tf, extra, target] = Array.from({ length: 5 }, () => new Float64Array(ROW_BLOCK));
  const split: SplitSumState[] = new Array(tokens).fill(EMPTY_SPLIT_STATE);
  const poison = new Float64Array(tokens).fill(-Infinity);
  const zt = new Float64Array(tokens);
  for (let v0 = 0; v0 < vocab; v0 += chunk) {
    const cols = Math.min(chunk, vocab - v0);
    for (let i0 = 0; i0 < tokens; i0 += ROW_BLOCK) {
      const rows = Math.min(ROW_BLOCK, tokens - i0);
      logitsTile(ctx, i0, rows, v0, cols);
      splitStateRows({ x: ctx.z, rows, n: cols, m: tm, u: tu });
      for (let r = 0; r < rows; r++) {
        const i = i0 + r;
        const ti = t[i]!;
        if (ti < 0 && !wantLse) continue;
        // u = NaN: a fully masked tile row (m = −∞, adds nothing), or one holding NaN or +∞
        const u = tu[r]!;
        const m = tm[r]!;
        if (!Number.isNaN(u)) split[i] = mergeSplitStates(split[i]!, { m, c: 1, b: u });
        else if (m !== -Infinity) poison[i] = Math.max(poison[i]!, m);
        if (ti >= v0 && ti < v0 + cols) zt[i] = ctx.z[r * cols + ti - v0]!;
      }
    }
  }
  // per row: the max, log d and lse = m + log d; NaN (+∞ for lse) where poisoned
  const rowMax = new Float64Array(tokens);
  const lse = new Float64Array(tokens);
  const logD = new Float64Array(tokens);
  for (let i = 0; i < tokens; i++) {
    const sp = split[i]!;
    const bad = poison[i] !== -Infinity;
    rowMax[i] = bad ? Number.NaN : sp.m;
    logD[i] = bad ? Number.NaN : sp.m === -Infinity ? -Infinity : Math.log1p(sp.c - 1 + sp.b);
    lse[i] = bad ? poison[i]! : sp.m === -Infinity ? -Infinity : sp.m + logD[i]!;
  }

  // Backward: recompute each tile, form G, and accumulate the two products. For the
  // loss alone only label smoothing's sums Σ_j w_j·(lse − z_j) need the tiles again.
  const dHidden = wantGrad ? allocLike(H, tokens * hiddenSize) : undefined;
  const dH =
    !dHidden || H instanceof Float64Array ? dHidden : new Float64Array(tokens * hiddenSize);
  const dWeight = wantGrad ? allocLike(W, vocab * hiddenSize) : undefined;
  const dWc = new Float64Array(wantGrad ? chunk * hiddenSize : 0);
  const dBias = b && wantGrad ? allocLike(b, vocab) : undefined;
  const dBc = new Float64Array(chunk);
  const gapSum = new Float64Array(tokens);
  const spread = eps / vocab;
  const keep = 1 - eps;
  const backward = wantGrad || spread > 0;
  // no smoothing, softcap or filter: the exp pass gives every non-target entry of G
  const plain = spread === 0 && cap === 0 && tau === 0;
  for (let v0 = 0; backward && v0 < vocab; v0 += chunk) {
    const cols = Math.min(chunk, vocab - v0);
    dWc.fill(0);
    dBc.fill(0);
    for (let i0 = 0; i0 < tokens; i0 += ROW_BLOCK) {
      const rows = Math.min(ROW_BLOCK, tokens - i0);
      logitsTile(ctx, i0, rows, v0, cols);
      const G = ctx.z; // the gradient overwrites the logits it is computed from
      let skippable = tau > 0;
      // per row: label smoothing's sums (from the logits), then what the exp pass needs
      for (let r = 0; r < rows; r++) {
        const i = i0 + r;
        const L = lse[i]!;
        const o = r * cols;
        tm[r] = 0;
        tf[r] = 0; // rows the exp pass need not compute (filled below)
        if (t[i]! < 0 || !Number.isFinite(L)) continue;
        const m = rowMax[i]!;
        const ld = logD[i]!;
        let gs = 0;
        if (spread > 0)
          for (let j = 0; j < cols; j++) {
            const wj = w ? w[v0 + j]! : 1;
            if (wj !== 0) gs += wj * (m - G[o + j]! + ld); // a class of weight 0 adds nothing
          }
        gapSum[i]! += gs;
        // G/s = p·pz − q: pz = hot + extra, extra = spread·W + (s_z/s)·2·zLoss·lse (kept
        // apart: pz − hot would round extra to the ulp of pz)
        extra[r] = spread * wSum + (sz / s) * 2 * zc * L;
        const pz = keep * (w ? w[t[i]!]! : 1) + extra[r]!;
        const tj = t[i]! - v0;
        // the target: p·pz − hot − spread·w = (extra − spread·w) − pz·(1 − p), with
        // 1 − p = −expm1((z − m) − log d), accurate as p → 1 (p·pz − hot would cancel)
        target[r] =
          tj >= 0 && tj < cols
            ? extra[r]! - spread * (w ? w[t[i]!]! : 1) + pz * Math.expm1(G[o + tj]! - m - ld)
            : 0;
        tm[r] = L;
        tf[r] = plain ? s * pz : pz;
      }
      if (!wantGrad) continue;
      expScaleRows({ x: G, y: G, rows, n: cols, m: tm, f: tf }); // p·pz (·s when plain) for every entry
      for (let r = 0; r < rows; r++) {
        const i = i0 + r;
        const L = lse[i]!;
        const o = r * cols;
        if (t[i]! < 0 || L === -Infinity) {
          G.fill(0, o, o + cols);
          continue;
        }
        if (!Number.isFinite(L)) {
          G.fill(Number.NaN, o, o + cols);
          skippable = false;
          continue;
        }
        const tj = t[i]! - v0;
        if (plain) {
          if (tj >= 0 && tj < cols) G[o + tj] = s * target[r]!;
          continue;
        }
        for (let j = 0; j < cols; j++) {
          const gh = j === tj ? target[r]! : G[o + j]! - spread * (w ? w[v0 + j]! : 1);
          if (!(Math.abs(gh) <= tau)) skippable = false;
          G[o + j] = cap > 0 ? s * gh * softcapSlope(raw[o + j]!, cap) : s * gh;
        }
      }
      if (skippable || !dH) continue;
      const Gv = { data: G, offset: 0, ld: cols };
      gemmNN({
        m: rows,
        n: hiddenSize,
        k: cols,
        A: Gv,
        B: { data: W, offset: v0 * hiddenSize, ld: hiddenSize },
        C: { data: dH, offset: i0 * hiddenSize, ld: hiddenSize },
        beta: 1,
      });
      gemmTN({
        m: cols,
        n: hiddenSize,
        k: rows,
        A: Gv,
        B: { data: H, offset: i0 * hiddenSize, ld: hiddenSize },
        C: { data: dWc, offset: 0, ld: hiddenSize },
        beta: 1,
      });
      if (dBias)
        for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) dBc[j]! += G[r * cols + j]!;
    }
    dWeight?.set(dWc.subarray(0, cols * hiddenSize), v0 * hiddenSize);
    dBias?.set(dBc.subarray(0, cols), v0);
  }
  if (dHidden && dH && dH !== dHidden) dHidden.set(dH);

  const perRow = new Float64Array(tokens);
  const zRow = new Float64Array(tokens);
  for (let i = 0; i < tokens; i++) {
    const L = lse[i]!;
    if (t[i]! < 0 || L === -Infinity) continue;
    if (zc > 0) zRow[i] = zc * L * L;
    if (!Number.isFinite(L)) {
      perRow[i] = Number.NaN; // a row holding NaN or +∞
      continue;
    }
    let l = 0;
    if (keep > 0) l += keep * (w ? w[t[i]!]! : 1) * (rowMax[i]! - zt[i]! + logD[i]!);
    if (spread > 0) l += spread * gapSum[i]!;
    perRow[i] = l;
  }
  let loss: number | FloatArray;
  if (spec.reduction === 'none') {
    for (let i = 0; i < tokens; i++) perRow[i] = perRow[i]! + zRow[i]!;
    loss = reduceLoss(spec, perRow, denominator);
  } else {
    loss = reduceLoss(spec, perRow, denominator) as number;
    if (zc > 0) loss += reduceLoss(spec, zRow, count) as number;
  }
  const result: LinearCrossEntropyLoss & Partial<LinearCrossEntropyResult> =
    dHidden && dWeight ? { loss, dHidden, dWeight } : { loss };
  if (dBias) result.dBias = dBias;
  if (wantLse) {
    const out = allocLike(H, tokens);
    out.set(lse);
    result.lse = out;
  }
  return result;
}
