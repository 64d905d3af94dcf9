/**
 * Expert-choice selection (Zhou et al. 2022): each expert (a column of the
 * scores [tokens, experts]) takes the c tokens of largest score, ties by lower
 * token index, through the same top-k buffer as the token-choice routers
 * ({@link topKRow}) over the gathered column. NaN scores are never taken; a
 * column with fewer than c takeable tokens is padded with index −1, weight 0.
 */
import type { FloatArray } from '../tensor/types.js';
import { newTopKState, topKRow } from './top-k.js';

/** weights/indices [experts, c]: expert e's c best tokens and their scores. */
export function topKColumns(
  scores: ArrayLike<number>,
  tokens: number,
  experts: number,
  c: number,
  weights: FloatArray,
  indices: Int32Array,
): void {
  const st = newTopKState(c);
  const col = new Float64Array(tokens);
  for (let e = 0; e < experts; e++) {
    for (let t = 0; t < tokens; t++) col[t] = scores[t * experts + e]!;
    topKRow(col, 0, tokens, c, st);
    const o = e * c;
    for (let j = 0; j < c; j++) {
      const taken = j < st.count;
      indices[o + j] = taken ? st.indices[j]! : -1;
      weights[o + j] = taken ? st.values[j]! : 0;
    }
  }
}
