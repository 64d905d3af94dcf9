/**
 * marginSoftmaxLoss(cosines, targets) — the margin losses of face recognition
 * on cosine logits cos θ_j = ⟨x̂, ŵ_j⟩ (rows of classes along `axis`): the
 * target's cosine becomes
 *   φ(cos θ) = cos(m1·θ + m2) − m3,   θ = arccos(cos θ_t),
 * every logit is scaled by s, and the loss is cross-entropy of those logits:
 *   ℓ = crossEntropy(s·[cos θ_1, …, φ(cos θ_t), …, cos θ_C], t).
 * m1 is SphereFace's multiplicative angular margin (Liu et al. 2017), m2
 * ArcFace's additive angular margin (Deng et al. 2019, arXiv:1801.07698), m3
 * CosFace's additive cosine margin (Wang et al. 2018, arXiv:1801.09414); all
 * three at once is InsightFace's combined margin. Defaults are InsightFace's
 * ArcFace: s = 64, m1 = 1, m2 = 0.5, m3 = 0. `elastic: { std, seed }` is
 * ElasticFace (Boutros et al. 2022, arXiv:2109.09416): each row draws its own
 * m2 ~ N(m2, std²) and m3 ~ N(m3, std²) (the nonzero ones; std 0.0125 by
 * default, the authors' code), from the seeded Philox stream (src/random/normal.ts:
 * row r takes draws 2r for m2 and 2r + 1 for m3), so a step is reproducible.
 * The reduction, `ignoreIndex`, `labelSmoothing` and `allIgnored` are
 * crossEntropy's, which computes the loss; only the target's logit changes.
 *
 * Stability near θ = 0 and θ = π, where arccos and its derivative blow up:
 * sin θ = √((1 − c)(1 + c)), and for m1 = 1 the identity
 * cos(θ + m2) = c·cos m2 − sin θ·sin m2 — no arccos at all, and m2 = 0 gives c
 * exactly, so m1 = 1, m2 = m3 = 0 is crossEntropy of s·cos θ bit for bit. For
 * m1 ≠ 1, θ = atan2(sin θ, c) (accurate at both ends, unlike arccos). A
 * target cosine rounded past ±1 is clamped (φ(±1), gradient 0 there, as
 * `clamp(−1, 1)` in the ElasticFace code) instead of giving NaN; with no
 * angular margin (m1 = 1, m2 = 0) φ(c) = c − m3 holds for any c and nothing
 * is clamped.
 *
 * `fallback` (InsightFace's ArcFace head, m1 = 1 only) keeps the target logit
 * decreasing in θ once θ + m2 passes π, where cos(θ + m2) turns back up:
 * - 'none' (default, the formula as written, as InsightFace's CombinedMarginLoss);
 * - 'threshold': where θ + m2 > π (c ≤ cos(π − m2)) the target is
 *   c − m2·sin m2 − m3 (InsightFace's `sinmm`, the linearization at the turn);
 * - 'easy': the margin only where c > 0, else c − m3 ("easy margin").
 *
 * Gradient with respect to the cosines: s·g_j off the target and
 * s·g_t·φ'(c) at it, g = crossEntropy's gradient of the scaled logits and
 *   φ'(c) = d cos(m1·θ + m2)/dc = m1·sin(m1·θ + m2)/sin θ
 * (1 in the fallbacks' linear parts), with sin θ = √((1 − c)(1 + c)) itself
 * (sin of a computed θ near π would carry ulp(π)/sin θ relative error); for
 * m1 = 1 it is cos m2 + c·sin m2/sin θ. As c → ±1 with m2 ≠ 0 it grows like
 * 1/√(1 − c²) — the true derivative, to ≤ 1e−12 relative of 60-digit
 * arithmetic within 1e−6 and 1e−9 of ±1 — and at |c| = 1 exactly it is
 * infinite: there θ is taken as 2^−26 (or π − 2^−26), the angle of the double
 * next to ±1, so the gradient is large but finite (≈ 6.7e7·sin m2 times
 * s·g_t). The margins are constants (no gradient for m or s).
 *
 * Error bound: crossEntropy's (Float64 ≤ 1e−14 relative) on logits whose
 * target entry carries ≤ 2 ulp of φ times s (the identity's two products and
 * difference), so the loss is within ~1e−14 + 2^−51·s·|g_t|/ℓ relative: ≤ 1e−13
 * of a 60-digit reference (arccos and cos in decimal) at s = 64 in the tests;
 * φ' to ≤ 1e−12 relative even within 1e−9 of ±1. Float32 cosines are computed
 * in double and rounded once. Tested against 60-digit references and central
 * finite differences in test/losses/margin-softmax.test.ts.
 *
 * Non-finite policy: crossEntropy's on the scaled logits — a −∞ cosine is a
 * masked class (a masked target gives loss +∞), a fully masked row gives 0, NaN
 * stays in its row. A non-finite target cosine is scaled as is (no margin).
 *
 * @example
 * const cos = [0.8, 0.1, -0.3, 0.5, 0.7, 0.2];              // 2 rows × 3 classes
 * marginSoftmaxLoss(cos, [0, 1], { shape: [2, 3] });          // ArcFace, s = 64, m = 0.5
 * marginSoftmaxLoss(cos, [0, 1], { shape: [2, 3], m2: 0, m3: 0.35 }); // CosFace
 * marginSoftmaxLoss(cos, [0, 1], { shape: [2, 3], elastic: { std: 0.05, seed: 1 } }); // ElasticArcFace
 */
