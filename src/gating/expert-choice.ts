/**
 * expertChoiceGating(logits, { shape, capacityFactor, capacity, tokenGroups }) —
 * expert-choice routing (Zhou et al. 2022, "Mixture-of-Experts with Expert Choice
 * Routing", NeurIPS, arXiv:2202.09368): the experts choose tokens instead of the
 * tokens choosing experts, so every expert is exactly full:
 *   S = softmax(x) over experts (per token),   c = ⌈capacityFactor · n / experts⌉
 *   expert e takes the c tokens of largest S_te (ties by lower token index),
 *   weights[g, e, j] = S_{I_gej, e}
 * within each of the `tokenGroups` G equal, consecutive groups of n = tokens / G
 * tokens (default G = 1: one pool of every token). Groups are the
 * implementations' num_groups (flaxformer's ExpertsChooseMaskedRouter, T5X MoE):
 * with shape [batch, seq, experts] and tokenGroups = batch, each expert picks its
 * tokens per sequence, so no sequence can take another's capacity. `indices` are
 * token indices into the flattened tokens (group g's tokens are g·n … g·n + n − 1).
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
import { SoftmaxKitError } from '../tensor/errors.js';
import { integerRule, numberRule } from '../tensor/options.js';
import type { ArrayInput, FloatArray, ResultOf } from '../tensor/types.js';
import { type RouterOptions, requireK, routerInput } from './router.js';

/** Options of {@link expertChoiceGating}. */
export interface ExpertChoiceGatingOptions extends RouterOptions {
  /** c_f > 0: each expert takes ⌈c_f·tokens/experts⌉ tokens (capped at tokens). Default 2 (the paper's). */
  capacityFactor?: number;
  /** Tokens per expert and group, 1 ≤ capacity ≤ tokens per group; overrides capacityFactor. */
  capacity?: number;
  /** G ≥ 1 equal groups of consecutive tokens, each expert choosing within each group. Default 1. */
  tokenGroups?: number;
}

/** The result of {@link expertChoiceGating}. */
export interface ExpertChoiceGatingResult<T extends FloatArray = FloatArray> {
  /** [tokenGroups, experts, capacity] the chosen tokens' scores. */
  weights: T;
  /** [tokenGroups, experts, capacity] the chosen tokens (indices into the flattened tokens). */
  indices: Int32Array;
  /** [tokens, experts] softmax of the logits over the experts. */
  scores: T;
  /** [tokens] how many experts took each token. */
  counts: Int32Array;
}

const RULES = {
  capacityFactor: numberRule({ greaterThan: 0, default: 2 }),
  capacity: integerRule(),
  tokenGroups: integerRule({ atLeast: 1, default: 1 }),
} as const;

function run(fn: string, logits: ArrayInput, options: ExpertChoiceGatingOptions | undefined) {
  const { o, r } = routerInput(fn, logits, options, RULES);
  const { tokens, experts } = r;
  const G = o.tokenGroups;
  if (tokens % G !== 0)
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected tokenGroups to divide the ${tokens} tokens, got ${G}`,
    );
  const n = tokens / G;
  const c = o.capacity ?? Math.min(n, Math.ceil((o.capacityFactor * n) / experts));
  requireK(fn, 'capacity', c, n, G > 1 ? 'the tokens per group' : 'the tokens');
  const scores = softmax(r.x, { shape: [tokens, experts] });
  const weights = allocLike(r.x, G * experts * c);
  const indices = new Int32Array(G * experts * c);
  const block = experts * c;
  for (let g = 0; g < G; g++) {
    const picked = indices.subarray(g * block, (g + 1) * block);
    const group = scores.subarray(g * n * experts, (g + 1) * n * experts);
    topKColumns(group, n, experts, c, weights.subarray(g * block, (g + 1) * block), picked);
    for (let j = 0; j < block; j++) if (picked[j]! >= 0) picked[j]! += g * n;
  }
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
  const dw = toFloatArrayOfLength(fn, 'dWeights', dWeights, result.indices.length);
  const g = new Float64Array(r.x.length);
  for (let j = 0; j < dw.length; j++) {
    const t = result.indices[j]!;
    if (t >= 0) g[t * r.experts + (Math.floor(j / c) % r.experts)]! += dw[j]!;
  }
  return softmaxVjp(r.x, g, { shape: [r.tokens, r.experts] }) as ResultOf<X>;
}
