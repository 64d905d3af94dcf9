/**
 * softmaxTopK(x, { k, shape, axis, log }) — the k largest entries of each row's
 * softmax (or log-softmax), normalized over the whole row as topk(softmax(x), k),
 * with their indices: [rows, k], descending, ties by the lower index.
 *
 * One pass per row (Milakov & Gimelshein 2018, §4 "softmax + top-k"): the online
 * normalizer Σ e^(x_i − ref) runs beside a k-entry buffer (src/kernels/top-k.ts),
 * so the row is read once, never written, never sorted; p_i = e^(x_i − ref) / Σ
 * for the k buffered entries only. Error: within ~4 ulp of the exact softmax
 * (the sum Neumaier-compensated, each exponent taken on an exact difference);
 * log-softmax as (x_i − ref) − ln Σ.
 *
 * Non-finite policy (as softmax): a NaN row gives NaN values; +∞ entries share
 * probability 1; a fully masked row gives zeros (log: −∞).
 *
 * `backend` ('auto' | 'js' | 'wasm', as everywhere): the wasm backend runs the pass as
 * a SIMD kernel (a vectorized compare against the buffer's k-th value, so only the
 * rare candidates reach the buffer, then one exp pass against the max over the
 * cache-resident row), on the worker pool with `configure({ threads })` — a row longer
 * than 2^15 entries is cut into parts that the threads share and that are merged
 * exactly (src/kernels/top-k-parts.ts), the cut fixed by the row's length, so every
 * thread count gives the same bits — giving the same indices as the JavaScript kernel; Float64 values agree to 1e−14 relative, and
 * the Float32 normalizer is summed from f32 exponentials (≤ 2^−24 relative), so a
 * Float32 value is within 4 ulp of the JavaScript kernel's (both tested).
 *
 * @example
 * softmaxTopK([1, 3, 2], { k: 2 }); // { values: Float64Array [0.665, 0.245], indices: Int32Array [1, 2] }
 */

import { resolveBackend } from '../kernels/backend.js';
import { expDiff } from '../kernels/js/exact.js';
import { batchRowInto, newTopKState, type TopKBatch, topKRow } from '../kernels/top-k.js';
import { SoftmaxKitError } from '../tensor/errors.js';
import {
  axisRule,
  backendRule,
  booleanRule,
  resolveOptions,
  shapeRule,
} from '../tensor/options.js';
import type { ArrayInput, BackendName, FloatArray, ResultOf } from '../tensor/types.js';
import { blockRows, blockTopK } from './batch-top-k.js';
import { requiredKRule } from './options.js';
import { LogitRows, type LogitsInput } from './rows.js';

/** Options of {@link softmaxTopK}. */
export interface SoftmaxTopKOptions {
  /** How many entries per row, 1 ≤ k ≤ the axis length. */
  k: number;
  shape?: readonly number[];
  axis?: number;
  /** Return log-softmax values. Default false. */
  log?: boolean;
  /** Kernel set: 'auto' (default: wasm when loaded), 'js' or 'wasm'. */
  backend?: BackendName;
}

/** The k largest probabilities of each row and their indices ([rows, k]). */
export interface SoftmaxTopKResult<V extends FloatArray> {
  values: V;
  indices: Int32Array;
}

const RULES = {
  k: requiredKRule,
  shape: shapeRule,
  axis: axisRule,
  log: booleanRule(false),
  backend: backendRule,
} as const;

/** Fused softmax + top-k. See the module doc. */
export function softmaxTopK<X extends LogitsInput>(
  x: X,
  options: SoftmaxTopKOptions,
): SoftmaxTopKResult<X extends ArrayInput ? ResultOf<X> : FloatArray> {
  const fn = 'softmaxTopK';
  const o = resolveOptions(fn, options, RULES);
  const rows = new LogitRows(fn, x, o.shape, o.axis);
  const { k } = o;
  if (k > rows.n)
    throw new SoftmaxKitError(
      'K_OUT_OF_RANGE',
      `${fn}: expected k to be an integer in [1, ${rows.n}] (the axis length), got ${k}`,
    );
  const values = rows.float32 ? new Float32Array(rows.rows * k) : new Float64Array(rows.rows * k);
  const indices = new Int32Array(rows.rows * k);
  const st = newTopKState(k);
  const be = resolveBackend(fn, o.backend, rows.rows * rows.n, rows.float32);
  const per = blockRows(rows.n);
  let batch: TopKBatch | undefined;
  for (let r = 0; r < rows.rows; r++) {
    const q = r % per;
    if (q === 0) batch = blockTopK(be, rows, k, true, r, Math.min(per, rows.rows - r), batch);
    if (batch !== undefined && !batch.flags[q]) batchRowInto(batch, q, st);
    else {
      rows.read(r);
      topKRow(rows.a, rows.o, rows.n, k, st);
    }
    const at = r * k;
    const s = st.sum + st.comp;
    const lnS = Math.log(s);
    for (let j = 0; j < k; j++) {
      const v = st.values[j]!;
      indices[at + j] = st.indices[j]!;
      let p: number;
      if (st.nan > 0) p = Number.NaN;
      else if (st.posInf > 0) {
        const q = v === Number.POSITIVE_INFINITY ? 1 / st.posInf : 0;
        p = o.log ? Math.log(q) : q;
      } else if (v === Number.NEGATIVE_INFINITY) p = o.log ? v : 0;
      else p = o.log ? v - st.ref - lnS : expDiff(v, st.ref) / s;
      values[at + j] = p;
    }
  }
  return { values, indices } as SoftmaxTopKResult<X extends ArrayInput ? ResultOf<X> : FloatArray>;
}
