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

export const ALGORITHMS: readonly SoftmaxAlgorithm[] = ['three-pass', 'two-pass', 'online'];

/** The option rules of softmax and logSoftmax (defaults written here once). */
export const SOFTMAX_RULES = {
  ...ROW_RULES,
  temperature: numberRule({ greaterThan: 0, default: 1 }),
  algorithm: oneOfRule(ALGORITHMS, 'three-pass'),
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
  return { p, backend, algorithm: o.algorithm, scale: 1 / o.temperature, out: o.out };
}
