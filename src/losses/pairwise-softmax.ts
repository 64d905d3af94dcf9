/**
 * pairwiseSoftmaxLoss(scores, targets) — the Pairwise Softmax Loss for
 * recommendation (Yang et al., "PSL: Rethinking and Improving Softmax Loss
 * from Pairwise Perspective for Recommendation", NeurIPS 2024,
 * arXiv:2411.00163). The softmax loss is log Σ_j e^{(s_j − s_t)/τ}; PSL
 * replaces the exponential of each score gap d_j = s_j − s_t by an activation
 * σ with σ(0) = 1:
 *   ℓ = log Σ_j σ(d_j)^{1/τ} = logsumexp_j (log σ(d_j) / τ)
 *   σ: 'exp' e^d (the softmax loss) · 'tanh' 1 + tanh d · 'atan' max(1 + atan d, 0)
 *   · 'relu' max(1 + d, 0)
 * (the positive itself contributes σ(0) = 1, as in the softmax loss).
 *
 * Gradient: with π = softmax_j(log σ(d_j)/τ) and r_j = σ′(d_j)/σ(d_j)/τ,
 *   dℓ/ds_j = π_j·r_j (j ≠ t),   dℓ/ds_t = −Σ_{j≠t} π_j·r_j
 * where r = 1/τ ('exp'), (1 − tanh d)/τ ('tanh'), 1/((1 + d²)(1 + atan d)τ) ('atan'),
 * 1/((1 + d)τ) ('relu').
 *
 * Stability: log σ in closed form — log(1 + tanh d) = ln 2 − softplus(−2d) —
 * then one exact logsumexp (max-shifted, its sum split into the entries at
 * the max and the rest, so a confident row's ℓ = log1p(rest) keeps its
 * relative accuracy); d_j is a difference of scores, so a
 * common shift changes nothing. Error bound: Float64 ≤ 1e-14 relative
 * (test/losses/pairwise-softmax.test.ts).
 *
 * Non-finite policy: a masked (−∞) score has σ = 0 (tanh, relu; and e^{−∞})
 * and gradient 0; 'relu' gaps below −1 and 'atan' gaps below −tan 1 ≈ −1.557 (where
 * 1 + atan d would turn negative) likewise contribute 0 with gradient 0;
 * a masked target gives +∞ with gradient 0 (the positive is impossible) and a
 * fully masked row gives 0; NaN, or a +∞ score under 'exp', makes its row NaN.
 *
 * @example
 * pairwiseSoftmaxLoss([0.9, 0.2, -0.4], [0], { activation: 'tanh', temperature: 0.2 });
 */
import { expDiff } from '../kernels/js/exact.js';
import { splitStateOfRow } from '../kernels/online-state.js';
import { numberRule, oneOfRule } from '../tensor/options.js';
import type { ArrayInput } from '../tensor/types.js';
import { classRowLoss, resolveClassLoss } from './class-targets.js';
import { CLASS_LOSS_RULES, type ClassLossOptions, type LossResult } from './loss-options.js';

/** The surrogate σ applied to score differences in the pairwise softmax loss (see the module doc). */
export type PairwiseActivation = 'exp' | 'tanh' | 'atan' | 'relu';

/** Options of {@link pairwiseSoftmaxLoss}. */
export interface PairwiseSoftmaxLossOptions extends ClassLossOptions {
  /** σ of the score gaps. Default 'tanh'. */
  activation?: PairwiseActivation;
  /** τ > 0. Default 1. */
  temperature?: number;
}

/** log σ(d) and σ′(d)/σ(d) for each activation. */
const ACTIVATIONS: Record<PairwiseActivation, [(d: number) => number, (d: number) => number]> = {
  exp: [(d) => d, () => 1],
  tanh: [
    (d) => Math.LN2 - (Math.max(-2 * d, 0) + Math.log1p(Math.exp(-Math.abs(2 * d)))),
    (d) => 1 - Math.tanh(d),
  ],
  atan: [
    (d) => {
      const a = Math.atan(d);
      return a > -1 ? Math.log1p(a) : a <= -1 ? -Infinity : a;
    },
    (d) => {
      const a = Math.atan(d);
      return a > -1 ? 1 / ((1 + d * d) * (1 + a)) : 0;
    },
  ],
  relu: [
    (d) => (d > -1 ? Math.log1p(d) : d <= -1 ? -Infinity : d),
    (d) => (d > -1 ? 1 / (1 + d) : 0),
  ],
};

/** The option rules of {@link pairwiseSoftmaxLoss}. */
const PSL_RULES = {
  ...CLASS_LOSS_RULES,
  activation: oneOfRule<PairwiseActivation>(['exp', 'tanh', 'atan', 'relu'], 'tanh'),
  temperature: numberRule({ greaterThan: 0, default: 1 }),
} as const;

/** PSL over rows of scores with the positive at the target index. See the module doc. */
export function pairwiseSoftmaxLoss(
  scores: ArrayInput,
  targets: Int32Array | readonly number[],
  options?: PairwiseSoftmaxLossOptions,
): LossResult {
  const fn = 'pairwiseSoftmaxLoss';
  const { p, o, t } = resolveClassLoss(fn, scores, targets, options, PSL_RULES);
  const tau = o.temperature;
  const [logSigma, ratio] = ACTIVATIONS[o.activation];
  const w = new Float64Array(p.layout.n);
  return classRowLoss(p, t, (x, o, n, ti, g) => {
    const st = x[o + ti]!;
    if (st === -Infinity || Number.isNaN(st)) {
      g.fill(st === -Infinity ? 0 : Number.NaN);
      return st === -Infinity ? Infinity : Number.NaN;
    }
    for (let j = 0; j < n; j++) {
      const d = x[o + j]! - st;
      w[j] = j === ti ? 0 : d === -Infinity ? -Infinity : logSigma(d) / tau; // log σ(0) = 0
    }
    const lse = splitStateOfRow(w, 0, n);
    if (lse === null) {
      g.fill(Number.NaN);
      return Number.NaN;
    }
    const sum = lse.c + lse.b;
    let gt = 0;
    for (let j = 0; j < n; j++) {
      if (j === ti) continue;
      const pi = expDiff(w[j]!, lse.m) / sum;
      const gj = pi === 0 ? 0 : (pi * ratio(x[o + j]! - st)) / tau;
      g[j] = gj;
      gt -= gj;
    }
    g[ti] = gt;
    return lse.m + Math.log1p(lse.c - 1 + lse.b); // log1p: ℓ ≈ Σ_{j≠t} σ^{1/τ} ≪ 1 when confident
  });
}
