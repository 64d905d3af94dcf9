import type { Rules } from '../tensor/options.js';
import type { ArrayInput, FloatArray, RowOptions } from '../tensor/types.js';

/**
 * A registry entry: the forward map and its vector–Jacobian product, both
 * over rows along `options.axis`. Attention and gating take normalizers by
 * entry so that any of them can replace softmax.
 */
export interface NormalizerEntry<O extends RowOptions = RowOptions> {
  readonly name: string;
  /** y = f(x) along the axis. */
  readonly forward: (x: ArrayInput, options?: O) => FloatArray;
  /** dx = J_f(x)ᵀ·dy along the axis. */
  readonly vjp: (x: ArrayInput, dy: ArrayInput, options?: O) => FloatArray;
  /**
   * The rule table its options resolve through (src/tensor/options.ts): the names
   * a caller such as attention may forward, checked at the caller's boundary.
   * Optional for entries written outside the library (their options are then
   * forwarded unchecked, for the entry to check).
   */
  readonly rules?: Rules;
}
