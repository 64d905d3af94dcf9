/**
 * topPGating(logits, { shape, p, maxK }) — dynamic routing (Huang et al. 2024,
 * "Harder Tasks Need More Experts: Dynamic Routing in MoE Models",
 * arXiv:2403.07652): with s = softmax(x), each token takes the fewest experts,
 * by score descending (ties by lower index), whose scores sum to ≥ p, and weighs
 * them by their scores (not renormalized, as the paper's Σ_{e∈S} P_e·E_e(x)):
 *   S_t = top-m_t(s_t),  m_t = min{ m : Σ_{j≤m} s_t(j) ≥ p }   (capped at maxK)
 * Returned padded to maxK: `indices` −1 and `weights` 0 beyond the token's
 * `k[t]` experts; a masked (−∞) expert is never taken.
 *
 * topPGatingVjp(logits, dWeights, options): selection held fixed,
 *   ∂L/∂x_t = s_t ⊙ (g_t − ⟨s_t, g_t⟩),  g_t = dWeights scattered to the chosen experts.
 *
 * Stability: one fused pass per token (top-maxK buffer beside the online
 * normalizer); each score ≤ ~4 ulp, so only a cumulative sum within a few ulp of
 * p can tip the count. Float64 weights ≤ 1e-14 relative.
 *
 * @example
 * const r = topPGating([3, 1, 0, -1], { p: 0.9 });
 * r.k;       // Int32Array [2]: 0.832… < 0.9 ≤ 0.832… + 0.113…
 * r.indices; // Int32Array [0, 1, -1, -1]
 */
import { topPRows } from '../kernels/routing-rows.js';
import { scoresVjpRows } from '../kernels/routing-vjp.js';
import { allocLike, toFloatArrayOfLength } from '../tensor/arrays.js';
import { integerRule, numberRule } from '../tensor/options.js';
import type { ArrayInput, FloatArray, ResultOf } from '../tensor/types.js';
import { type RouterOptions, requireK, routerInput } from './router.js';

/** Options of {@link topPGating}. */
export interface TopPGatingOptions extends RouterOptions {
  /** The mass threshold p ∈ (0, 1]. Default 0.4 (the paper's best). */
  p?: number;
  /** At most this many experts per token, 1 ≤ maxK ≤ experts. Default: the experts. */
  maxK?: number;
}

/** The result of {@link topPGating}. */
export interface TopPGatingResult<T extends FloatArray = FloatArray> {
  /** [tokens, maxK] the chosen experts' scores, 0 in the padding. */
  weights: T;
  /** [tokens, maxK] the chosen experts, −1 in the padding. */
  indices: Int32Array;
  /** [tokens, experts] softmax of the logits. */
  scores: T;
  /** [tokens] how many experts each token took. */
  k: Int32Array;
}

const RULES = {
  p: numberRule({ greaterThan: 0, atMost: 1, default: 0.4 }),
  maxK: integerRule(),
} as const;

function run(fn: string, logits: ArrayInput, options: TopPGatingOptions | undefined) {
  const { o, r } = routerInput(fn, logits, options, RULES);
  const maxK = o.maxK ?? r.experts;
  requireK(fn, 'maxK', maxK, r.experts, 'the experts');
  const scores = allocLike(r.x, r.x.length);
  const weights = allocLike(r.x, r.tokens * maxK);
  const indices = new Int32Array(r.tokens * maxK);
  const k = new Int32Array(r.tokens);
  topPRows(r.x, r.tokens, r.experts, o.p, maxK, scores, weights, indices, k);
  return { r, maxK, result: { weights, indices, scores, k } };
}

/** Top-p (dynamic) routing. See the module doc. */
export function topPGating<X extends ArrayInput>(
  logits: X,
  options?: TopPGatingOptions,
): TopPGatingResult<ResultOf<X>> {
  return run('topPGating', logits, options).result as TopPGatingResult<ResultOf<X>>;
}

/** d⟨dWeights, topPGating(logits).weights⟩ / d logits, selection held fixed. */
export function topPGatingVjp<X extends ArrayInput>(
  logits: X,
  dWeights: ArrayInput,
  options?: TopPGatingOptions,
): ResultOf<X> {
  const fn = 'topPGatingVjp';
  const { r, maxK, result } = run(fn, logits, options);
  const dw = toFloatArrayOfLength(fn, 'dWeights', dWeights, r.tokens * maxK);
  const dx = allocLike(r.x, r.x.length);
  const g = Float64Array.from(dw);
  scoresVjpRows(r.x, result.scores, result.indices, g, r.tokens, r.experts, maxK, false, dx);
  return dx as ResultOf<X>;
}
