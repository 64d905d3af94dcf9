/**
 * The passes of vector scaling (src/calibration/vector-scaling.ts) over
 * contiguous rows of logits [rows, n] with one class label per row (−1 = ignored).
 *
 * With per-class scale w_j and bias b_j, the scaled logits are z_j = w_j·x_j + b_j
 * (a masked x_j = −∞ stays masked: z_j = −∞ whatever the sign of w_j), and a
 * row's NLL and its gradient are
 *   ℓ = logsumexp(z) − z_t,   ∂ℓ/∂w_j = (p_j − [j = t])·x_j,   ∂ℓ/∂b_j = p_j − [j = t]
 * with p = softmax(z) (shifted by max z, so every exp ≤ 1). One pass per row
 * computes z into a scratch row, its max, the sum of exps and the gradient.
 * The NLL is Neumaier-summed over rows; the gradient sums are plain (their
 * error, ~rows·2^−53 of the terms' size, is far below the fit's tolerance).
 */
import type { FloatArray } from '../../tensor/types.js';
import { addCompensated, type CompensatedSum } from './exact.js';

/**
 * Σ over labelled rows of ℓ at (w, b), and the gradient sums into `grad`
 * ([∂/∂w_0 … ∂/∂w_{n−1}, ∂/∂b_0 … ∂/∂b_{n−1}], overwritten). Returns +∞ when a
 * scaled logit overflows (a trial step too long: the caller backtracks).
 * Rows must be finite or −∞ with a finite label logit (checked by the caller).
 */
export function vectorScalingPass(
  x: FloatArray,
  rows: number,
  n: number,
  labels: Int32Array,
  w: Float64Array,
  b: Float64Array,
  grad: Float64Array,
): number {
  grad.fill(0);
  const z = new Float64Array(n);
  const nll: CompensatedSum = { sum: 0, comp: 0 };
  for (let r = 0; r < rows; r++) {
    const t = labels[r]!;
    if (t < 0) continue;
    const o = r * n;
    let m = -Infinity;
    for (let j = 0; j < n; j++) {
      const v = x[o + j]!;
      const zj = v === -Infinity ? -Infinity : w[j]! * v + b[j]!;
      z[j] = zj;
      if (zj > m) m = zj;
    }
    if (!Number.isFinite(m)) return Infinity; // overflow to +∞ (or NaN from ∞ − ∞)
    let d = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(z[j]! - m);
      z[j] = e;
      d += e;
    }
    for (let j = 0; j < n; j++) {
      const p = z[j]! / d;
      if (p === 0) continue; // masked or underflowed: no gradient, and no 0·(−∞)
      grad[j]! += p * x[o + j]!;
      grad[n + j]! += p;
    }
    const xt = x[o + t]!;
    const zt = w[t]! * xt + b[t]!;
    grad[t]! -= xt;
    grad[n + t]! -= 1;
    addCompensated(nll, Math.log(d) + (m - zt));
  }
  return nll.sum + nll.comp;
}

/**
 * Each class's largest |finite logit| over the labelled rows (0 for a class
 * masked in every one): the natural unit of its scale's gradient. A maximum,
 * not a root-mean-square, so logits near the double range cannot overflow it.
 */
export function classLogitScales(
  x: FloatArray,
  rows: number,
  n: number,
  labels: Int32Array,
): Float64Array {
  const s = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    if (labels[r]! < 0) continue;
    for (let j = 0, o = r * n; j < n; j++) {
      const v = Math.abs(x[o + j]!);
      if (v !== Infinity && v > s[j]!) s[j] = v;
    }
  }
  return s;
}
