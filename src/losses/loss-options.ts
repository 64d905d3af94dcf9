/**
 * What every loss shares: the option families as rule tables of the one options
 * layer (src/tensor/options.ts: defaults written here once, types and ranges
 * checked, unknown keys rejected with the nearest valid name), class-target
 * validation, the reduction of per-row losses, and a driver that runs a row loss
 * over any class axis.
 *
 * Families: LOSS_RULES (`shape`, `axis`, `reduction`, `gradOut`) for every loss
 * over logits; CLASS_LOSS_RULES adds `ignoreIndex` and `allIgnored` for class
 * targets; CROSS_ENTROPY_TERMS (`labelSmoothing`, `zLoss`, `softcap`,
 * `returnLse`, `returnGrad`) are the terms crossEntropy and linearCrossEntropy share.
 *
 * `backend` (issue 15): a loss lists it only where it runs a backend kernel —
 * crossEntropy (its class-target kernel) and decodeHistogram (its softmax rows);
 * there it is resolved by src/kernels/backend.ts `resolveBackend` (an unavailable
 * backend throws BACKEND_UNAVAILABLE). The other losses compute in the exact JS
 * row code and do not take it: `backend` passed to them is an unknown option.
 *
 * Reduction follows PyTorch: 'mean' divides by the number of non-ignored rows
 * (or a weight sum the loss passes in), 'sum' adds, 'none' keeps one loss per
 * row (the class axis dropped). The gradient is always d loss / d logits; for
 * 'none' it is the gradient of the sum of the per-row losses.
 *
 * An all-ignored batch (mean over nothing) is 0 with a zero gradient by
 * default — PyTorch gives NaN, which users patch; `allIgnored: 'nan'` restores it.
 */
import { softmaxRows } from '../kernels/js/softmax-rows.js';
import { forEachRow } from '../kernels/strided-rows.js';
import { inverseTemperature } from '../normalizers/softmax-options.js';
import { allocLike, sharesMemory, toFloatArray } from '../tensor/arrays.js';
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import { type RowLayout, rowLayout } from '../tensor/layout.js';
import {
  axisRule,
  booleanRule,
  integerRule,
  numberRule,
  oneOfRule,
  type Resolved,
  type Rule,
  type Rules,
  resolveOptions,
  rule,
  shapeRule,
} from '../tensor/options.js';
import type { ArrayInput, FloatArray } from '../tensor/types.js';
import { type NumberBounds, requireNumber } from '../tensor/validate.js';

/** How per-row losses are combined: their (weighted) mean, their sum, or none (one loss per row). */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options every loss takes. */
export interface LossOptions {
  /** Row-major shape of the flat logits. Default: one vector. */
  shape?: readonly number[];
  /** The class axis; negative counts from the end. Default −1. */
  axis?: number;
  /** 'mean' (default), 'sum', or 'none' (one loss per row). */
  reduction?: Reduction;
  /**
   * Write the gradient into this array (the logits' element type and length; not
   * sharing memory with the logits) instead of a new one, and return it as `grad`.
   * Reusing one buffer across training steps saves allocating and first touching a
   * fresh gradient on every call (for 2048 × 32,000 Float32 logits, 262 MB).
   */
  gradOut?: FloatArray;
}

/** Options of the losses with class-index targets. */
export interface ClassLossOptions extends LossOptions {
  /** A target equal to this is ignored (loss 0, gradient 0), whatever its sign. Default −100. */
  ignoreIndex?: number;
  /** The 'mean' of a batch with nothing to average: 'zero' (default: loss 0, grad 0) or 'nan'. */
  allIgnored?: 'zero' | 'nan';
}

/** `{ loss, grad }`: loss a number ('mean', 'sum') or one per row ('none'); grad = d loss / d logits. */
export interface LossResult {
  loss: number | FloatArray;
  grad: FloatArray;
}

const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

/** `gradOut`: a Float32Array or Float64Array (type, length and overlap checked against the logits later). */
const gradOutRule: Rule<FloatArray | undefined> = rule((fn, name, v) => {
  if (v instanceof Float32Array || v instanceof Float64Array) return v;
  throw new SoftmaxKitError(
    'INVALID_OUT',
    `${fn}: expected ${name} to be a Float32Array or Float64Array, got ${describe(v)}`,
  );
});

/** A finite number that must be given (no default): INVALID_PARAMETER when missing. */
export function requiredNumberRule(bounds: NumberBounds = {}): Rule<number> {
  return { parse: (fn, name, v) => requireNumber(fn, name, v, bounds) };
}