import { normal } from '../random/normal.js';
import { seedRule } from '../random/seed.js';
import { allocLike } from '../tensor/arrays.js';
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import {
  backendRule,
  numberRule,
  oneOfRule,
  requireOptionsObject,
  rule,
  unknownOption,
} from '../tensor/options.js';
import type { ArrayInput, FloatArray } from '../tensor/types.js';
import { resolveClassLoss } from './class-targets.js';
import { crossEntropy } from './cross-entropy.js';
import {
  CLASS_LOSS_RULES,
  type ClassLossOptions,
  type LossResult,
  lossGradient,
} from './loss-options.js';

/** Options of {@link marginSoftmaxLoss}: the class-loss options (shape, axis, reduction, ignoreIndex, allIgnored, backend, gradOut) and the margins. */
export interface MarginSoftmaxLossOptions extends ClassLossOptions {
  /** ε in [0, 1], crossEntropy's label smoothing of the margined logits. Default 0. */
  labelSmoothing?: number;
  /** s > 0, the scale of every logit. Default 64. */
  scale?: number;
  /** SphereFace's multiplicative angular margin, > 0. Default 1. */
  m1?: number;
  /** ArcFace's additive angular margin (radians), ≥ 0. Default 0.5. */
  m2?: number;
  /** CosFace's additive cosine margin, ≥ 0. Default 0. */
  m3?: number;
  /** Where θ + m2 passes π (m1 = 1 only): 'none' (default), 'threshold' or 'easy'. */
  fallback?: MarginFallback;
  /** ElasticFace: draw m2 and m3 per row from N(m, std²); std ≥ 0 (default 0.0125), seed as gumbelSoftmax's. */
  elastic?: { std?: number; seed?: number };
}

/** InsightFace's fallbacks once θ + m2 > π. */
export type MarginFallback = 'none' | 'threshold' | 'easy';

const ELASTIC_RULES = { std: numberRule({ atLeast: 0, default: 0.0125 }), seed: seedRule } as const;

const RULES = {
  ...CLASS_LOSS_RULES,
  backend: backendRule,
  labelSmoothing: numberRule({ atLeast: 0, atMost: 1, default: 0 }),
  scale: numberRule({ greaterThan: 0, default: 64 }),
  m1: numberRule({ greaterThan: 0, default: 1 }),
  m2: numberRule({ atLeast: 0, default: 0.5 }),
  m3: numberRule({ atLeast: 0, default: 0 }),
  fallback: oneOfRule<MarginFallback>(['none', 'threshold', 'easy'], 'none'),
  elastic: rule((fn, name, v) => {
    const given = requireOptionsObject(fn, v, name);
    const known = Object.keys(ELASTIC_RULES);
    for (const key of Object.keys(given))
      if (!known.includes(key))
        throw unknownOption(
          fn,
          `${name}.${key}`,
          known.map((k) => `${name}.${k}`),
        );
    return {
      std: ELASTIC_RULES.std.parse(fn, `${name}.std`, given.std),
      seed: ELASTIC_RULES.seed.parse(fn, `${name}.seed`, given.seed),
    };
  }),
} as const;

/** The smallest angle used for φ' at |c| = 1: that of the double next to 1 (sin θ ≈ 2^−26). */
const THETA_MIN = 2 ** -26;
/** sin θ below this (only |c| = 1 exactly, or within an ulp of it) takes THETA_MIN. */
const SIN_MIN = Math.sin(THETA_MIN);

/** φ(c) and φ'(c) of one target cosine. */
interface Margined {
  value: number;
  slope: number;
}

/** The margins of one row. */
interface Margins {
  m1: number;
  m2: number;
  m3: number;
  fallback: MarginFallback;
}

