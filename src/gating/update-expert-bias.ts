/**
 * updateExpertBias(bias, counts, { rate }) — auxiliary-loss-free load balancing
 * (Wang et al. 2024, "Auxiliary-Loss-Free Load Balancing Strategy for
 * Mixture-of-Experts", arXiv:2408.15664; DeepSeek-V3 §2.1.2): after each step,
 *   b_e ← b_e + rate · sign(mean(counts) − counts_e)
 * so an overloaded expert's selection bias falls and an underloaded one's rises.
 * The bias enters topKGating's `bias` (selection only, never the weights).
 * Exact: one addition per expert (rounded once to the bias' type).
 *
 * @example
 * updateExpertBias([0, 0, 0], [5, 1, 3], { rate: 0.001 }); // Float64Array [−0.001, 0.001, 0]
 */
import { allocLike, toFloatArray } from '../tensor/arrays.js';
import { numberRule, resolveOptions } from '../tensor/options.js';
import type { ArrayInput, ResultOf } from '../tensor/types.js';
import { expertVector } from './router.js';

/** Options of {@link updateExpertBias}. */
export interface UpdateExpertBiasOptions {
  /** The update speed γ ≥ 0 (DeepSeek-V3: 0.001). Default 0.001. */
  rate?: number;
}

const RULES = { rate: numberRule({ atLeast: 0, default: 0.001 }) } as const;

/** The bias after one auxiliary-loss-free update. See the module doc. */
export function updateExpertBias<X extends ArrayInput>(
  bias: X,
  counts: Int32Array | ArrayInput,
  options?: UpdateExpertBiasOptions,
): ResultOf<X> {
  const fn = 'updateExpertBias';
  const o = resolveOptions(fn, options, RULES);
  const b = toFloatArray(fn, 'bias', bias);
  const e = b.length;
  expertVector(fn, 'bias', b, e);
  const c = expertVector(
    fn,
    'counts',
    counts instanceof Int32Array ? Float64Array.from(counts) : toFloatArray(fn, 'counts', counts),
    e,
  )!;
  // sign(mean − c_i) = sign(Σ c − E·c_i): exact for integer counts (no rounded mean)
  let total = 0;
  for (let i = 0; i < e; i++) total += c[i]!;
  const out = allocLike(b, e);
  for (let i = 0; i < e; i++) out[i] = b[i]! + o.rate * Math.sign(total - e * c[i]!);
  return out as ResultOf<X>;
}
