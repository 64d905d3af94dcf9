/**
 * crossEntropy(logits, targets) — PyTorch's torch.nn.functional.cross_entropy,
 * loss and gradient together, along any class axis.
 *
 * Class targets t (ignored where t = ignoreIndex), class weights w, smoothing ε,
 * C classes: per row, with lse = log Σ_j e^(x_j),
 *   ℓ = (1 − ε)·w_t·(lse − x_t) + (ε/C)·Σ_j w_j·(lse − x_j)
 * 'mean' = Σ ℓ / Σ_{non-ignored} w_t (PyTorch's weighted mean; ε does not enter
 * the denominator). Probability targets T (the logits' shape):
 *   ℓ = Σ_j w_j·((1 − ε)·T_j + ε/C)·(lse − x_j), 'mean' = Σ ℓ / rows.
 * Gradient: dℓ/dx = (Σ q)·softmax(x) − q for the row's target distribution q.
 *
 * Beyond PyTorch:
 * - `zLoss` (PaLM, Chowdhery et al. 2022, arXiv:2204.02311): adds
 *   zLoss·lse² per non-ignored row, averaged over those rows for 'mean'
 *   (as Liger-Kernel does; class weights do not weight it); gradient 2·zLoss·lse·softmax(x).
 * - `softcap` c (Gemma 2): the logits are c·tanh(x/c) before the softmax;
 *   the gradient is multiplied by sech²(x/c).
 * - `allIgnored`: a 'mean' over no non-ignored target (or zero total weight)
 *   is 0 with gradient 0 by default; 'nan' gives PyTorch's NaN loss.
 * - `returnLse` / `returnAccuracy` add `lse` (per row, of the capped logits)
 *   and `accuracy` (share of non-ignored rows whose argmax is the target; the
 *   target row's argmax for probability targets) to the result.
 * - `returnGrad: false` computes the loss alone (evaluation, perplexity): the
 *   kernels store no e^(x − m) and no gradient array is allocated or written.
 * - `ignoreIndex` applies to class indices: given with probability targets it is
 *   INVALID_PARAMETER (PyTorch ignores it there silently).
 * - `backend` ('auto' | 'js' | 'wasm', resolved by src/kernels/backend.ts) picks the
 *   class-target kernel. Probability targets have one kernel, the JavaScript
 *   reference, on every backend (the backend is still resolved: an unloaded
 *   'wasm' throws BACKEND_UNAVAILABLE).
 *
 * Stability: one pass per row in the cross-entropy kernel: (m − x_j) + log d
 * with m the max and d = Σ e^(x − m) compensated, never log(softmax); a +1e6
 * shift changes nothing; a masked (−∞) logit never sets the shift.
 *
 * Error bound: Float64 loss and gradient ≤ 1e-14 relative to a 60-digit
 * reference; Float32 gradients ≤ 4 ulp (double computation, one rounding).
 * With `softcap` add 2^−50·c relative: each capped logit is within ~2 ulp of c,
 * and the loss and every gradient entry move by at most twice the largest logit
 * error, relative, since ℓ ≥ 1 − p_t (measured 1.2e-14 at c = 50, margin 40).
 * Tested in test/losses/cross-entropy.test.ts.
 *
 * Non-finite policy: a masked logit gets probability 0 and gradient 0 (loss +∞
 * if it is the target); a fully masked row gives loss 0, gradient 0, lse −∞;
 * a row holding +∞ takes the limit (its c infinite logits share probability
 * 1/c); NaN stays in its row's loss and gradient ('mean' and 'sum' are then NaN).
 *
 * @example
 * const { loss, grad } = crossEntropy([2, 1, 0.1, 0.5, 2.5, 0.2], [0, 1], { shape: [2, 3] });
 * crossEntropy(logits, targets, { shape: [N, C, L], axis: 1, labelSmoothing: 0.1, zLoss: 1e-4 });
 */
