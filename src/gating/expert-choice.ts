/**
 * expertChoiceGating(logits, { shape, capacityFactor, capacity }) — expert-choice
 * routing (Zhou et al. 2022, "Mixture-of-Experts with Expert Choice Routing",
 * NeurIPS, arXiv:2202.09368): the experts choose tokens instead of the tokens
 * choosing experts, so every expert is exactly full:
 *   S = softmax(x) over experts (per token),   c = ⌈capacityFactor · tokens / experts⌉
 *   expert e takes the c tokens of largest S_te (ties by lower token index),
 *   weights[e, j] = S_{I_ej, e}
 * A token may be taken by several experts or by none (`counts` [tokens]).
 *
 * expertChoiceGatingVjp(logits, dWeights, options): selection held fixed,
 *   ∂L/∂x_t = S_t ⊙ (g_t − ⟨S_t, g_t⟩),  g_te = dWeights[e, j] where I_ej = t.
 *
 * Stability: softmax by the exact kernel (≤ 4 ulp); the selection reads those
 * scores. A masked (−∞) logit has score 0 and is taken only to fill a column.
 *
 * @example
 * const r = expertChoiceGating([2, 0, 0, 2, 1, 1], { shape: [3, 2], capacity: 1 });
 * r.indices; // Int32Array [0, 1]: expert 0 takes token 0, expert 1 takes token 1
 */
import { topKColumns } from '../kernels/routing-columns.js';
import { softmax, softmaxVjp } from '../normalizers/softmax.js';
import { allocLike, toFloatArrayOfLength } from '../tensor/arrays.js';
import { integerRule, numberRule, resolveOptions, shapeRule } from '../tensor/options.js';
import type { ArrayInput, FloatArray, ResultOf } from '../tensor/types.js';
import { requireK, routerLogits } from './router.js';

/** Options of {@link expertChoiceGating}. */
export interface ExpertChoiceGatingOptions {
  /** [..., tokens, experts]. Default: one token. */
  shape?: readonly number[];
  /** c_f > 0: each expert takes ⌈c_f·tokens/experts⌉ tokens (capped at tokens). Default 2 (the paper's). */
  capacityFactor?: number;
  /** Tokens per expert, 1 ≤ capacity ≤ tokens; overrides capacityFactor. */
  capacity?: number;
}

/** The result of {@link expertChoiceGating}. */
export interface ExpertChoiceGatingResult<T extends FloatArray = FloatArray> {
  /** [experts, capacity] the chosen tokens' scores. */
  weights: T;
  /** [experts, capacity] the chosen tokens. */
  indices: Int32Array;
  /** [tokens, experts] softmax of the logits over the experts. */
  scores: T;
  /** [tokens] how many experts took each token. */
  counts: Int32Array;
}

const RULES = {
  shape: shapeRule,
  capacityFactor: numberRule({ greaterThan: 0, default: 2 }),
  capacity: integerRule(),
} as const;

function run(fn: string, logits: ArrayInput, options: ExpertChoiceGatingOptions | undefined) {
  const o = resolveOptions(fn, options, RULES);
  const r = routerLogits(fn, logits, o.shape);
  const { tokens, experts } = r;
  const c = o.capacity ?? Math.min(tokens, Math.ceil((o.capacityFactor * tokens) / experts));
  requireK(fn, 'capacity', c, tokens, 'the tokens');
  const scores = softmax(r.x, { shape: [tokens, experts] });
  const weights = allocLike(r.x, experts * c);
  const indices = new Int32Array(experts * c);
  topKColumns(scores, tokens, experts, c, weights, indices);
  const counts = new Int32Array(tokens);
  for (const t of indices) if (t >= 0) counts[t]!++;
  return { r, c, result: { weights, indices, scores, counts } };
}

/** Expert-choice routing. See the module doc. */
export function expertChoiceGating<X extends ArrayInput>(
  logits: X,
  options?: ExpertChoiceGatingOptions,
): ExpertChoiceGatingResult<ResultOf<X>> {
  return run('expertChoiceGating', logits, options).result as ExpertChoiceGatingResult<ResultOf<X>>;
}

/** d⟨dWeights, expertChoiceGating(logits).weights⟩ / d logits, selection held fixed. */
export function expertChoiceGatingVjp<X extends ArrayInput>(
  logits: X,
  dWeights: ArrayInput,
  options?: ExpertChoiceGatingOptions,
): ResultOf<X> {
  const fn = 'expertChoiceGatingVjp';
  const { r, c, result } = run(fn, logits, options);
  const dw = toFloatArrayOfLength(fn, 'dWeights', dWeights, r.experts * c);
  const g = new Float64Array(r.x.length);
  for (let e = 0; e < r.experts; e++)
    for (let j = e * c; j < (e + 1) * c; j++) {
      const t = result.indices[j]!;
      if (t >= 0) g[t * r.experts + e]! += dw[j]!;
    }
  return softmaxVjp(r.x, g, { shape: [r.tokens, r.experts] }) as ResultOf<X>;
}
