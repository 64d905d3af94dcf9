/**
 * softMoeWeights(logits, { shape: [tokens, slots] }) — Soft MoE's dispatch and
 * combine weights (Puigcerver et al. 2024, "From Sparse to Soft Mixtures of
 * Experts", ICLR, arXiv:2308.00951, eqs. 1–2). With logits X·Φ [tokens, slots]:
 *   dispatch = softmax over tokens, per slot     (D_ij = e^{x_ij} / Σ_i' e^{x_i'j})
 *   combine  = softmax over slots, per token     (C_ij = e^{x_ij} / Σ_j' e^{x_ij'})
 * Leading axes ([batch, tokens, slots]) are independent groups.
 *
 * softMoeWeightsVjp(logits, dDispatch, dCombine, options) = the sum of the two
 * softmaxes' VJPs (either gradient may be left out):
 *   dx = D ⊙ (dD − 1·(1ᵀ(D ⊙ dD)))  +  C ⊙ (dC − (C ⊙ dC)·1).
 *
 * Stability: both are the library's exact softmax along an axis (shift by the
 * max, compensated sum), ≤ 4 ulp each; −∞ logits (a masked token or slot) get
 * weight 0 and a fully masked column or row gives zeros.
 *
 * @example
 * const { dispatch, combine } = softMoeWeights([0, 0, Math.log(3), 0], { shape: [2, 2] });
 * dispatch; // [1/4, 1/2, 3/4, 1/2]  (columns sum to 1)
 * combine;  // [1/2, 1/2, 3/4, 1/4]  (rows sum to 1)
 */
import { softmax, softmaxVjp } from '../normalizers/softmax.js';
import { allocLike, toFloatArrayOfLength } from '../tensor/arrays.js';
import { SoftmaxKitError } from '../tensor/errors.js';
import { resolveOptions, shapeRule } from '../tensor/options.js';
import type { ArrayInput, FloatArray, ResultOf } from '../tensor/types.js';
import { routerLogits } from './router.js';

/** Options of {@link softMoeWeights}. */
export interface SoftMoeOptions {
  /** [..., tokens, slots] (rank ≥ 2, required unless the logits are one token). */
  shape?: readonly number[];
}

/** Soft MoE's weights, each with the logits' shape. */
export interface SoftMoeWeights<T extends FloatArray = FloatArray> {
  /** Softmax over tokens for each slot. */
  dispatch: T;
  /** Softmax over slots for each token. */
  combine: T;
}

const RULES = { shape: shapeRule } as const;

function layout(fn: string, logits: ArrayInput, options: SoftMoeOptions | undefined) {
  const o = resolveOptions(fn, options, RULES);
  const r = routerLogits(fn, logits, o.shape);
  const shape = r.shape.length === 1 ? [1, r.experts] : r.shape;
  if (shape[shape.length - 2] === 0)
    throw new SoftmaxKitError('EMPTY_AXIS', `${fn}: expected at least one token, got 0`);
  return { x: r.x, shape };
}

/** Soft MoE's dispatch and combine weights. See the module doc. */
export function softMoeWeights<X extends ArrayInput>(
  logits: X,
  options?: SoftMoeOptions,
): SoftMoeWeights<ResultOf<X>> {
  const { x, shape } = layout('softMoeWeights', logits, options);
  return {
    dispatch: softmax(x, { shape, axis: -2 }),
    combine: softmax(x, { shape, axis: -1 }),
  } as SoftMoeWeights<ResultOf<X>>;
}

/** d(⟨dDispatch, dispatch⟩ + ⟨dCombine, combine⟩) / d logits. */
export function softMoeWeightsVjp<X extends ArrayInput>(
  logits: X,
  dDispatch: ArrayInput | undefined,
  dCombine: ArrayInput | undefined,
  options?: SoftMoeOptions,
): ResultOf<X> {
  const fn = 'softMoeWeightsVjp';
  const { x, shape } = layout(fn, logits, options);
  const dx = allocLike(x, x.length);
  const terms: [ArrayInput | undefined, string, number][] = [
    [dDispatch, 'dDispatch', -2],
    [dCombine, 'dCombine', -1],
  ];
  for (const [dy, name, axis] of terms) {
    if (dy === undefined) continue;
    const g = softmaxVjp(x, toFloatArrayOfLength(fn, name, dy, x.length), { shape, axis });
    for (let i = 0; i < x.length; i++) dx[i]! += g[i]!;
  }
  return dx as ResultOf<X>;
}