import { resolveBackend } from '../kernels/backend.js';
import { softCrossEntropyRows } from '../kernels/js/cross-entropy-rows.js';
import { expDiff } from '../kernels/js/exact.js';
import { allocLike, requireLength, toFloatArray } from '../tensor/arrays.js';
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import { backendRule, booleanRule, numberRule, rule } from '../tensor/options.js';
import type { ArrayInput, BackendName, FloatArray } from '../tensor/types.js';
import { classTargets, classWeights, targetTotals } from './class-targets.js';
import {
  CLASS_LOSS_RULES,
  type ClassLossOptions,
  forEachLossRow,
  type LossResult,
  lossGradient,
  REDUCTION_RULES,
  reduceLoss,
  reductionScale,
  resolveLoss,
} from './loss-options.js';
import { softcapRows, softcapSlope } from './softcap.js';

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions extends ClassLossOptions {
  /** Per-class weights (length C), as PyTorch's `weight`. */
  weight?: ArrayInput;
  /** ε in [0, 1]: the target becomes (1 − ε)·target + ε/C. Default 0. */
  labelSmoothing?: number;
  /** Coefficient of the PaLM z-loss, mean of lse² over non-ignored rows. ≥ 0, default 0. */
  zLoss?: number;
  /** Soft-cap c > 0: logits become c·tanh(x/c) first. Default: none. */
  softcap?: number;
  /** Add the per-row `lse` (reduced shape) to the result. Default false. */
  returnLse?: boolean;
  /** Add the token `accuracy` (argmax = target over non-ignored rows) to the result. Default false. */
  returnAccuracy?: boolean;
  /**
   * false: the loss alone (evaluation, perplexity): no gradient is computed or
   * allocated and the result has no `grad`. Default true.
   */
  returnGrad?: boolean;
  /** Kernel backend of the class-target kernel (see the module doc). Default 'auto'. */
  backend?: BackendName;
}

/** The cross-entropy terms crossEntropy and linearCrossEntropy share (defaults here once). */
export const CROSS_ENTROPY_TERMS = {
  ...REDUCTION_RULES,
  ignoreIndex: CLASS_LOSS_RULES.ignoreIndex,
  /** ε in [0, 1]. */
  labelSmoothing: numberRule({ atLeast: 0, atMost: 1, default: 0 }),
  /** PaLM z-loss coefficient ≥ 0. */
  zLoss: numberRule({ atLeast: 0, default: 0 }),
  /** Soft-cap c > 0; 0 stands for none. */
  softcap: numberRule({ greaterThan: 0, default: 0 }),
  returnLse: booleanRule(false),
  returnGrad: booleanRule(true),
} as const;

/** The option rules of {@link crossEntropy}. */
const CROSS_ENTROPY_RULES = {
  ...CLASS_LOSS_RULES,
  ...CROSS_ENTROPY_TERMS,
  weight: rule((fn, name, v) => toFloatArray(fn, name, v)),
  returnAccuracy: booleanRule(false),
  backend: backendRule,
} as const;

/** The result of {@link crossEntropy}; `lse` and `accuracy` only when asked. */
export interface CrossEntropyResult extends LossResult {
  lse?: FloatArray;
  accuracy?: number;
}

/** The result of {@link crossEntropy} with `returnGrad: false`. */
export type CrossEntropyLoss = Omit<CrossEntropyResult, 'grad'>;

