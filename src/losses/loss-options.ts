/**
 * What every loss shares: the option families as rule tables of the one options
 * layer (src/tensor/options.ts: defaults written here once, types and ranges
 * checked, unknown keys rejected with the nearest valid name), class-target
 * validation, the reduction of per-row losses, and a driver that runs a row loss
 * over any class axis. Class targets: ./class-targets.ts; the row softmax: ./row-softmax.ts.
 *
 * Families: LOSS_RULES (`shape`, `axis`, `reduction`, `gradOut`) for every loss
 * over logits; CLASS_LOSS_RULES adds `ignoreIndex` and `allIgnored` for class
 * targets; REDUCTION_RULES are `reduction` and `allIgnored` alone (for linearCrossEntropy,
 * whose inputs are not logits).
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
import { addCompensated, type CompensatedSum } from '../kernels/js/exact.js';
import { forEachRow } from '../kernels/strided-rows.js';
import { allocLike, sharesMemory, toFloatArray } from '../tensor/arrays.js';
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import { type RowLayout, rowLayout } from '../tensor/layout.js';
import {
  axisRule,
  integerRule,
  oneOfRule,
  type Resolved,
  type Rule,
  type Rules,
  resolveOptions,
  rule,
  shapeRule,
} from '../tensor/options.js';
import type { FloatArray } from '../tensor/types.js';
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
export const REDUCTION_RULES = {
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
  const acc: CompensatedSum = { sum: 0, comp: 0 };
  for (let i = 0; i < perRow.length; i++) addCompensated(acc, perRow[i]!); // Neumaier: the mean of many rows keeps full accuracy
  const { sum, comp } = acc;
  const total = Number.isFinite(sum) ? sum + comp : sum; // ±∞ terms: the compensation is NaN
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
