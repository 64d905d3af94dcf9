/**
 * entropy(p) = −Σ_i p_i · log p_i (nats) along an axis, with 0·log 0 = 0; the
 * axis is dropped. The input is a probability row (softmax, sparsemax, …
 * outputs); it is not renormalized.
 *
 * Stability: terms with p_i = 0 are skipped (their limit is 0), so sparse
 * distributions (sparsemax, entmax) have finite entropy. The sum is
 * Neumaier-compensated; the error is ≤ 2^−52·Σ|p_i log p_i| + n·2^−53·max|p_i log p_i|.
 *
 * Used as an uncertainty score (Shannon 1948) and by the demo to compare the
 * spread of normalizers.
 *
 * @example
 * entropy([0.5, 0.5]); // Float64Array [0.6931…]  (= ln 2)
 * entropy([1, 0, 0]);  // Float64Array [0]
 */
import { prepare, reduceRows } from '../normalizers/row-map.js';
import type { ArrayInput, FloatArray, RowOptions } from '../tensor/types.js';

/** Shannon entropy in nats along `options.axis` (default −1). NaN stays in its row. */
export function entropy(p: ArrayInput, options: RowOptions = {}): FloatArray {
  const prep = prepare('entropy', p, options);
  return reduceRows('entropy', prep, options.out, (x, out, rows, n) => {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      let c = 0;
      for (let i = r * n; i < (r + 1) * n; i++) {
        const v = x[i]!;
        if (v === 0) continue;
        const term = -v * Math.log(v);
        const t = s + term;
        c += Math.abs(s) >= Math.abs(term) ? s - t + term : term - t + s;
        s = t;
      }
      out[r] = s + c;
    }
  });
}
