/**
 * denseToSparseGating(logits, { shape, temperature, threshold, noise }) — the
 * dense-to-sparse gate of EvoMoE (Nie et al. 2021, "EvoMoE: An Evolutional
 * Mixture-of-Experts Training Framework via Dense-To-Sparse Gate",
 * arXiv:2112.14397): a Gumbel-softmax whose temperature the trainer anneals
 * from high (every expert used: dense) to low (near one-hot: sparse), with the
 * experts below a threshold switched off:
 *   g = softmax((x + ε)/τ),  ε ~ Gumbel(0, 1) (with `noise`),   w = g ⊙ [g ≥ θ]
 * The weights left are not renormalized (as the paper). The schedule of τ is the
 * caller's: pass the step's temperature.
 *
 * denseToSparseGatingVjp(logits, dWeights, options): the switched-off experts held
 * fixed,  ∂L/∂x = (1/τ)·g ⊙ (a − ⟨g, a⟩),  a = dWeights ⊙ [g ≥ θ]. With noise,
 * give the forward's seed.
 *
 * Stability: the library's exact softmax of the scaled logits (exact scaled
 * differences, compensated sum; ≤ 4 ulp); the Gumbel draws lie in (−3.6, 36.7)
 * (src/random/noise.ts), so noise never turns a −∞ mask finite.
 *
 * @example
 * denseToSparseGating([2, 1, -3], { temperature: 0.5, threshold: 0.05 }).weights;
 * // softmax([4, 2, −6]) = [0.8807…, 0.1192…, 0.0000397…] → [0.8807…, 0.1192…, 0]
 */

import { softmax, softmaxVjp } from '../normalizers/softmax.js';
import { gumbel } from '../random/noise.js';
import { seedRule } from '../random/seed.js';
import { allocLike, toFloatArrayOfLength } from '../tensor/arrays.js';
import { numberRule } from '../tensor/options.js';
import type { ArrayInput, FloatArray, ResultOf } from '../tensor/types.js';
import { nestedRule, type RouterOptions, requireForwardSeed, routerInput } from './router.js';

/** Options of {@link denseToSparseGating}. */
export interface DenseToSparseGatingOptions extends RouterOptions {
  /** τ > 0, annealed by the caller from dense (≈ 2) to sparse (≈ 0.3). Default 1. */
  temperature?: number;
  /** θ ∈ [0, 1]: weights below it become 0. Default 0 (dense). */
  threshold?: number;
  /** Gumbel noise on the logits, reproducible from `seed` (fresh when omitted). Default: none. */
  noise?: { seed?: number };
}

/** The result of {@link denseToSparseGating}. */
export interface DenseToSparseGatingResult<T extends FloatArray = FloatArray> {
  /** [tokens, experts] the gate, 0 where switched off. */
  weights: T;
  /** [tokens, experts] 1 where the expert is on. */
  active: Uint8Array;
  /** [experts] tokens each expert serves. */
  counts: Int32Array;
}

const RULES = {
  temperature: numberRule({ greaterThan: 0, default: 1 }),
  threshold: numberRule({ atLeast: 0, atMost: 1, default: 0 }),
  noise: nestedRule({ seed: seedRule }),
} as const;

function run(fn: string, logits: ArrayInput, options: DenseToSparseGatingOptions | undefined) {
  const { o, r } = routerInput(fn, logits, options, RULES);
  let x: FloatArray = r.x;
  if (o.noise !== undefined) {
    x = gumbel(o.noise.seed, 0, new Float64Array(r.x.length));
    for (let i = 0; i < x.length; i++) x[i] = r.x[i]! + x[i]!;
  }
  const shape = [r.tokens, r.experts];
  const g = softmax(x, { shape, temperature: o.temperature });
  const weights = allocLike(r.x, r.x.length);
  const active = new Uint8Array(r.x.length);
  const counts = new Int32Array(r.experts);
  for (let i = 0; i < g.length; i++) {
    const on = g[i]! >= o.threshold && g[i]! > 0;
    active[i] = on ? 1 : 0;
    weights[i] = on ? g[i]! : Number.isNaN(g[i]!) ? Number.NaN : 0;
    if (on) counts[i % r.experts]!++;
  }
  return { o, r, x, shape, g, result: { weights, active, counts } };
}

/** The dense-to-sparse gate. See the module doc. */
export function denseToSparseGating<X extends ArrayInput>(
  logits: X,
  options?: DenseToSparseGatingOptions,
): DenseToSparseGatingResult<ResultOf<X>> {
  return run('denseToSparseGating', logits, options).result as DenseToSparseGatingResult<
    ResultOf<X>
  >;
}

/** d⟨dWeights, denseToSparseGating(logits).weights⟩ / d logits, switched-off experts held fixed. */
export function denseToSparseGatingVjp<X extends ArrayInput>(
  logits: X,
  dWeights: ArrayInput,
  options?: DenseToSparseGatingOptions,
): ResultOf<X> {
  const fn = 'denseToSparseGatingVjp';
  requireForwardSeed(fn, options?.noise);
  const { o, r, x, shape, result } = run(fn, logits, options);
  const dw = toFloatArrayOfLength(fn, 'dWeights', dWeights, r.x.length);
  const a = new Float64Array(r.x.length);
  for (let i = 0; i < a.length; i++) a[i] = result.active[i] ? dw[i]! : 0;
  const dx = softmaxVjp(x, a, { shape, temperature: o.temperature });
  if (dx.constructor === r.x.constructor) return dx as ResultOf<X>;
  const out = r.x instanceof Float32Array ? Float32Array.from(dx) : Float64Array.from(dx);
  return out as ResultOf<X>;
}
