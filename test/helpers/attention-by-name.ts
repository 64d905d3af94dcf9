/**
 * A registry normalizer used by attention by name, against the definition
 * computed here: out_i = Σ_j f(q_i·K ᵀ/√d)_j · v_j, one batch and one head.
 */
import { attention } from '../../src/attention/attention.js';
import type { FloatArray } from '../../src/tensor/types.js';
import { randomArray } from './finite-difference.js';

export function attentionByNameError(
  name: string,
  f: (scores: Float64Array) => FloatArray,
): number {
  const [queries, keys, dim, valueDim] = [3, 6, 4, 2];
  const q = randomArray(queries * dim, 31, -1, 1);
  const k = randomArray(keys * dim, 32, -1, 1);
  const v = randomArray(keys * valueDim, 33, -1, 1);
  const sizes = { batch: 1, heads: 1, queries, keys, dim, valueDim };
  const { out } = attention(q, k, v, { ...sizes, normalizer: name, blockSize: 2 });
  let worst = 0;
  for (let i = 0; i < queries; i++) {
    const s = new Float64Array(keys);
    for (let j = 0; j < keys; j++)
      for (let c = 0; c < dim; c++)
        s[j] = s[j]! + (q[i * dim + c]! * k[j * dim + c]!) / Math.sqrt(dim);
    const w = f(s);
    for (let c = 0; c < valueDim; c++) {
      let o = 0;
      for (let j = 0; j < keys; j++) o += w[j]! * v[j * valueDim + c]!;
      worst = Math.max(worst, Math.abs(out[i * valueDim + c]! - o));
    }
  }
  return worst;
}
