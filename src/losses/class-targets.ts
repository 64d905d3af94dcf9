/**
 * The losses over class-index targets: the targets themselves (validated, ignored
 * rows marked −1), per-class weights, the row driver that skips ignored and fully
 * masked rows and reduces over the rest, and the shape most of these losses share —
 * a loss of p = softmax(x), or of the target's probability p_t alone, whose gradient
 * is then F·(p − e_t).
 *
 * The options, the reduction and the row softmax are the losses' common layer
 * (./loss-options.ts); this module is what "a class target" adds to it.
 */
import { sumExcept } from '../kernels/js/exact.js';
import { toFloatArray } from '../tensor/arrays.js';
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import type { Resolved, Rules } from '../tensor/options.js';
import type { ArrayInput, FloatArray } from '../tensor/types.js';
import {
  type CLASS_LOSS_RULES,
  forEachLossRow,
  type LossResult,
  lossGradient,
  type PreparedLoss,
  reduceLoss,
  reductionScale,
  resolveLoss,
} from './loss-options.js';
import { type RowSoftmax, rowSoftmax, rowSoftmaxScratch } from './row-softmax.js';

/**
 * Resolve a class-target loss call: its options, logits and layout (resolveLoss),
 * then its targets (classTargets, one per row of the class axis).
 */
export function resolveClassLoss<R extends typeof CLASS_LOSS_RULES & Rules>(
  fn: string,
  logits: unknown,
  targets: unknown,
  options: unknown,
  rules: R,
): { p: PreparedLoss; o: Resolved<R>; t: Int32Array } {
  const { p, o } = resolveLoss(fn, logits, options, rules);
  return { p, o, t: classTargets(fn, targets, p.rows, p.layout.n, o.ignoreIndex as number) };
}

/**
 * Class targets as an Int32Array in row order with ignored rows set to −1.
 * Throws INVALID_INPUT (not Int32Array/number[]), SHAPE_MISMATCH (length ≠
 * rows) or TARGET_OUT_OF_RANGE (not an integer in [0, classes) nor ignoreIndex).
 */
export function classTargets(
  fn: string,
  targets: unknown,
  rows: number,
  classes: number,
  ignoreIndex: number,
): Int32Array {
  if (!(targets instanceof Int32Array) && !Array.isArray(targets))
    throw new SoftmaxKitError(
      'INVALID_INPUT',
      `${fn}: expected targets to be an Int32Array or number[] of class indices, got ${describe(targets)}`,
    );
  if (targets.length !== rows)
    throw new SoftmaxKitError(
      'SHAPE_MISMATCH',
      `${fn}: expected ${rows} targets (the logits' shape without the class axis), got ${targets.length}`,
    );
  const t = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const v: unknown = targets[i];
    if (v === ignoreIndex) t[i] = -1;
    else if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < classes) t[i] = v;
    else
      throw new SoftmaxKitError(
        'TARGET_OUT_OF_RANGE',
        `${fn}: expected targets[${i}] to be an integer in [0, ${classes}) or ignoreIndex ${ignoreIndex}, got ${describe(v)}`,
      );
  }
  return t;
}

/** Per-class weights: `classes` finite numbers (Float64). */
export function classWeights(
  fn: string,
  name: string,
  weight: ArrayInput | undefined,
  classes: number,
): Float64Array | undefined {
  if (weight === undefined) return undefined;
  const w = toFloatArray(fn, name, weight);
  if (w.length !== classes)
    throw new SoftmaxKitError(
      'SHAPE_MISMATCH',
      `${fn}: expected ${name} to have one entry per class (${classes}), got ${w.length}`,
    );
  for (let i = 0; i < classes; i++)
    if (!Number.isFinite(w[i]!))
      throw new SoftmaxKitError(
        'NON_FINITE_PARAMETER',
        `${fn}: expected ${name}[${i}] to be finite, got ${w[i]}`,
      );
  return Float64Array.from(w);
}

/**
 * The loss of the row x[o..o+n) with class target t; writes its gradient (double)
 * into g[0..n). `extra` is what the driver adds: gathered arrays, or the row's softmax.
 */
export type ClassRowLoss<E> = (
  x: FloatArray,
  o: number,
  n: number,
  t: number,
  g: Float64Array,
  extra: E,
) => number;

