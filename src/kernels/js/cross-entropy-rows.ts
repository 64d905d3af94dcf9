/**
 * The cross-entropy row kernel: loss and gradient in one pass over each row
 * (after the row's max), never forming log(softmax(x)).
 *
 * With target t, smoothing ε, class weights w (all 1 when absent) and n classes,
 * the target distribution is q_j = (1 − ε)·w_t·[j = t] + (ε/n)·w_j, and
 *   lse  = log Σ_j e^(x_j)
 *   loss = Σ_j q_j·(lse − x_j) = (Σ q)·lse − Σ_j q_j x_j
 *   grad = scale · ((Σ q)·softmax(x) − q)
 * which is PyTorch's cross_entropy(weight, label_smoothing) per row. A row whose
 * target is negative (ignored) gets loss 0 and gradient 0.
 *
 * Stability: lse and softmax from the exact three-pass normalizer (x − max
 * exact, compensated sum); loss from lse − x_j (no log of a probability).
 * Masked logits (−∞) with q_j = 0 contribute nothing; a masked logit with
 * q_j > 0 gives loss +∞ (the target is impossible).
 */
import type { FloatArray } from '../../tensor/types.js';
import { expDiff } from './exact.js';
import { logSumExpRows } from './softmax-rows.js';

const lseOne = new Float64Array(1);

/**
 * Per row r of `rows` contiguous rows of length n: loss[r], lse[r] and, when
 * `grad` is given, grad[r·n..] = scale[r]·((Σq)·p − q). Targets must be
 * in [0, n) or negative (ignored); the caller validates.
 */
export function crossEntropyRows(
  x: FloatArray,
  targets: Int32Array,
  rows: number,
  n: number,
  smoothing: number,
  classWeight: Float64Array | undefined,
  scale: Float64Array,
  loss: Float64Array,
  lse: Float64Array,
  grad: FloatArray | undefined,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    const t = targets[r]!;
    logSumExpRows(x.subarray(o, o + n), lseOne, 1, n, 'three-pass', 1);
    const L = lseOne[0]!;
    lse[r] = L;
    if (t < 0) {
      loss[r] = 0;
      if (grad) grad.fill(0, o, o + n);
      continue;
    }
    const wt = classWeight ? classWeight[t]! : 1;
    const hot = (1 - smoothing) * wt;
    const spread = smoothing / n;
    // loss = Σ_j q_j (L − x_j), summing only the q_j > 0 terms.
    let l = hot * (L - x[o + t]!);
    let qSum = hot;
    if (spread > 0)
      for (let j = 0; j < n; j++) {
        const qj = spread * (classWeight ? classWeight[j]! : 1);
        if (qj === 0) continue;
        l += qj * (L - x[o + j]!);
        qSum += qj;
      }
    loss[r] = l;
    if (!grad) continue;
    const s = scale[r]!;
    for (let j = 0; j < n; j++) {
      const p = Number.isFinite(L) ? expDiff(x[o + j]!, L) : 0;
      const qj = (j === t ? hot : 0) + spread * (classWeight ? classWeight[j]! : 1);
      grad[o + j] = s * (qSum * p - qj);
    }
  }
}
