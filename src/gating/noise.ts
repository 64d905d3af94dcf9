/**
 * Shazeer et al.'s router noise ("Outrageously large neural networks", 2017, §2.1):
 * H = x + ε·σ with ε ~ N(0, 1) drawn from Philox by `seed` (element i of the
 * stream for entry i: reproducible, and redrawn exactly by a backward pass given
 * the forward's seed), and σ = softplus(noiseLogits) + 0.01 per entry (the learned
 * scale, as the SPEC writes it) or the constant `std` (default 1). Shared by
 * topKGating (and its noise gradient) and smoothLoadLoss.
 */
import { normal } from '../random/normal.js';
import { seedRule } from '../random/seed.js';
import { toFloatArrayOfLength } from '../tensor/arrays.js';
import { SoftmaxKitError } from '../tensor/errors.js';
import { numberRule } from '../tensor/options.js';
import type { ArrayInput, FloatArray } from '../tensor/types.js';
import { arrayRule, nestedRule } from './router.js';

/** The `noise` option: a seed, and the learned scale's logits or a constant std. */
export interface NoiseOptions {
  seed?: number;
  noiseLogits?: ArrayInput;
  std?: number;
}

/** The rule of {@link NoiseOptions} (keys checked as `noise.seed`, …). */
export const NOISE_RULE = nestedRule({
  seed: seedRule,
  noiseLogits: arrayRule,
  std: numberRule({ atLeast: 0 }),
});

/** The resolved noise option. */
export type ResolvedNoise = NonNullable<ReturnType<(typeof NOISE_RULE)['parse']>>;

/** The draws ε, the scales σ (in double) and the noise logits (if given) for `n` entries. */
export function gatingNoise(fn: string, noise: ResolvedNoise, n: number) {
  if (noise.noiseLogits !== undefined && noise.std !== undefined)
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected one of noise.noiseLogits and noise.std, got both`,
    );
  const eps = normal(noise.seed, 0, new Float64Array(n));
  const logits: FloatArray | undefined =
    noise.noiseLogits === undefined
      ? undefined
      : toFloatArrayOfLength(fn, 'noise.noiseLogits', noise.noiseLogits, n);
  const sigma = new Float64Array(n).fill(noise.std ?? 1);
  if (logits !== undefined) for (let i = 0; i < n; i++) sigma[i] = softplus(logits[i]!) + 0.01;
  return { eps, sigma, logits };
}

/** softplus(v) = log(1 + e^v), without overflow for either sign. */
function softplus(v: number): number {
  return Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
}

/** dσ/dn = softplus′(n), the logistic function, without overflow for either sign. */
export function noiseScaleSlope(v: number): number {
  return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
}
