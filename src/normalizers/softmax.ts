/**
 * softmax(x)_i = e^(x_i/T) / Σ_j e^(x_j/T), along any axis.
 *
 * Stability: the exponent is taken against the row's maximum (or the online
 * normalizer's running reference), with x − max carried exactly (TwoSum), and
 * the sum is Neumaier-compensated. `algorithm` picks the three-pass, two-pass
 * (Dukhan & Ablavatski 2020) or online (Milakov & Gimelshein 2018) way of
 * computing the normalizer; all agree to the bound below.
 *
 * VJP: dx = (1/T)·y ⊙ (dy − ⟨y, dy⟩).
 *
 * Error bound: Float64 ≤ 4 ulp for outputs that are not subnormal; Float32 ≤ 1
 * ulp on the JavaScript backend (the double result rounded once) and ≤ 4 ulp on
 * the WebAssembly backend (1.4 measured on rows of 10⁷), at T = 1; T ≠ 1 adds
 * one rounding of 1/T. Tested against 60-digit decimal arithmetic in
 * test/normalizers/softmax.test.ts and test/kernels/wasm/backend.test.ts.
 *
 * Non-finite policy: −∞ entries get 0 and gradient 0; a fully masked row gives
 * zeros; +∞ entries share probability 1 (the limit); NaN stays in its row. A
 * temperature below 1/Number.MAX_VALUE ≈ 5.6e−309 (where 1/T overflows) gives the
 * T → 0⁺ limit: the row's maximal entries share probability 1 (softmax-options.ts).
 *
 * `out` may be x itself (the kernels work in place); an `out` overlapping x or dy
 * only in part throws INVALID_OUT.
 *
 * @example
 * softmax([1, 2, 3]);                        // Float64Array [0.0900…, 0.2447…, 0.6652…]
 * softmax(new Float32Array([1, 2, 3, 4]), { shape: [2, 2], axis: 0 });
 */
import type { ArrayInput, FloatArray, ResultOf } from '../tensor/types.js';
import type { NormalizerEntry } from './entry.js';
import { mapRows, mapRowsVjp } from './row-map.js';
import { resolveSoftmaxOptions, SOFTMAX_RULES, type SoftmaxOptions } from './softmax-options.js';

export type { SoftmaxOptions };

/** Softmax along `options.axis` (default −1). See the module doc for the math. */
export function softmax<X extends ArrayInput>(x: X, options?: SoftmaxOptions): ResultOf<X> {
  return softmaxFamily('softmax', x, options, false) as ResultOf<X>;
}

/** dx = J_softmax(x)ᵀ·dy = (1/T)·y ⊙ (dy − ⟨y, dy⟩), y = softmax(x). */
export function softmaxVjp<X extends ArrayInput>(
  x: X,
  dy: ArrayInput,
  options?: SoftmaxOptions,
): ResultOf<X> {
  return softmaxFamilyVjp('softmaxVjp', x, dy, options, false) as ResultOf<X>;
}

/** Softmax (`log` false) or log-softmax (`log` true) of x, as the public function `fn`. */
export function softmaxFamily(
  fn: string,
  x: ArrayInput,
  options: SoftmaxOptions | undefined,
  log: boolean,
): FloatArray {
  const { p, backend, algorithm, scale, out } = resolveSoftmaxOptions(fn, x, options);
  return mapRows(fn, p, out, (a, y, rows, n) =>
    backend.softmax({ x: a, y, rows, n, algorithm, s: scale, log }),
  );
}

/** The VJP of {@link softmaxFamily}, as the public function `fn`. */
export function softmaxFamilyVjp(
  fn: string,
  x: ArrayInput,
  dy: ArrayInput,
  options: SoftmaxOptions | undefined,
  log: boolean,
): FloatArray {
  const { p, backend, algorithm, scale, out } = resolveSoftmaxOptions(fn, x, options);
  return mapRowsVjp(fn, p, dy, out, (a, g, dx, rows, n) =>
    backend.softmaxVjp({ x: a, dy: g, dx, rows, n, algorithm, s: scale, log }),
  );
}

export const entry: NormalizerEntry<SoftmaxOptions> = {
  name: 'softmax',
  forward: softmax,
  vjp: softmaxVjp,
  rules: SOFTMAX_RULES,
};