/**
 * A row loss over class targets: `rowLoss(x, o, n, t, g, aux)` returns the
 * loss of the row at x[o..o+n) with target t and writes its gradient into
 * g[0..n) (double); `aux` are logits-shaped arrays gathered alongside. The driver gives ignored rows and fully masked (all −∞) rows loss
 * 0 and gradient 0, applies the reduction (mean over non-ignored rows) and
 * stores each gradient once.
 */
export function classRowLoss(
  p: PreparedLoss,
  targets: Int32Array,
  rowLoss: ClassRowLoss<readonly FloatArray[]>,
  aux: readonly FloatArray[] = [],
): LossResult {
  const perRow = new Float64Array(p.rows);
  const { count } = targetTotals(targets, undefined);
  const s = reductionScale(p, count);
  const g = new Float64Array(p.layout.n);
  const grad = forEachLossRow(p, aux, lossGradient(p), (x, ax, out, r0, rows, n) => {
    for (let r = 0; r < rows; r++) {
      const t = targets[r0 + r]!;
      const o = r * n;
      if (t < 0 || allMasked(x, o, n)) {
        out.fill(0, o, o + n);
        continue;
      }
      perRow[r0 + r] = rowLoss(x, o, n, t, g, ax);
      for (let j = 0; j < n; j++) out[o + j] = s * g[j]!;
    }
  });
  return { loss: reduceLoss(p, perRow, count), grad };
}

function allMasked(x: FloatArray, o: number, n: number): boolean {
  for (let j = o; j < o + n; j++) if (x[j] !== -Infinity) return false;
  return true;
}

/** The non-ignored rows of `targets` and their weight Σ w[t_i] (their count without `w`): the 'mean' denominators. */
export function targetTotals(
  targets: Int32Array,
  w: Float64Array | undefined,
): { count: number; weight: number } {
  let count = 0;
  let weight = 0;
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]!;
    if (t < 0) continue;
    count++;
    weight += w ? w[t]! : 1;
  }
  return { count, weight };
}

/**
 * A class-target loss of p = softmax(x): classRowLoss with each row's softmax and
 * log-softmax (exact three-pass, double) in `sm` before `rowLoss` sees the row.
 */
export function softmaxClassLoss(
  p: PreparedLoss,
  targets: Int32Array,
  rowLoss: ClassRowLoss<RowSoftmax>,
): LossResult {
  const sm = rowSoftmaxScratch(p.layout.n);
  return classRowLoss(p, targets, (x, o, n, t, g) => {
    rowSoftmax(x, o, n, sm);
    return rowLoss(x, o, n, t, g, sm);
  });
}

/** The target's probability in one row, as a loss of p_t alone sees it. */
export interface TargetProbability {
  /** The target class t. */
  t: number;
  /** p_t. */
  p: number;
  /** log p_t, from the exact log-softmax (accurate as p_t → 1). */
  logP: number;
  /** 1 − p_t, as Σ_{j≠t} p_j (no cancellation as p_t → 1). */
  rest: number;
}

/** A loss ℓ = φ(p_t) of the target's probability and its gradient factor F = −p_t·φ′(p_t). */
export interface TargetProbabilityTerm {
  loss(r: TargetProbability): number;
  factor(r: TargetProbability): number;
}

/**
 * A loss of the target's softmax probability alone, ℓ = φ(p_t) with p = softmax(x)
 * (poly, generalized cross-entropy, focal). As dp_t/dx_j = p_t·([j = t] − p_j),
 *   dℓ/dx_j = F·(p_j − [j = t]),   F = −p_t·φ′(p_t),
 * so a loss gives ℓ and F from p_t, log p_t and 1 − p_t; the target's entry
 * F·(p_t − 1) is formed as −F·Σ_{j≠t} p_j (no cancellation as p_t → 1).
 */
export function targetProbabilityLoss(
  p: PreparedLoss,
  targets: Int32Array,
  term: TargetProbabilityTerm,
): LossResult {
  const r: TargetProbability = { t: 0, p: 0, logP: 0, rest: 0 };
  return softmaxClassLoss(p, targets, (_x, _o, n, t, g, sm) => {
    r.t = t;
    r.p = sm.p[t]!;
    r.logP = sm.logp[t]!;
    r.rest = sumExcept(sm.p, 0, n, t);
    const F = term.factor(r);
    for (let j = 0; j < n; j++) g[j] = F * sm.p[j]!;
    g[t] = 0 - F * r.rest; // +0 (not −0) where F·(1 − p_t) is 0
    return term.loss(r);
  });
}
