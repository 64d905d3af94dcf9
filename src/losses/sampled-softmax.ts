/**
 * sampledSoftmaxLoss(logits, targets) — cross-entropy over a sampled subset of
 * the classes, for vocabularies or identity sets too large for a full softmax.
 * Two samplers, both seeded and reproducible (src/random, Philox), drawing one
 * set of classes for the whole batch and returning it as `sampled`, so a
 * caller can compute only those logits:
 *
 * - 'sampled' (Bengio & Senécal 2008; Jean et al., ACL 2015, arXiv:1412.2007):
 *   `numSampled` = m classes drawn i.i.d. from the proposal Q (uniform by
 *   default); every candidate logit gets the log-Q correction o′_j = o_j − log(m·Q_j)
 *   (m·Q_j is the expected count of class j), and per row
 *     ℓ = log(e^{o′_t} + Σ_k e^{o′_{c_k}}) − o′_t
 *   over the draws c_k (with `removeAccidentalHits`, default true, draws equal
 *   to the target are dropped). dℓ/do_j = Σ over candidate slots of j of (π − [slot = target]).
 * - 'partial-fc' (An et al., "Partial FC: Training 10 Million Identities on a
 *   Single Machine", ICCVW 2021, arXiv:2010.05222): the batch's positive
 *   classes plus classes drawn uniformly without replacement, ⌈sampleRate·C⌉
 *   in all (never fewer than the positives); plain softmax cross-entropy over
 *   that set: ℓ = log Σ_{j∈S} e^{o_j} − o_t, dℓ/do_j = p_j − [j = t] on S, 0 off it.
 *
 * Stability: every row's candidate logsumexp is taken against its maximum
 * (x − max carried exactly), its sum split into the entries at the max and
 * the rest, so ℓ = log1p(rest) when the target dominates; the target's
 * gradient π_t − 1 is formed as −Σ of the other candidates' π (no
 * cancellation as π_t → 1). The correction is an additive constant per class.
 * Error bound: Float64 ≤ 1e-14 relative given the drawn set
 * (test/losses/sampled-softmax.test.ts, 60-digit reference).
 *
 * Non-finite policy: masked (−∞) candidates get probability 0 and gradient 0;
 * a masked target gives +∞ with gradient 0; a fully masked row gives 0; NaN
 * in a candidate logit stays in its row.
 *
 * @example
 * const { loss, grad, sampled } = sampledSoftmaxLoss(logits, targets, {
 *   shape: [N, C], numSampled: 64, seed: 7,
 * });
 */
import { expDiff } from '../kernels/js/exact.js';
import { splitStateOfRow } from '../kernels/online-state.js';
import { uniform } from '../random/noise.js';
import { seedRule } from '../random/seed.js';
import { toFloatArray } from '../tensor/arrays.js';
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import { booleanRule, integerRule, numberRule, oneOfRule, rule } from '../tensor/options.js';
import type { ArrayInput, FloatArray } from '../tensor/types.js';
import { requireNumber } from '../tensor/validate.js';
import { classRowLoss, resolveClassLoss } from './class-targets.js';
import { CLASS_LOSS_RULES, type ClassLossOptions, type LossResult } from './loss-options.js';

/** Options of {@link sampledSoftmaxLoss}. */
export interface SampledSoftmaxLossOptions extends ClassLossOptions {
  /** 'sampled' (log-Q corrected, default) or 'partial-fc'. */
  method?: 'sampled' | 'partial-fc';
  /** 'sampled': draws m, an integer in [1, 2^24]. Default min(64, classes). */
  numSampled?: number;
  /** 'partial-fc': share of the classes kept, in (0, 1]. Default 0.1. */
  sampleRate?: number;
  /** 'sampled': proposal Q over the classes (positive, normalized here). Default uniform. */
  proposal?: ArrayInput;
  /** 'sampled': drop draws equal to the row's target. Default true. */
  removeAccidentalHits?: boolean;
  /**
   * Seed of the draws (an integer in [0, 2^53)): a given seed reproduces exactly; when
   * left out a fresh one is drawn from the platform's crypto generator on every call,
   * so a training loop gets new draws each step (it was 0 on every call).
   */
  seed?: number;
}

