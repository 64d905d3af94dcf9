/**
 * topKGating(logits, options) — token-choice top-k routing, every variant the
 * published routers use:
 *   s = softmax(x) (Mixtral; Shazeer et al. 2017) or sigmoid(x) (DeepSeek-V3)
 *   I = the k experts of largest s + b (b: `bias`, selection only — Wang et al.
 *       2024's auxiliary-loss-free balancing), optionally within the `groups.top`
 *       groups of largest (best + second-best s + b) (DeepSeek-V3's group limit)
 *   w_j = c · s_{I_j} / Σ_l s_{I_l}   (renormalize; c = `scale`)   or   c · s_{I_j}
 * Softmax-then-top-k with renormalization equals Shazeer's top-k-then-softmax.
 * `noise` adds N(0,1)·σ to x first, σ = softplus(noiseLogits) + 0.01 per entry
 * (Shazeer's noisy top-k) or the constant `std`, drawn from Philox (reproducible
 * from `seed`; an omitted seed is fresh each call).
 * `capacityFactor` c_f gives each expert ⌈c_f·tokens·k/experts⌉ slots (Switch
 * Transformer); slots are served first choices before second choices, each rank
 * by token position or by score ('probability'); a slot over capacity is
 * `dropped` with weight 0 and the other weights are not renormalized again.
 *
 * Stability: the scores are the library's exact softmax (shift by the max,
 * compensated sum; ≤ 4 ulp) or a sigmoid within 2.5 ulp; the selection is one
 * pass of the top-k buffer per token (src/kernels/routing-rows.ts; Float32 logits
 * from 256 on take its SIMD WebAssembly kernel, the same selection, sigmoid scores
 * within 1 ulp of float32 of the JavaScript formula's); the weights add one division. Noise is added in the logits' element type.
 * A −∞ logit masks its expert (never preferred to an unmasked one, whatever its
 * bias); a fully masked token gets weights 0; a token holding NaN gets NaN.
 * Bound: Float64 weights ≤ 1e-14 relative to a direct evaluation
 * (test/gating/top-k-gating.test.ts).
 *
 * topKGatingVjp(logits, dWeights, options) = d⟨dWeights, weights⟩/d logits with the
 * selection and the drops held fixed (as autograd treats indices); see
 * src/kernels/routing-vjp.ts for the formula. With noise, give the forward's seed.
 * topKGatingNoiseVjp(logits, dWeights, options) = d⟨dWeights, weights⟩/d noiseLogits,
 * Shazeer's learned noise scale: with H = x + ε·σ(n), σ(n) = softplus(n) + 0.01
 * and ε ~ N(0, 1) the forward's draws,
 *   ∂L/∂n_i = ∂L/∂H_i · ε_i · sigmoid(n_i)      (∂L/∂H = ∂L/∂x: topKGatingVjp's)
 * (Shazeer et al. 2017, "Outrageously large neural networks", §2.1, eq. 4).
 *
 * @example
 * const r = topKGating(new Float32Array([2, 0, 1, -1, 0, 3, 0, 0]), { shape: [2, 4], k: 2 });
 * r.indices; // Int32Array [0, 2, 1, 0] (ties by lower index)
 * r.weights; // [e²/(e²+e), e/(e²+e), e³/(e³+1), 1/(e³+1)] as Float32
 */
import { serveCapacity } from '../kernels/routing-capacity.js';
import { gateWeights, type RouteConfig, routeRows } from '../kernels/routing-rows.js';
import { scoresVjpRows, weightsVjpRows } from '../kernels/routing-vjp.js';
import { allocLike, toFloatArrayOfLength } from '../tensor/arrays.js';
import { SoftmaxKitError } from '../tensor/errors.js';
import {
  booleanRule,
  integerRule,
  numberRule,
  oneOfRule,
  type Resolved,
  type Rule,
  resolveOptions,
  shapeRule,
} from '../tensor/options.js';
import type { ArrayInput, FloatArray, ResultOf } from '../tensor/types.js';
import { requireNumber } from '../tensor/validate.js';
import { gatingNoise, NOISE_RULE, type NoiseOptions, noiseScaleSlope } from './noise.js';
import {
  arrayRule,
  expertVector,
  nestedRule,
  type RouterLogits,
  type RouterOptions,
  requireForwardSeed,
  requireK,
  routerLogits,
} from './router.js';