/** `reduction` and `allIgnored` (the empty-batch policy). */
const REDUCTION_RULES = {
  reduction: oneOfRule(REDUCTIONS, 'mean'),
  allIgnored: oneOfRule(['zero', 'nan'] as const, 'zero'),
} as const;

/** The options of every loss over logits: shape, axis, reduction, gradOut. */
export const LOSS_RULES = {
  shape: shapeRule,
  axis: axisRule,
  reduction: REDUCTION_RULES.reduction,
  gradOut: gradOutRule,
} as const;

/** The options of the losses with class-index targets: LOSS_RULES, ignoreIndex, allIgnored. */
export const CLASS_LOSS_RULES = {
  ...LOSS_RULES,
  ignoreIndex: integerRule({ default: -100 }),
  allIgnored: REDUCTION_RULES.allIgnored,
} as const;

/** The cross-entropy terms crossEntropy and linearCrossEntropy share (defaults here once). */
export const CROSS_ENTROPY_TERMS = {
  ...REDUCTION_RULES,
  ignoreIndex: CLASS_LOSS_RULES.ignoreIndex,
  /** ε in [0, 1]. */
  labelSmoothing: numberRule({ atLeast: 0, atMost: 1, default: 0 }),
  /** PaLM z-loss coefficient ≥ 0. */
  zLoss: numberRule({ atLeast: 0, default: 0 }),
  /** Soft-cap c > 0; 0 stands for none. */
  softcap: rule((fn, name, v) => requireNumber(fn, name, v, { greaterThan: 0 }), 0),
  returnLse: booleanRule(false),
  returnGrad: booleanRule(true),
} as const;

/**
 * The most elements a loss allocates from a size given as a parameter (numSampled,
 * bins, values × bins): 2^28, a 2 GiB Float64Array. Checked before allocating, so a
 * huge size is a clear INVALID_PARAMETER, not a RangeError or a hang (issue 15).
 */
export const MAX_PARAMETER_ELEMENTS = 2 ** 28;