/** `{ loss, grad }` plus the classes drawn: the candidate draws ('sampled') or the kept set ('partial-fc'). */
export interface SampledSoftmaxLossResult extends LossResult {
  sampled: Int32Array;
}

/**
 * The most draws of 'sampled' (2^24 ≈ 16.8 million): checked before anything is
 * allocated, so a huge numSampled is a clear error, not a stack overflow or a hang.
 */
const MAX_SAMPLED = 2 ** 24;

/** The option rules of {@link sampledSoftmaxLoss}. */
const SAMPLED_RULES = {
  ...CLASS_LOSS_RULES,
  method: oneOfRule(['sampled', 'partial-fc'] as const, 'sampled'),
  numSampled: integerRule({ atLeast: 1, atMost: MAX_SAMPLED }),
  sampleRate: numberRule({ greaterThan: 0, atMost: 1, default: 0.1 }),
  proposal: rule((fn, name, v) => toFloatArray(fn, name, v)),
  removeAccidentalHits: booleanRule(true),
  seed: seedRule,
} as const;

/** Sampled / partial softmax cross-entropy. See the module doc. */
export function sampledSoftmaxLoss(
  logits: ArrayInput,
  targets: Int32Array | readonly number[],
  options?: SampledSoftmaxLossOptions,
): SampledSoftmaxLossResult {
  const fn = 'sampledSoftmaxLoss';
  const { p, o, t } = resolveClassLoss(fn, logits, targets, options, SAMPLED_RULES);
  rejectOtherMethodsOptions(fn, o.method, options);
  const C = p.layout.n;
  const seed = o.seed;
  if (o.method === 'partial-fc') {
    const kept = partialFcClasses(t, C, Math.ceil(o.sampleRate * C), seed);
    const v = new Float64Array(kept.length);
    const result = classRowLoss(p, t, (x, o, _n, ti, g) => {
      for (let k = 0; k < kept.length; k++) v[k] = x[o + kept[k]!]!;
      return candidateLoss(kept, v, ti, x[o + ti]!, g);
    });
    return { ...result, sampled: kept };
  }
  const m = o.numSampled ?? Math.min(64, C);
  const removeHits = o.removeAccidentalHits;
  const Q = proposal(fn, o.proposal, C);
  const draws = drawClasses(Q, m, seed);
  const correction = Float64Array.from(Q, (q) => Math.log(m * q));
  // slot 0 is the target, slots 1..m the draws (a removed hit is −∞: weight 0); set,
  // not spread: Int32Array.of(0, ...draws) overflows the stack past ~10^5 draws
  const slots = new Int32Array(m + 1);
  slots.set(draws, 1);
  const v = new Float64Array(m + 1);
  const result = classRowLoss(p, t, (x, o, _n, ti, g) => {
    slots[0] = ti;
    v[0] = x[o + ti]! - correction[ti]!;
    for (let k = 1; k <= m; k++) {
      const c = slots[k]!;
      v[k] = removeHits && c === ti ? -Infinity : x[o + c]! - correction[c]!;
    }
    return candidateLoss(slots, v, ti, v[0]!, g);
  });
  return { ...result, sampled: draws };
}

/** The options of one method only; given with the other they would be silently ignored. */
const ONLY_FOR: Record<string, 'sampled' | 'partial-fc'> = {
  numSampled: 'sampled',
  proposal: 'sampled',
  removeAccidentalHits: 'sampled',
  sampleRate: 'partial-fc',
};

/** Throw INVALID_PARAMETER for an option given that the chosen method does not use. */
function rejectOtherMethodsOptions(fn: string, method: string, options: unknown): void {
  const given = (options ?? {}) as Record<string, unknown>;
  for (const [key, owner] of Object.entries(ONLY_FOR))
    if (owner !== method && given[key] !== undefined)
      throw new SoftmaxKitError(
        'INVALID_PARAMETER',
        `${fn}: expected no ${key} with method '${method}' (it applies to method '${owner}'), got ${describe(given[key])}`,
      );
}