/** φ(c) = cos(m1·θ + m2) − m3 (or its fallback) and dφ/dc, for a finite c. See the module doc. */
function marginTarget(cosine: number, m: Margins, out: Margined): void {
  if (m.m1 === 1 && m.m2 === 0) {
    out.value = cosine - m.m3; // no angle: exact for any c, nothing to clamp
    out.slope = 1;
    return;
  }
  if (!(Math.abs(cosine) <= 1)) {
    out.value = marginAtBound(Math.sign(cosine), m);
    out.slope = 0; // φ(clamp(c)) is constant beyond ±1
    return;
  }
  const c = cosine;
  const sin = Math.sqrt((1 - c) * (1 + c));
  const linear =
    (m.fallback === 'easy' && !(c > 0)) || (m.fallback === 'threshold' && !(c > -Math.cos(m.m2))); // cos(π − m2) = −cos m2
  if (linear) {
    out.value = (m.fallback === 'easy' ? c : c - m.m2 * Math.sin(m.m2)) - m.m3;
    out.slope = 1;
    return;
  }
  const theta = Math.atan2(sin, c);
  const margined =
    m.m1 === 1 ? c * Math.cos(m.m2) - sin * Math.sin(m.m2) : Math.cos(m.m1 * theta + m.m2);
  out.value = margined - m.m3;
  if (sin >= SIN_MIN) {
    // sin θ from √((1 − c)(1 + c)), not sin(θ): θ near π carries an absolute error of ulp(π)
    out.slope =
      m.m1 === 1
        ? Math.cos(m.m2) + (c * Math.sin(m.m2)) / sin
        : (m.m1 * Math.sin(m.m1 * theta + m.m2)) / sin;
    return;
  }
  const t = c > 0 ? THETA_MIN : Math.PI - THETA_MIN; // |c| = 1 (or next to it): a finite stand-in
  out.slope = (m.m1 * Math.sin(m.m1 * t + m.m2)) / Math.sin(t);
}

/** φ(±1): the margined value at θ = 0 or θ = π. */
function marginAtBound(c: number, m: Margins): number {
  const out: Margined = { value: 0, slope: 0 };
  marginTarget(c, m, out);
  return out.value;
}

/** Margin softmax loss (SphereFace, ArcFace, CosFace, combined, elastic) and d loss / d cosines. See the module doc. */
export function marginSoftmaxLoss(
  cosines: ArrayInput,
  targets: Int32Array | readonly number[],
  options?: MarginSoftmaxLossOptions,
): LossResult {
  const fn = 'marginSoftmaxLoss';
  const { p, o, t } = resolveClassLoss(fn, cosines, targets, options, RULES);
  if (o.m1 !== 1 && o.fallback !== 'none')
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected fallback 'none' with m1 ≠ 1 (InsightFace's fallbacks are defined for the additive angular margin), got fallback ${describe(o.fallback)} with m1 ${o.m1}`,
    );
  const c = p.x;
  const { n, inner } = p.layout;
  const rows = p.rows;
  const draws = o.elastic ? normal(o.elastic.seed, 0, new Float64Array(2 * rows)) : undefined;
  const std = o.elastic?.std ?? 0;

  // Scaled logits in double; the target entries get the margin.
  const s = o.scale;
  const z = new Float64Array(c.length);
  for (let i = 0; i < c.length; i++) z[i] = s * c[i]!;
  const slope = new Float64Array(rows);
  const at = new Int32Array(rows).fill(-1);
  const m: Margins = { m1: o.m1, m2: o.m2, m3: o.m3, fallback: o.fallback };
  const phi: Margined = { value: 0, slope: 1 };
  for (let r = 0; r < rows; r++) {
    if (t[r]! < 0) continue;
    const i = Math.floor(r / inner) * n * inner + t[r]! * inner + (r % inner);
    if (!Number.isFinite(c[i]!)) continue;
    if (draws) {
      m.m2 = o.m2 === 0 ? 0 : o.m2 + std * draws[2 * r]!;
      m.m3 = o.m3 === 0 ? 0 : o.m3 + std * draws[2 * r + 1]!;
    }
    marginTarget(c[i]!, m, phi);
    z[i] = s * phi.value;
    slope[r] = phi.slope;
    at[r] = i;
  }

  const ce = crossEntropy(z, targets, {
    shape: p.layout.shape,
    axis: o.axis,
    reduction: o.reduction,
    ignoreIndex: o.ignoreIndex,
    allIgnored: o.allIgnored,
    labelSmoothing: o.labelSmoothing,
    backend: o.backend,
  });
  const grad = lossGradient(p);
  const gz = ce.grad;
  for (let i = 0; i < c.length; i++) grad[i] = s * gz[i]!;
  for (let r = 0; r < rows; r++) if (at[r]! >= 0) grad[at[r]!] = s * gz[at[r]!]! * slope[r]!;
  let loss: number | FloatArray = ce.loss;
  if (typeof loss !== 'number') {
    const l = allocLike(c, loss.length);
    l.set(loss);
    loss = l;
  }
  return { loss, grad };
}
