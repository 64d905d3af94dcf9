/**
 * The passes of Shazeer et al.'s smooth load estimator (src/gating/smooth-load-loss.ts)
 * over router logits [tokens, experts] with their noisy copy H = x + ε·σ:
 *   P_te = Φ((x_te − h*_te) / σ_te),  h*_te = the k-th largest of H_t without entry e
 * (for e among the top k of H_t that is the (k+1)-th largest, else the k-th), the
 * probability that e would still be in the top k if its noise were redrawn. The
 * top k + 1 of each row come from the top-k buffer (src/kernels/top-k.ts; ties
 * by lower index). Masked experts (x = −∞) get P = 0; where fewer than k + 1
 * experts are unmasked h* may be −∞ and P = 1; neither has a gradient.
 */
import { normalDensity, upperTail } from './js/normal-tail.js';
import { newTopKState, topKRow } from './top-k.js';

/** Per-entry quantities the gradient needs: ∂P/∂x = slope, a = (x − h*)/σ, and h*'s index (−1: none). */
export interface SmoothLoadState {
  readonly slope: Float64Array;
  readonly z: Float64Array;
  readonly threshold: Int32Array;
}

/** Load_e = Σ_t P_te into `load` ([experts], overwritten), and the state of {@link smoothLoadVjpRows}. */
export function smoothLoadRows(
  x: ArrayLike<number>,
  noisy: ArrayLike<number>,
  sigma: ArrayLike<number>,
  tokens: number,
  experts: number,
  k: number,
  load: Float64Array,
): SmoothLoadState {
  const slope = new Float64Array(tokens * experts);
  const z = new Float64Array(tokens * experts);
  const threshold = new Int32Array(tokens * experts).fill(-1);
  const st = newTopKState(k + 1);
  const rank = new Int32Array(experts);
  load.fill(0);
  for (let t = 0; t < tokens; t++) {
    const o = t * experts;
    topKRow(noisy, o, experts, k + 1, st, false);
    rank.fill(k + 1);
    for (let j = 0; j < st.count; j++) rank[st.indices[j]!] = j;
    const inThreshold = st.count > k ? st.indices[k]! : -1; // the (k+1)-th largest
    const outThreshold = st.count >= k ? st.indices[k - 1]! : -1; // the k-th largest
    for (let e = 0; e < experts; e++) {
      const xe = x[o + e]!;
      if (xe === -Infinity) continue;
      const j = rank[e]! < k ? inThreshold : outThreshold;
      const h = j < 0 ? -Infinity : noisy[o + j]!;
      if (h === -Infinity) {
        load[e]! += 1;
        continue;
      }
      const s = sigma[o + e]!;
      const a = (xe - h) / s;
      load[e]! += upperTail(-a);
      slope[o + e] = normalDensity(a) / s;
      z[o + e] = a;
      threshold[o + e] = j;
    }
  }
  return { slope, z, threshold };
}

/**
 * The gradient of Σ_te dLoad_e·P_te: into dx (∂/∂x) and dSigma (∂/∂σ), both
 * [tokens, experts] and overwritten. With g = dLoad_e·φ(a)/σ_e:
 *   ∂/∂x_te += g,  ∂/∂σ_te −= g·a,  and through h* = H_tj = x_tj + ε_tj·σ_tj:
 *   ∂/∂x_tj −= g,  ∂/∂σ_tj −= g·ε_tj.
 */
export function smoothLoadVjpRows(
  state: SmoothLoadState,
  eps: ArrayLike<number>,
  dLoad: Float64Array,
  tokens: number,
  experts: number,
  dx: Float64Array,
  dSigma: Float64Array,
): void {
  dx.fill(0);
  dSigma.fill(0);
  const { slope, z, threshold } = state;
  for (let t = 0; t < tokens; t++) {
    const o = t * experts;
    for (let e = 0; e < experts; e++) {
      const j = threshold[o + e]!;
      if (j < 0) continue;
      const g = dLoad[e]! * slope[o + e]!;
      dx[o + e]! += g;
      dSigma[o + e]! -= g * z[o + e]!;
      dx[o + j]! -= g;
      dSigma[o + j]! -= g * eps[o + j]!;
    }
  }
}
