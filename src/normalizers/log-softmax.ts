/**
 * logSoftmax(x)_i = x_i/T − log Σ_j e^(x_j/T), along any axis.
 *
 * Stability: computed as (x_i − max)/T − log Σ e^((x_j − max)/T) with the
 * difference exact (TwoSum); when one entry dominates, log Σ is taken as
 * log1p(Σ_{j≠max} …) so log-probabilities near 0 keep full relative accuracy
 * (logSoftmax([0, −40])[0] = −4.25e−18, not 0). Never log(softmax(x)).
 *
 * VJP: dx = (1/T)·(dy − softmax(x/T)·Σ dy).
 *
 * Error bound: Float64 ≤ 4 ulp relative plus 2^−53·log(n) absolute; Float32 ≤ 1 ulp.
 *
 * Non-finite policy: −∞ entries give −∞ and gradient 0; a fully masked row gives
 * zeros (and a zero gradient); rows holding +∞ give −log c at the c infinite
 * entries and −∞ elsewhere; NaN stays in its row.
 *
 * @example
 * logSoftmax([1, 2, 3]); // Float64Array [−2.4076…, −1.4076…, −0.4076…]
 */
import type { ArrayInput, ResultOf } from '../tensor/types.js';
import type { NormalizerEntry } from './entry.js';
import { softmaxFamily, softmaxFamilyVjp } from './softmax.js';
import { SOFTMAX_RULES, type SoftmaxOptions } from './softmax-options.js';

/** Log-softmax along `options.axis` (default −1). See the module doc for the math. */
export function logSoftmax<X extends ArrayInput>(x: X, options?: SoftmaxOptions): ResultOf<X> {
  return softmaxFamily('logSoftmax', x, options, true) as ResultOf<X>;
}

/** dx = J_logSoftmax(x)ᵀ·dy = (1/T)·(dy − softmax(x/T)·Σ dy). */
export function logSoftmaxVjp<X extends ArrayInput>(
  x: X,
  dy: ArrayInput,
  options?: SoftmaxOptions,
): ResultOf<X> {
  return softmaxFamilyVjp('logSoftmaxVjp', x, dy, options, true) as ResultOf<X>;
}

export const entry: NormalizerEntry<SoftmaxOptions> = {
  name: 'logSoftmax',
  forward: logSoftmax,
  vjp: logSoftmaxVjp,
  rules: SOFTMAX_RULES,
};
