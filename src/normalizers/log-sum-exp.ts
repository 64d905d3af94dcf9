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
import {
  EMPTY_LSE_STATE,
  logSumExpFromState as fromState,
  type LogSumExpState,
  lseStateOfRow,
  mergeLogSumExpStates as mergeStates,
} from '../kernels/online-state.js';
import { toFloatArray, toFloatArrayOfLength } from '../tensor/arrays.js';
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import { ROW_RULES } from '../tensor/options.js';
import type { ArrayInput, ResultOf, RowOptions } from '../tensor/types.js';
import { mapRowsVjp, prepareRows, reduceRows } from './row-map.js';
import { ALGORITHM_RULE } from './softmax-options.js';

/** Options of logSumExp. */
export interface LogSumExpOptions extends RowOptions {
  /** How the normalizer is computed; all give the same result. Default `'three-pass'`. */
  algorithm?: SoftmaxAlgorithm;
}

/** The option rules of logSumExp and its vjp. */
const LOG_SUM_EXP_RULES = { ...ROW_RULES, algorithm: ALGORITHM_RULE } as const;

function resolve(fn: string, x: ArrayInput, options: LogSumExpOptions | undefined) {
  const { p, o } = prepareRows(fn, x, options, LOG_SUM_EXP_RULES);
  const backend = resolveBackend(fn, o.backend, p.x.length, p.x instanceof Float32Array);
  return { p, backend, algorithm: o.algorithm, out: o.out };
}

/** log Σ e^x along `options.axis` (default −1); the result drops that axis. */
export function logSumExp<X extends ArrayInput>(x: X, options?: LogSumExpOptions): ResultOf<X> {
  const { p, backend, algorithm, out } = resolve('logSumExp', x, options);
  return reduceRows('logSumExp', p, out, (a, y, rows, n) =>
    backend.logSumExp({ x: a, out: y, rows, n, algorithm, s: 1 }),
  ) as ResultOf<X>;
}

/**
 * dx = softmax(x) ⊙ dy broadcast along the axis; `dy` has the reduced shape
 * (one value per row). Fully masked rows get 0.
 */
export function logSumExpVjp<X extends ArrayInput>(
  x: X,
  dy: ArrayInput,
  options?: LogSumExpOptions,
): ResultOf<X> {
  const { p, backend, algorithm, out } = resolve('logSumExpVjp', x, options);
  const { outer, n, inner } = p.layout;
  const g = toFloatArrayOfLength('logSumExpVjp', 'dy', dy, outer * inner);
  // Broadcast dy along the axis, then dx = softmax(x) ⊙ dy row by row.
  const wide = new Float64Array(p.x.length);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < n; i++)
      wide.set(g.subarray(o * inner, (o + 1) * inner), (o * n + i) * inner);
  return mapRowsVjp('logSumExpVjp', p, wide, out, (a, w, dx, rows, m) => {
    backend.softmax({ x: a, y: dx, rows, n: m, algorithm, s: 1, log: false });
    for (let i = 0; i < rows * m; i++) dx[i] = dx[i]! * w[i]!;
  }) as ResultOf<X>;
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

/**
 * Check a state argument: an object with numeric `m` and `d` (d ≥ 0 or NaN); a
 * state from {@link logSumExpState} or a merge always is.
 */
function requireState(fn: string, name: string, s: unknown): LogSumExpState {
  const ok =
    typeof s === 'object' &&
    s !== null &&
    typeof (s as LogSumExpState).m === 'number' &&
    typeof (s as LogSumExpState).d === 'number' &&
    !((s as LogSumExpState).d < 0);
  if (!ok)
    throw new SoftmaxKitError(
      'INVALID_INPUT',
      `${fn}: expected ${name} to be a state { m, d } (numbers, d >= 0) from logSumExpState, got ${describe(s)}`,
    );
  return s as LogSumExpState;
}

/**
 * Merge two online-normalizer states exactly:
 * (m, d) ⊕ (m′, d′) = (M, d·e^(m − M) + d′·e^(m′ − M)), M = max(m, m′); an empty
 * side returns the other, NaN propagates, +∞ dominates. Throws INVALID_INPUT for
 * anything that is not a state.
 *
 * @example
 * const s = mergeLogSumExpStates(logSumExpState([1, 2]), logSumExpState([3]));
 * logSumExpFromState(s); // = logSumExp([1, 2, 3])[0]
 */
export function mergeLogSumExpStates(a: LogSumExpState, b: LogSumExpState): LogSumExpState {
  const fn = 'mergeLogSumExpStates';
  return mergeStates(requireState(fn, 'a', a), requireState(fn, 'b', b));
}

/** log Σ e^(x_i) = m + log d of a state (−∞ empty, +∞ with +∞, NaN with NaN). */
export function logSumExpFromState(s: LogSumExpState): number {
  return fromState(requireState('logSumExpFromState', 's', s));
}
