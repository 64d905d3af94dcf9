/**
 * logSumExp(x) = log Σ_i e^(x_i) along an axis; the axis is dropped.
 *
 * Stability: max + log Σ e^(x_i − max), the difference exact and the sum
 * compensated; `logSumExpState` / `mergeLogSumExpStates` expose the online
 * normalizer's (m, d) so a row can be streamed or split across shards.
 *
 * VJP: dx = softmax(x) · dy (dy has the reduced shape, broadcast along the axis).
 *
 * Error bound: Float64 ≤ 2^−52·(|max| + log n) absolute, i.e. ≤ 4 ulp relative
 * unless max and log Σ cancel; Float32 ≤ 1 ulp.
 *
 * Non-finite policy: a fully masked row gives −∞ (log of an empty sum) and a
 * zero gradient; a row holding +∞ gives +∞; NaN stays in its row.
 *
 * @example
 * logSumExp([1, 2, 3]);                       // Float64Array [3.4076…]
 * logSumExp([1, 2, 3, 4], { shape: [2, 2], axis: 0 }); // [3.1269…, 4.1269…]
 */
import { resolveBackend, type SoftmaxAlgorithm } from '../kernels/backend.js';
import { lseStateOfRow } from '../kernels/js/softmax-rows.js';
import {
  EMPTY_LSE_STATE,
  type LogSumExpState,
  mergeLogSumExpStates,
} from '../kernels/lse-state.js';
import { toFloatArray, toFloatArrayOfLength } from '../tensor/arrays.js';
import type { ArrayInput, FloatArray, RowOptions } from '../tensor/types.js';
import { requireOneOf } from '../tensor/validate.js';
import { mapRowsVjp, prepare, reduceRows } from './row-map.js';
import { ALGORITHMS } from './softmax-options.js';

/** Options of logSumExp. */
export interface LogSumExpOptions extends RowOptions {
  /** How the normalizer is computed; all give the same result. Default `'three-pass'`. */
  algorithm?: SoftmaxAlgorithm;
}

/** log Σ e^x along `options.axis` (default −1); the result drops that axis. */
export function logSumExp(x: ArrayInput, options: LogSumExpOptions = {}): FloatArray {
  const p = prepare('logSumExp', x, options);
  const algorithm = requireOneOf(
    'logSumExp',
    'algorithm',
    options.algorithm ?? 'three-pass',
    ALGORITHMS,
  );
  const backend = resolveBackend(
    'logSumExp',
    options.backend,
    p.x.length,
    p.x instanceof Float32Array,
  );
  return reduceRows('logSumExp', p, options.out, (a, out, rows, n) =>
    backend.logSumExp(a, out, rows, n, algorithm, 1),
  );
}

/**
 * dx = softmax(x) ⊙ dy broadcast along the axis; `dy` has the reduced shape
 * (one value per row). Fully masked rows get 0.
 */
export function logSumExpVjp(
  x: ArrayInput,
  dy: ArrayInput,
  options: LogSumExpOptions = {},
): FloatArray {
  const p = prepare('logSumExpVjp', x, options);
  const algorithm = requireOneOf(
    'logSumExpVjp',
    'algorithm',
    options.algorithm ?? 'three-pass',
    ALGORITHMS,
  );
  const backend = resolveBackend(
    'logSumExpVjp',
    options.backend,
    p.x.length,
    p.x instanceof Float32Array,
  );
  const { outer, n, inner } = p.layout;
  const g = toFloatArrayOfLength('logSumExpVjp', 'dy', dy, outer * inner);
  // Broadcast dy along the axis, then dx = softmax(x) ⊙ dy row by row.
  const wide = new Float64Array(p.x.length);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < n; i++)
      wide.set(g.subarray(o * inner, (o + 1) * inner), (o * n + i) * inner);
  return mapRowsVjp('logSumExpVjp', p, wide, options.out, (a, w, dx, rows, m) => {
    backend.softmax(a, dx, rows, m, algorithm, 1, false);
    for (let i = 0; i < rows * m; i++) dx[i] = dx[i]! * w[i]!;
  });
}

/**
 * The online normalizer state (m, d) of a whole vector (d = Σ e^(x_i − m),
 * m = max x): stream a long row in chunks, or compute shards apart, and merge
 * with {@link mergeLogSumExpStates}; `logSumExpFromState` gives m + log d.
 *
 * @example
 * const s = mergeLogSumExpStates(logSumExpState([1, 2]), logSumExpState([3]));
 * logSumExpFromState(s); // = logSumExp([1, 2, 3])[0]
 */
export function logSumExpState(x: ArrayInput): LogSumExpState {
  const a = toFloatArray('logSumExpState', 'x', x);
  return a.length === 0 ? EMPTY_LSE_STATE : lseStateOfRow(a, 0, a.length);
}
