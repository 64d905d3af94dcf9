/**
 * Backward passes of the routers, selection held fixed (as autograd treats a
 * top-k's indices): gradients reach the logits only through the scores of the
 * selected slots.
 *
 * Weights of a token, k slots with scores p_j (S = Σ_j p_j over all k slots,
 * dropped or not; kept_j = 1 − dropped_j):
 *   w_j = c·kept_j·p_j / S     (renormalize)   or   c·kept_j·p_j
 *   ∂L/∂p_m = g_m / S − (Σ_j g_j p_j) / S²       or   g_m,     g_j = c·kept_j·∂L/∂w_j
 * (S = 0 gives weights and gradients 0). Scores to logits:
 *   softmax: dx = s ⊙ (ds − ⟨s, ds⟩)      sigmoid: dx = ds ⊙ s ⊙ (1 − s)
 * A row holding +∞ (softmax) gets gradient 0, a NaN row NaN (js/row-policy.ts).
 */
import type { FloatArray } from '../tensor/types.js';

/** dPicked[t·k + j] = ∂L/∂p_j from dWeights by the renormalization above. */
export function weightsVjpRows(
  picked: Float64Array,
  dWeights: ArrayLike<number>,
  dropped: Uint8Array | undefined,
  rows: number,
  k: number,
  renormalize: boolean,
  scale: number,
  dPicked: Float64Array,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * k;
    let S = 0;
    let t = 0;
    for (let j = o; j < o + k; j++) {
      const g = dropped?.[j] ? 0 : scale * dWeights[j]!;
      dPicked[j] = g;
      S += picked[j]!;
      t += g * picked[j]!;
    }
    if (!renormalize) continue;
    for (let j = o; j < o + k; j++) dPicked[j] = S === 0 ? 0 : dPicked[j]! / S - t / (S * S);
  }
}

/**
 * dx of `rows` rows of n logits from the slots' ∂L/∂p (dPicked[t·k + j] at expert
 * indices[t·k + j]; index −1 = an empty slot) through softmax or sigmoid scores.
 */
export function scoresVjpRows(
  x: ArrayLike<number>,
  scores: ArrayLike<number>,
  indices: Int32Array,
  dPicked: Float64Array,
  rows: number,
  n: number,
  k: number,
  useSigmoid: boolean,
  dx: FloatArray,
): void {
  const ds = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    ds.fill(0);
    for (let j = r * k; j < (r + 1) * k; j++) if (indices[j]! >= 0) ds[indices[j]!]! += dPicked[j]!;
    if (useSigmoid) {
      for (let i = 0; i < n; i++) {
        const s = scores[o + i]!;
        dx[o + i] = s === 0 || s === 1 ? 0 : ds[i]! * s * (1 - s);
      }
      continue;
    }
    let dot = 0;
    let posInf = false;
    for (let i = 0; i < n; i++) {
      dot += scores[o + i]! * ds[i]!;
      if (x[o + i] === Infinity) posInf = true;
    }
    for (let i = 0; i < n; i++) {
      const s = scores[o + i]!;
      dx[o + i] = posInf || s === 0 ? 0 : s * (ds[i]! - dot);
    }
  }
}

/**
 * dx of `rows` rows through normalized sigmoid affinities s'_i = s_i / Σ_j s_j
 * (s = sigmoid(x), DeepSeek-V3's balance loss), for ∂L/∂s'_i = factor·g_i (one
 * per-expert vector for every row): ds_j = factor·(g_j − Σ_i g_i s'_i) / Σ s,
 * dx_j = ds_j·s_j·(1 − s_j). A row whose Σ s is 0 gets 0.
 */
export function normalizedSigmoidVjpRows(
  scores: ArrayLike<number>,
  g: Float64Array,
  rows: number,
  n: number,
  factor: number,
  dx: FloatArray,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let S = 0;
    let dot = 0;
    for (let i = 0; i < n; i++) {
      S += scores[o + i]!;
      dot += g[i]! * scores[o + i]!;
    }
    for (let i = 0; i < n; i++) {
      const s = scores[o + i]!;
      dx[o + i] = S === 0 ? 0 : ((factor * (g[i]! - dot / S)) / S) * s * (1 - s);
    }
  }
}
