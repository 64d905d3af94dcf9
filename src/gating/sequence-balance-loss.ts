/**
 * sequenceBalanceLoss(logits, { shape, k, alpha, bias, groups }) — DeepSeek-V3's
 * complementary sequence-wise balance loss (DeepSeek-AI 2024, arXiv:2412.19437,
 * eqs. 17–20), per sequence of T tokens with sigmoid affinities s = sigmoid(x):
 *   f_i = E/(k·T) · Σ_t [i ∈ topk_t],   s'_ti = s_ti / Σ_j s_tj,   P_i = (1/T) Σ_t s'_ti
 *   L = α · Σ_i f_i · P_i            (α: `alpha`, "an extremely small" factor)
 * The top-k is the routing itself (topKGating's selection with scoring
 * 'sigmoid', the same `bias` and `groups`), so f is a count and the gradient
 * flows through P only:  ∂L/∂x_ti = (α/T)·(f_i − Σ_j f_j s'_tj)/Σ_j s_tj · s_ti(1 − s_ti).
 * `shape` [tokens, experts] is one sequence; [batch, tokens, experts] (any
 * leading axes) averages the loss over the sequences. Balanced routing gives α.
 *
 * Stability: sigmoid without overflow; sums of non-negative terms; Float64 loss
 * ≤ 1e-13 relative (test/gating/sequence-balance-loss.test.ts). A token whose
 * affinities are all 0 (all −∞) adds 0 to P and gets gradient 0.
 *
 * @example
 * sequenceBalanceLoss([0, 0, 0, 0], { shape: [2, 2], k: 1, alpha: 1 }).loss; // 1: tie → expert 0 twice, f = [2, 0], P = [½, ½]
 */
import { routeRows } from '../kernels/routing-rows.js';
import { normalizedSigmoidVjpRows } from '../kernels/routing-vjp.js';
import { allocLike } from '../tensor/arrays.js';
import { integerRule, numberRule } from '../tensor/options.js';
import type { ArrayInput } from '../tensor/types.js';
import type { RouterLossResult } from './load-balancing-loss.js';
import { routerInput } from './router.js';
import { routeConfig, TOP_K_GATING_RULES } from './top-k-gating.js';

/** Options of {@link sequenceBalanceLoss}. */
export interface SequenceBalanceLossOptions {
  /** The shape [..., tokens, experts]; the last two axes are one sequence. Default: one token. */
  shape?: readonly number[];
  /** Routed experts per token. Default 2. */
  k?: number;
  /** The balance factor α ≥ 0 (DeepSeek-V3: 0.0001). Default 0.0001. */
  alpha?: number;
  /** The routing's selection bias [experts] (as topKGating). */
  bias?: ArrayInput;
  /** The routing's group limit (as topKGating). */
  groups?: { count: number; top: number };
}

const RULES = {
  k: integerRule({ default: 2 }),
  alpha: numberRule({ atLeast: 0, default: 0.0001 }),
  bias: TOP_K_GATING_RULES.bias,
  groups: TOP_K_GATING_RULES.groups,
} as const;

/** DeepSeek-V3's sequence-wise balance loss and its gradient. See the module doc. */
export function sequenceBalanceLoss(
  logits: ArrayInput,
  options?: SequenceBalanceLossOptions,
): RouterLossResult {
  const fn = 'sequenceBalanceLoss';
  const { o, r } = routerInput(fn, logits, options, RULES);
  const { tokens, experts: E } = r;
  const cfg = routeConfig(fn, { ...o, scoring: 'sigmoid' }, E);
  const k = cfg.k;
  const T = r.shape.length >= 2 ? r.shape[r.shape.length - 2]! : 1;
  const sequences = T === 0 ? 0 : tokens / T;
  const scores = new Float64Array(r.x.length);
  const indices = new Int32Array(tokens * k);
  routeRows(r.x, tokens, cfg, scores, indices, new Float64Array(tokens * k));
  const grad = allocLike(r.x, r.x.length);
  const f = new Float64Array(E);
  const P = new Float64Array(E);
  let loss = 0;
  for (let b = 0; b < sequences; b++) {
    const t0 = b * T;
    f.fill(0);
    P.fill(0);
    for (let t = t0; t < t0 + T; t++) {
      for (let j = t * k; j < (t + 1) * k; j++) f[indices[j]!]! += E / (k * T);
      let S = 0;
      for (let e = t * E; e < (t + 1) * E; e++) S += scores[e]!;
      if (S !== 0) for (let e = 0; e < E; e++) P[e]! += scores[t * E + e]! / S / T;
    }
    for (let e = 0; e < E; e++) loss += f[e]! * P[e]!;
    normalizedSigmoidVjpRows(
      scores.subarray(t0 * E, (t0 + T) * E),
      f,
      T,
      E,
      o.alpha / (T * sequences),
      grad.subarray(t0 * E, (t0 + T) * E),
    );
  }
  return { loss: sequences === 0 ? 0 : (o.alpha * loss) / sequences, grad };
}