/** Options of {@link topKGating} and {@link topKGatingVjp}. */
export interface TopKGatingOptions extends RouterOptions {
  /** Experts per token, 1 ≤ k ≤ min(16, eligible experts). Default 2. */
  k?: number;
  /** 'softmax' (default, Mixtral) or 'sigmoid' (DeepSeek-V3). */
  scoring?: 'softmax' | 'sigmoid';
  /** Divide the k weights by their sum. Default true. */
  renormalize?: boolean;
  /** Multiply the weights by this (> 0; DeepSeek-V3's routed scaling factor). Default 1. */
  scale?: number;
  /** [experts], added to the scores for the selection only. */
  bias?: ArrayInput;
  /** Group-limited routing: `count` equal groups of experts, the `top` best kept. */
  groups?: { count: number; top: number };
  /** Gaussian noise on the logits: σ = softplus(noiseLogits) + 0.01, or `std` (default 1). */
  noise?: NoiseOptions;
  /** Capacity factor c > 0: each expert keeps at most ⌈c·tokens·k/experts⌉ slots. Default: no limit. */
  capacityFactor?: number;
  /** Order within a rank when capacity drops slots: 'position' (default) or 'probability'. */
  dropPolicy?: 'position' | 'probability';
  /**
   * Return the [tokens, experts] `scores` (default true). false leaves them out (`scores`
   * is undefined): an inference step needs only the weights and indices, and the fused
   * kernel then copies no scores out of WebAssembly memory and allocates none. The
   * weights and indices are the same bits either way. (The gradients take the forward's
   * options and need the scores themselves: there it changes nothing.)
   */
  scores?: boolean;
}

/** The type of {@link TopKGatingResult}'s `scores` for options of type O and element type T. */
export type GatingScores<O, T> = 'scores' extends keyof O
  ? O[keyof O & 'scores'] extends true | undefined
    ? T
    : O[keyof O & 'scores'] extends false
      ? undefined
      : T | undefined
  : T;

/** The result of {@link topKGating}. */
export interface TopKGatingResult<T extends FloatArray = FloatArray, S extends T | undefined = T> {
  /** [tokens, k] gate weights (0 at dropped slots). */
  weights: T;
  /** [tokens, k] selected experts, by score descending, ties by lower index. */
  indices: Int32Array;
  /** [tokens, experts] the router's probabilities (softmax or sigmoid of the logits); undefined with `scores: false`. */
  scores: S;
  /** [experts] slots each expert kept. */
  counts: Int32Array;
  /** [tokens, k] 1 where the slot was over capacity. */
  dropped: Uint8Array;
}

/** A required option: `undefined` reaches `parse`, which rejects it. */
const required = <T>(parse: (fn: string, name: string, v: unknown) => T): Rule<T> => ({ parse });
const positiveInteger = (fn: string, name: string, v: unknown) =>
  requireNumber(fn, name, v, { integer: true, atLeast: 1 });

export const TOP_K_GATING_RULES = {
  shape: shapeRule,
  k: integerRule({ default: 2 }),
  scoring: oneOfRule(['softmax', 'sigmoid'] as const, 'softmax'),
  renormalize: booleanRule(true),
  scale: numberRule({ greaterThan: 0, default: 1 }),
  bias: arrayRule,
  groups: nestedRule({ count: required(positiveInteger), top: required(positiveInteger) }),
  noise: NOISE_RULE,
  capacityFactor: numberRule({ greaterThan: 0 }),
  dropPolicy: oneOfRule(['position', 'probability'] as const, 'position'),
  scores: booleanRule(true),
} as const;

type Resolved_ = Resolved<typeof TOP_K_GATING_RULES>;

/** Everything the forward computes, in the output's element type where it is returned. */
interface Routed extends TopKGatingResult<FloatArray, FloatArray | undefined> {
  readonly r: RouterLogits;
  readonly x: FloatArray;
  readonly cfg: RouteConfig;
  readonly o: Resolved_;
  /** The selected scores in double, kept for a capacity or the gradients. */
  readonly picked: Float64Array | undefined;
}

/** The route config from resolved options, checked against the experts (K_OUT_OF_RANGE, INVALID_PARAMETER). */
export function routeConfig(
  fn: string,
  o: Pick<Resolved_, 'k' | 'scoring' | 'bias' | 'groups'>,
  experts: number,
): RouteConfig {
  let groups = 1;
  let groupTop = 1;
  if (o.groups !== undefined) {
    groups = o.groups.count;
    groupTop = o.groups.top;
    if (experts % groups !== 0)
      throw new SoftmaxKitError(
        'INVALID_PARAMETER',
        `${fn}: expected groups.count to divide the ${experts} experts, got ${groups}`,
      );
    if (groupTop > groups)
      throw new SoftmaxKitError(
        'INVALID_PARAMETER',
        `${fn}: expected groups.top <= groups.count (${groups}), got ${groupTop}`,
      );
  }
  const eligible = (experts / groups) * groupTop;
  requireK(fn, 'k', o.k, Math.min(16, eligible), 'at most 16 and the eligible experts');
  return {
    experts,
    k: o.k,
    sigmoid: o.scoring === 'sigmoid',
    bias: expertVector(fn, 'bias', o.bias, experts),
    groups,
    groupTop,
  };
}

/** The logits with Shazeer's noise added (in the logits' type), or the logits themselves. */
function noisyLogits(fn: string, r: RouterLogits, noise: Resolved_['noise']): FloatArray {
  if (noise === undefined) return r.x;
  const { eps, sigma } = gatingNoise(fn, noise, r.x.length);
  const noisy = allocLike(r.x, r.x.length);
  for (let i = 0; i < r.x.length; i++) noisy[i] = r.x[i]! + eps[i]! * sigma[i]!; // −∞ stays −∞
  return noisy;
}