/** Throw INVALID_PARAMETER unless `count` (elements `what` would allocate) ≤ MAX_PARAMETER_ELEMENTS. */
export function requireAllocation(fn: string, what: string, count: number): void {
  if (count > MAX_PARAMETER_ELEMENTS)
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected ${what} to be at most 2^28 = ${MAX_PARAMETER_ELEMENTS} elements, got ${count}`,
    );
}

/** The resolved reduction and empty-batch policy; `x` gives the element type of 'none' losses. */
export interface ReductionSpec {
  readonly x: FloatArray;
  readonly reduction: Reduction;
  readonly allIgnored: 'zero' | 'nan';
}

/** Validated logits with their layout and the resolved common options. */
export interface PreparedLoss extends ReductionSpec {
  readonly layout: RowLayout;
  /** Number of rows (the reduced size: outer · inner). */
  readonly rows: number;
  /** The caller's gradient array (validated), if any. */
  readonly gradOut?: FloatArray;
}

/** The resolved options of a loss's rules (⊇ LOSS_RULES). */
type LossRules = Rules & typeof LOSS_RULES;

/**
 * Resolve a loss call once, at the public boundary: its options against `rules`
 * (unknown keys, types, ranges, defaults), then the logits, their layout and gradOut.
 * Throws SoftmaxKitError naming `fn`.
 */
export function resolveLoss<R extends LossRules>(
  fn: string,
  logits: unknown,
  options: unknown,
  rules: R,
): { p: PreparedLoss; o: Resolved<R> } {
  const o = resolveOptions(fn, options, rules);
  const x = toFloatArray(fn, 'logits', logits);
  const layout = rowLayout(
    fn,
    x.length,
    o.shape as readonly number[] | undefined,
    o.axis as number,
  );
  const gradOut = checkGradOut(fn, x, o.gradOut as FloatArray | undefined);
  const allIgnored = (o as { allIgnored?: 'zero' | 'nan' }).allIgnored ?? 'zero';
  const p: PreparedLoss = {
    x,
    reduction: o.reduction as Reduction,
    allIgnored,
    layout,
    rows: layout.outer * layout.inner,
    gradOut,
  };
  return { p, o };
}

/** `gradOut` if it is a separate array of the logits' type and length (else INVALID_OUT). */
function checkGradOut(
  fn: string,
  x: FloatArray,
  g: FloatArray | undefined,
): FloatArray | undefined {
  if (g === undefined) return undefined;
  const shares = sharesMemory(g, x);
  if (g.constructor !== x.constructor || g.length !== x.length || shares)
    throw new SoftmaxKitError(
      'INVALID_OUT',
      `${fn}: expected gradOut to be a ${x.constructor.name}(${x.length}) apart from the logits, got ${describe(g)}${shares ? ' sharing their memory' : ''}`,
    );
  return g;
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

/** The factor d reduced / d loss_row: 1/denominator for 'mean' (policy when 0), else 1. */
export function reductionScale(p: ReductionSpec, denominator: number): number {
  if (p.reduction !== 'mean') return 1;
  if (denominator !== 0) return 1 / denominator;
  return p.allIgnored === 'nan' ? Number.NaN : 0;
}

/** Reduce per-row losses: a number for 'mean' / 'sum', an array of the logits' type for 'none'. */
export function reduceLoss(
  p: ReductionSpec,
  perRow: Float64Array,
  denominator: number,
): number | FloatArray {
  if (p.reduction === 'none') {
    const out = allocLike(p.x, perRow.length);
    out.set(perRow);
    return out;
  }
  let s = 0;
  let c = 0;
  for (let i = 0; i < perRow.length; i++) {
    // Neumaier: the mean of many rows keeps full accuracy.
    const v = perRow[i]!;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  const total = Number.isFinite(s) ? s + c : s; // ±∞ terms: the compensation is NaN
  return p.reduction === 'sum' ? total : total * reductionScale(p, denominator);
}

/** The gradient array a loss writes: the caller's `gradOut`, or a new one like the logits. */
export function lossGradient(p: PreparedLoss): FloatArray {
  return p.gradOut ?? allocLike(p.x, p.x.length);
}

/** Stands for "no gradient" in forEachRow's reduce mode (nothing is scattered back). */
const NO_GRAD = new Float64Array(0);

/**
 * Run a kernel over the rows of the class axis, contiguous whatever the axis:
 * `kernel(x, aux, grad, r0, rows, n)` sees `rows` contiguous rows starting at
 * global row r0 (row order = the reduced shape's order); `aux` are further
 * logits-shaped inputs gathered the same way (probability targets, a teacher).
 * `grad` (logits' shape and type, from lossGradient) receives the kernel's
 * gradient rows, every entry of which the kernel writes; with `grad` undefined the
 * kernel gets undefined and only the losses are computed. Returns `grad`.
 */
export function forEachLossRow<G extends FloatArray | undefined>(
  p: PreparedLoss,
  aux: readonly FloatArray[],
  grad: G,
  kernel: (
    x: FloatArray,
    aux: readonly FloatArray[],
    grad: G,
    r0: number,
    rows: number,
    n: number,
  ) => void,
): G {
  const n = p.layout.n;
  let r0 = 0;
  forEachRow(p.layout, [p.x, ...aux], grad ?? NO_GRAD, grad === undefined, (ins, g, rows) => {
    kernel(ins[0]!, ins.slice(1), (grad === undefined ? undefined : g) as G, r0, rows, n);
    r0 += rows;
  });
  return grad;
}

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
  rowLoss: (
    x: FloatArray,
    o: number,
    n: number,
    t: number,
    g: Float64Array,
    aux: readonly FloatArray[],
  ) => number,
  aux: readonly FloatArray[] = [],
): LossResult {
  const perRow = new Float64Array(p.rows);
  let count = 0;
  for (let i = 0; i < p.rows; i++) if (targets[i]! >= 0) count++;
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

/** The softmax of one row in double, with its log (log-softmax, accurate as p → 1). */
export interface RowSoftmax {
  readonly p: Float64Array;
  readonly logp: Float64Array;
}

/** Scratch for {@link rowSoftmax} of rows of length n. */
export function rowSoftmaxScratch(n: number): RowSoftmax {
  return { p: new Float64Array(n), logp: new Float64Array(n) };
}

/** Fill s.p and s.logp with softmax(x[o..o+n)/T) and its log (exact three-pass kernels). */
export function rowSoftmax(x: FloatArray, o: number, n: number, s: RowSoftmax, T = 1): void {
  const row = x.subarray(o, o + n);
  const scale = inverseTemperature(T);
  softmaxRows({ x: row, y: s.p, rows: 1, n, algorithm: 'three-pass', s: scale, log: false });
  softmaxRows({ x: row, y: s.logp, rows: 1, n, algorithm: 'three-pass', s: scale, log: true });
}