/** Cross-entropy of logits against class indices or probabilities, loss only. See the module doc. */
export function crossEntropy(
  logits: ArrayInput,
  targets: Int32Array | readonly number[] | FloatArray,
  options: CrossEntropyOptions & { returnGrad: false },
): CrossEntropyLoss;
/** Cross-entropy of logits against class indices or probabilities. See the module doc. */
export function crossEntropy(
  logits: ArrayInput,
  targets: Int32Array | readonly number[] | FloatArray,
  options?: CrossEntropyOptions,
): CrossEntropyResult;
export function crossEntropy(
  logits: ArrayInput,
  targets: Int32Array | readonly number[] | FloatArray,
  options?: CrossEntropyOptions,
): CrossEntropyResult | CrossEntropyLoss {
  const fn = 'crossEntropy';
  const { p, o } = resolveLoss(fn, logits, options, CROSS_ENTROPY_RULES);
  const { rows } = p;
  const C = p.layout.n;
  const w = classWeights(fn, 'weight', o.weight, C);
  const { labelSmoothing: eps, zLoss: z, softcap: cap, returnGrad: wantGrad } = o;
  const { returnLse: wantLse, returnAccuracy: wantAccuracy } = o;
  if (!wantGrad && p.gradOut)
    throw new SoftmaxKitError(
      'INVALID_OUT',
      `${fn}: expected no gradOut with returnGrad: false, got ${describe(p.gradOut)}`,
    );
  const soft = targets instanceof Float32Array || targets instanceof Float64Array;
  let t: Int32Array | undefined;
  let count = rows;
  let denominator = rows;
  const ignoreGiven = (options as { ignoreIndex?: unknown } | undefined)?.ignoreIndex;
  if (soft && ignoreGiven !== undefined)
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected no ignoreIndex with probability targets (it applies to class indices), got ${describe(ignoreGiven)}`,
    );
  if (soft) requireLength(fn, 'targets', targets, p.x.length);
  else {
    t = classTargets(fn, targets, rows, C, o.ignoreIndex);
    ({ count, weight: denominator } = targetTotals(t, w));
  }
  const backend = resolveBackend(fn, o.backend, p.x.length, p.x instanceof Float32Array);
  const scale = new Float64Array(rows).fill(reductionScale(p, denominator));
  const zScale = reductionScale(p, count);
  const perRow = new Float64Array(rows);
  const zRow = new Float64Array(z > 0 ? rows : 0);
  const lse = new Float64Array(rows);
  const composed = wantGrad && (z > 0 || cap > 0);
  let capped = new Float64Array(0);
  let g64 = new Float64Array(0);
  let correct = 0;

  const aux = soft ? [targets] : [];
  const grad = forEachLossRow(
    p,
    aux,
    wantGrad ? lossGradient(p) : undefined,
    (x, a, out, r0, k, n) => {
      const len = k * n;
      let xin: FloatArray = x;
      let g = out;
      if (composed) {
        if (g64.length < len) g64 = new Float64Array(len);
        g = g64.subarray(0, len);
      }
      if (cap > 0) {
        if (capped.length < len) capped = new Float64Array(len);
        xin = capped.subarray(0, len);
        softcapRows(x, xin, len, cap);
      }
      const r1 = r0 + k;
      const args = {
        x: xin,
        rows: k,
        n,
        smoothing: eps,
        classWeight: w,
        scale: scale.subarray(r0, r1),
        loss: perRow.subarray(r0, r1),
        lse: lse.subarray(r0, r1),
        grad: g,
      };
      if (soft) softCrossEntropyRows({ ...args, target: a[0]! });
      else backend.crossEntropy({ ...args, targets: t!.subarray(r0, r1) });
      for (let r = 0; r < k; r++) {
        const o = r * n;
        const ignored = t !== undefined && t[r0 + r]! < 0;
        if (wantAccuracy && !ignored) {
          const want = soft ? argmax(a[0]!, o, n) : t![r0 + r]!;
          if (argmax(x, o, n) === want) correct++;
        }
        const L = lse[r0 + r]!;
        if (z > 0 && !ignored && L !== -Infinity) zRow[r0 + r] = z * L * L;
        if (!composed || !out || !g) continue;
        if (z > 0 && !ignored && Number.isFinite(L)) {
          const c = 2 * z * L * zScale;
          for (let j = o; j < o + n; j++) g[j] = g[j]! + c * expDiff(xin[j]!, L);
        }
        if (cap > 0) for (let j = o; j < o + n; j++) out[j] = g[j]! * softcapSlope(x[j]!, cap);
        else for (let j = o; j < o + n; j++) out[j] = g[j]!;
      }
    },
  );

  let loss: number | FloatArray;
  if (p.reduction === 'none') {
    for (let i = 0; i < zRow.length; i++) perRow[i] = perRow[i]! + zRow[i]!;
    loss = reduceLoss(p, perRow, denominator);
  } else {
    loss = reduceLoss(p, perRow, denominator) as number;
    if (z > 0) loss += reduceLoss(p, zRow, count) as number;
  }
  const result: CrossEntropyLoss & { grad?: FloatArray } = grad ? { loss, grad } : { loss };
  if (wantLse) {
    const l = allocLike(p.x, rows);
    l.set(lse);
    result.lse = l;
  }
  if (wantAccuracy)
    result.accuracy = count > 0 ? correct / count : p.allIgnored === 'nan' ? Number.NaN : 0;
  return result;
}

/** Index of the first maximum of a row; −1 when the row holds NaN or is all −∞. */
function argmax(x: FloatArray, o: number, n: number): number {
  let best = -1;
  let m = -Infinity;
  for (let j = 0; j < n; j++) {
    const v = x[o + j]!;
    if (Number.isNaN(v)) return -1;
    if (v > m) {
      m = v;
      best = j;
    }
  }
  return best;
}