/** The forward; scores kept when asked (`o.scores`) or `forGradient`, picked scores for a capacity or `forGradient`. */
function route(
  fn: string,
  logits: ArrayInput,
  options: TopKGatingOptions | undefined,
  forGradient = false,
): Routed {
  const o = resolveOptions(fn, options, TOP_K_GATING_RULES);
  const r = routerLogits(fn, logits, o.shape);
  const cfg = routeConfig(fn, o, r.experts);
  const x = noisyLogits(fn, r, o.noise);
  const { tokens, experts } = r;
  const k = cfg.k;
  const scores = o.scores || forGradient ? allocLike(r.x, r.x.length) : undefined;
  const indices = new Int32Array(tokens * k);
  const weights = allocLike(r.x, tokens * k);
  const gate = { renormalize: o.renormalize, scale: o.scale, weights };
  // without a capacity no slot is dropped: the routing pass writes the weights too
  const limited = o.capacityFactor !== undefined;
  const picked = limited || forGradient ? new Float64Array(tokens * k) : undefined;
  routeRows(x, tokens, cfg, scores, indices, picked, 'auto', limited ? undefined : gate);
  const counts = new Int32Array(experts);
  const dropped = new Uint8Array(tokens * k);
  const capacity = limited
    ? Math.ceil((o.capacityFactor! * tokens * k) / experts)
    : Number.POSITIVE_INFINITY;
  serveCapacity(
    indices,
    picked,
    tokens,
    k,
    capacity,
    o.dropPolicy === 'probability',
    counts,
    dropped,
  );
  if (limited) gateWeights(picked!, k, gate, dropped, 0, tokens);
  return { weights, indices, scores, counts, dropped, r, x, cfg, o, picked };
}

/** Top-k gating of router logits [tokens, experts]. See the module doc for the math. */
export function topKGating<
  X extends ArrayInput,
  O extends TopKGatingOptions = Record<never, never>,
>(logits: X, options?: O): TopKGatingResult<ResultOf<X>, GatingScores<O, ResultOf<X>>> {
  const { weights, indices, scores, counts, dropped } = route('topKGating', logits, options);
  return { weights, indices, scores, counts, dropped } as TopKGatingResult<
    ResultOf<X>,
    GatingScores<O, ResultOf<X>>
  >;
}

/** The forward and d⟨dWeights, weights⟩ / d (noisy) logits into `dx`, selection held fixed. */
function backward(
  fn: string,
  logits: ArrayInput,
  dWeights: ArrayInput,
  options: TopKGatingOptions | undefined,
  dx: (x: FloatArray) => FloatArray,
): { g: Routed; dx: FloatArray } {
  requireForwardSeed(fn, options?.noise);
  const g = route(fn, logits, options, true);
  const { tokens, experts } = g.r;
  const k = g.cfg.k;
  const dw = toFloatArrayOfLength(fn, 'dWeights', dWeights, tokens * k);
  const dPicked = new Float64Array(tokens * k);
  weightsVjpRows(g.picked!, dw, g.dropped, tokens, k, g.o.renormalize, g.o.scale, dPicked);
  const out = dx(g.r.x);
  scoresVjpRows(g.x, g.scores!, g.indices, dPicked, tokens, experts, k, g.cfg.sigmoid, out);
  return { g, dx: out };
}

/** d⟨dWeights, topKGating(logits).weights⟩ / d logits, selection held fixed. */
export function topKGatingVjp<X extends ArrayInput>(
  logits: X,
  dWeights: ArrayInput,
  options?: TopKGatingOptions,
): ResultOf<X> {
  return backward('topKGatingVjp', logits, dWeights, options, (x) => allocLike(x, x.length))
    .dx as ResultOf<X>;
}

/**
 * d⟨dWeights, topKGating(logits).weights⟩ / d noise.noiseLogits (Shazeer's learned
 * noise scale), selection held fixed; in the logits' element type. Needs
 * `noise: { seed, noiseLogits }`, the forward's.
 */
export function topKGatingNoiseVjp<X extends ArrayInput>(
  logits: X,
  dWeights: ArrayInput,
  options?: TopKGatingOptions,
): ResultOf<X> {
  const fn = 'topKGatingNoiseVjp';
  if (options?.noise?.noiseLogits === undefined)
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected noise: { seed, noiseLogits } (the forward's), got ${options?.noise === undefined ? 'no noise' : 'no noise.noiseLogits'}`,
    );
  const { g, dx } = backward(fn, logits, dWeights, options, (x) => new Float64Array(x.length));
  const { eps, logits: nl } = gatingNoise(fn, g.o.noise!, g.r.x.length);
  const out = allocLike(g.r.x, g.r.x.length);
  for (let i = 0; i < out.length; i++) {
    const d = dx[i]!;
    out[i] = d === 0 ? 0 : d * eps[i]! * noiseScaleSlope(nl![i]!);
  }
  return out as ResultOf<X>;
}
