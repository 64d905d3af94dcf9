import type { Backend, SoftmaxAlgorithm } from '../kernels/backend.js';
import { resolveBackend } from '../kernels/backend.js';
import type { RowOptions } from '../tensor/types.js';
import { requireNumber, requireOneOf } from '../tensor/validate.js';
import type { Prepared } from './row-map.js';

/** Options of softmax and logSoftmax. */
export interface SoftmaxOptions extends RowOptions {
  /** Divide the logits by this before normalizing: softmax(x / T). Finite, > 0. Default 1. */
  temperature?: number;
  /** How the normalizer is computed; all give the same result. Default `'three-pass'`. */
  algorithm?: SoftmaxAlgorithm;
}

/** The resolved (backend, algorithm, scale = 1/T) of a softmax-family call. */
export interface ResolvedSoftmax {
  readonly backend: Backend;
  readonly algorithm: SoftmaxAlgorithm;
  readonly scale: number;
}

export const ALGORITHMS: readonly SoftmaxAlgorithm[] = ['three-pass', 'two-pass', 'online'];

/** Validate and resolve the softmax options once, at the public boundary. */
export function resolveSoftmaxOptions(
  fn: string,
  p: Prepared,
  options: SoftmaxOptions,
): ResolvedSoftmax {
  const T =
    options.temperature === undefined
      ? 1
      : requireNumber(fn, 'temperature', options.temperature, { greaterThan: 0 });
  const algorithm = requireOneOf(fn, 'algorithm', options.algorithm ?? 'three-pass', ALGORITHMS);
  const backend = resolveBackend(fn, options.backend, p.x.length, p.x instanceof Float32Array);
  return { backend, algorithm, scale: 1 / T };
}