/**
 * Cross-entropy over candidate slots: slot k holds class cls[k] and logit v[k];
 * vt is the target's logit (one of the v). Writes g (zeroed first) with
 * g[c] = Σ_{slots of c} π_k for c ≠ t and g[t] = −Σ_{slots of other classes} π_k
 * (= Σ_{slots of t} π − 1, formed without cancelling as π_t → 1), and returns
 * ℓ = log Σ_k e^{v_k} − vt. The sum is split as c + b (c slots at the max m,
 * b the rest below), so ℓ = (m − vt) + log1p(c − 1 + b) keeps its relative
 * accuracy when the target dominates. A masked target: +∞, gradient 0.
 */
function candidateLoss(
  cls: Int32Array,
  v: Float64Array,
  ti: number,
  vt: number,
  g: Float64Array,
): number {
  g.fill(0);
  if (vt === -Infinity) return Infinity;
  const st = splitStateOfRow(v, 0, v.length);
  if (st === null) {
    for (const c of cls) g[c] = Number.NaN; // NaN or +∞ among the candidates; 0 off them
    return Number.NaN;
  }
  const { m, c: atMax, b: below } = st;
  const d = atMax + below;
  let others = 0;
  for (let k = 0; k < v.length; k++) {
    const c = cls[k]!;
    if (c === ti) continue;
    const e = expDiff(v[k]!, m);
    g[c] = g[c]! + e / d;
    others += e;
  }
  g[ti] = -others / d;
  return m - vt + Math.log1p(atMax - 1 + below);
}

/** The proposal Q (normalized), uniform by default; entries must be finite and > 0. */
function proposal(fn: string, a: FloatArray | undefined, C: number): Float64Array {
  if (a === undefined) return new Float64Array(C).fill(1 / C);
  if (a.length !== C)
    throw new SoftmaxKitError(
      'SHAPE_MISMATCH',
      `${fn}: expected proposal to have one entry per class (${C}), got ${a.length}`,
    );
  let s = 0;
  for (let j = 0; j < C; j++) {
    requireNumber(fn, `proposal[${j}]`, a[j], { greaterThan: 0 });
    s += a[j]!;
  }
  return Float64Array.from(a, (v) => v / s);
}

/** m i.i.d. classes from Q by inverting its cumulative sum with seeded uniforms. */
function drawClasses(Q: Float64Array, m: number, seed: number): Int32Array {
  const cdf = new Float64Array(Q.length);
  let s = 0;
  for (let j = 0; j < Q.length; j++) cdf[j] = s += Q[j]!;
  const u = uniform(seed, 0, new Float64Array(m));
  const out = new Int32Array(m);
  for (let k = 0; k < m; k++) {
    const target = u[k]! * s;
    let lo = 0;
    let hi = Q.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    out[k] = lo;
  }
  return out;
}

/** The batch's positive classes plus uniformly drawn others (without replacement), `count` in all, sorted. */
function partialFcClasses(t: Int32Array, C: number, count: number, seed: number): Int32Array {
  const positive = new Uint8Array(C);
  for (const ti of t) if (ti >= 0) positive[ti] = 1;
  const keys: FloatArray = uniform(seed, 0, new Float64Array(C));
  const others: number[] = [];
  let kept = 0;
  for (let j = 0; j < C; j++) {
    if (positive[j]) kept++;
    else others.push(j);
  }
  others.sort((a, b) => keys[a]! - keys[b]!);
  const extra = Math.max(0, count - kept);
  for (let k = 0; k < extra && k < others.length; k++) positive[others[k]!] = 1;
  const out: number[] = [];
  for (let j = 0; j < C; j++) if (positive[j]) out.push(j);
  return Int32Array.from(out);
}
