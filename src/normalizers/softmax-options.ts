import type { Backend, SoftmaxAlgorithm } from '../kernels/backend.js';
import { resolveBackend } from '../kernels/backend.js';
import { numberRule, oneOfRule, ROW_RULES, resolveOptions } from '../tensor/options.js';
import type { ArrayInput, FloatArray, RowOptions } from '../tensor/types.js';
import { type Prepared, prepare } from './row-map.js';

/** Options of softmax and logSoftmax. */
export interface SoftmaxOptions extends RowOptions {
  /** Divide the logits by this before normalizing: softmax(x / T). Finite, > 0. Default 1. */
  temperature?: number;
  /** How the normalizer is computed; all give the same result. Default `'three-pass'`. */
  algorithm?: SoftmaxAlgorithm;
}

/** The resolved call of a softmax-family function: input, kernels, algorithm, scale = 1/T, out. */
export interface ResolvedSoftmax {
  readonly p: Prepared;
  readonly backend: Backend;
  readonly algorithm: SoftmaxAlgorithm;
  readonly scale: number;
  readonly out: FloatArray | undefined;
}

const ALGORITHMS: readonly SoftmaxAlgorithm[] = ['three-pass', 'two-pass', 'online'];

/** `algorithm`: how a softmax-family normalizer is computed, default 'three-pass'. */
export const ALGORITHM_RULE = oneOfRule(ALGORITHMS, 'three-pass');

/** The option rules of softmax and logSoftmax (defaults written here once). */
export const SOFTMAX_RULES = {
  ...ROW_RULES,
  temperature: numberRule({ greaterThan: 0, default: 1 }),
  algorithm: ALGORITHM_RULE,
} as const;

/** Validate and resolve a softmax-family call once, at the public boundary. */
export function resolveSoftmaxOptions(
  fn: string,
  x: ArrayInput,
  options: SoftmaxOptions | undefined,
): ResolvedSoftmax {
  const o = resolveOptions(fn, options, SOFTMAX_RULES);
  const p = prepare(fn, x, o);
  const backend = resolveBackend(fn, o.backend, p.x.length, p.x instanceof Float32Array);
  return {
    p,
    backend,
    algorithm: o.algorithm,
    scale: inverseTemperature(o.temperature),
    out: o.out,
  };
}

/**
 * 1/T, clamped to the largest double: below T = 1/Number.MAX_VALUE ≈ 5.6e−309, 1/T
 * overflows to ∞ and ∞·(x_max − x_max) = NaN would fill the row (issue 15:
 * softmax([1, 2, 3], { temperature: 1e−310 }) was all NaN). With the clamp an entry
 * further than ~1e−305 below the row max gets exactly 0 and the entries at the max
 * share the mass equally: the T → 0⁺ limit (argmax one-hot, ties shared), which is
 * also the exact result unless entries lie within ~1e−305 of the max.
 */
export function inverseTemperature(t: number): number {
  return Math.min(1 / t, Number.MAX_VALUE);
}
