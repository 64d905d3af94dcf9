/**
 * smoothLoadLoss(logits, { shape, k, noise }) — the load-balancing loss of noisy
 * top-k gating (Shazeer et al. 2017, "Outrageously large neural networks",
 * Appendix A), smooth where counting the tokens per expert is not:
 *   H = x + ε·σ                          the noisy logits topKGating routes with
 *   P_te = Φ((x_te − h*_te) / σ_te)       h*_te = k-th largest of H_t without e
 *   Load_e = Σ_t P_te                     the expected tokens of expert e
 *   L = CV(Load)² = Var(Load) / (Mean(Load)² + 1e-10)   (population variance)
 * P_te is the probability that e stays in token t's top k when only its own
 * noise is redrawn; Shazeer's TensorFlow code (`_prob_in_top_k`, `cv_squared`)
 * computes the same, and so does this, with the same seed as topKGating's
 * noise: `noise: { seed, noiseLogits }` (σ = softplus(noiseLogits) + 0.01) or
 * `{ seed, std }` (σ = std > 0). Multiply by the paper's w_load yourself.
 *
 * Gradients, as autograd gives them (the top-k selection held fixed, the
 * threshold h* a value of H, so it carries gradient to its own entry):
 *   ∂L/∂Load_e = [2(Load_e − M) − 2M·V/(M² + 1e-10)] / (E·(M² + 1e-10)),
 *   ∂P/∂x_e = φ(a)/σ_e,  ∂P/∂σ_e = −a·φ(a)/σ_e,  ∂P/∂H_j* = −φ(a)/σ_e,  a = (x_e − h*)/σ_e
 * returned as `grad` (d/d logits) and `noiseGrad` (d/d noiseLogits, with
 * dσ/dn = sigmoid(n); absent with a constant std).
 *
 * Stability: Φ and φ from src/kernels/js/normal-tail.ts (Φ's tails without
 * cancellation, ≤ 2e-11 relative); the sums are plain doubles. A masked expert
 * (−∞) gets P = 0 and no gradient; k must leave one expert out (k < experts).
 *
 * @example
 * const { loss, grad, noiseGrad } = smoothLoadLoss(logits, {
 *   shape: [tokens, experts], k: 2, noise: { seed: step, noiseLogits },
 * });
 */
import { smoothLoadRows, smoothLoadVjpRows } from '../kernels/routing-load.js';
import { allocLike } from '../tensor/arrays.js';
import { SoftmaxKitError } from '../tensor/errors.js';
import { integerRule, resolveOptions, shapeRule } from '../tensor/options.js';
import type { ArrayInput, FloatArray, ResultOf } from '../tensor/types.js';
import { gatingNoise, NOISE_RULE, type NoiseOptions, noiseScaleSlope } from './noise.js';
import { type RouterOptions, requireForwardSeed, requireK, routerLogits } from './router.js';

/** Options of {@link smoothLoadLoss}. */
export interface SmoothLoadLossOptions extends RouterOptions {
  /** Experts per token, 1 ≤ k < experts. Default 2. */
  k?: number;
  /** The router's noise, as topKGating's: `{ seed, noiseLogits }` or `{ seed, std }` (std > 0). Required. */
  noise?: NoiseOptions;
}

/** The loss with its gradients for the logits and, with noiseLogits, for them. */
export interface SmoothLoadLossResult<T extends FloatArray = FloatArray> {
  loss: number;
  /** d loss / d logits. */
  grad: T;
  /** d loss / d noise.noiseLogits (absent with a constant std). */
  noiseGrad?: T;
  /** Load_e = Σ_t P_te, the smooth tokens per expert. */
  load: Float64Array;
}

const RULES = { shape: shapeRule, k: integerRule({ default: 2 }), noise: NOISE_RULE } as const;
const EPS = 1e-10;

/** Shazeer's smooth load loss and its gradients. See the module doc. */
export function smoothLoadLoss<X extends ArrayInput>(
  logits: X,
  options?: SmoothLoadLossOptions,
): SmoothLoadLossResult<ResultOf<X>> {
  const fn = 'smoothLoadLoss';
  const o = resolveOptions(fn, options, RULES);
  if (o.noise === undefined)
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected noise: { seed, noiseLogits } or { seed, std } (the router's noise), got none`,
    );
  requireForwardSeed(fn, options?.noise);
  if (o.noise.std === 0)
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected noise.std > 0 (without noise the load is a count with no gradient), got 0`,
    );
  const { x, tokens, experts: E } = routerLogits(fn, logits, o.shape);
  requireK(fn, 'k', o.k, E - 1, 'fewer than the experts');
  const { eps, sigma, logits: nl } = gatingNoise(fn, o.noise, x.length);
  const noisy = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) noisy[i] = x[i]! + eps[i]! * sigma[i]!;
  const load = new Float64Array(E);
  const state = smoothLoadRows(x, noisy, sigma, tokens, E, o.k, load);
  let M = 0;
  for (const v of load) M += v / E;
  let V = 0;
  for (const v of load) V += (v - M) ** 2 / E;
  const d = M * M + EPS;
  const dLoad = load.map((v) => (2 * (v - M) - (2 * M * V) / d) / (E * d));
  const dx = new Float64Array(x.length);
  const dSigma = new Float64Array(x.length);
  smoothLoadVjpRows(state, eps, dLoad, tokens, E, dx, dSigma);
  const grad = allocLike(x, x.length);
  grad.set(dx);
  let noiseGrad: FloatArray | undefined;
  if (nl !== undefined) {
    noiseGrad = allocLike(x, x.length);
    for (let i = 0; i < x.length; i++)
      noiseGrad[i] = dSigma[i] === 0 ? 0 : dSigma[i]! * noiseScaleSlope(nl[i]!);
  }
  const result = { loss: V / d, grad, load } as SmoothLoadLossResult<ResultOf<X>>;
  if (noiseGrad !== undefined) result.noiseGrad = noiseGrad as ResultOf<X>;
  return result;
}
