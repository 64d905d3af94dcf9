/**
 * What the calibration functions share at their boundary: the option rules of a
 * class axis, class labels (with `ignoreIndex`), binary labels, probability rows
 * checked to lie in [0, 1], and score vectors. Every check throws a
 * SoftmaxKitError naming the public function.
 */
import { contiguousRows } from '../kernels/strided-rows.js';
import { type TemperaturePasses, temperaturePasses } from '../kernels/temperature.js';
import { toFloatArray } from '../tensor/arrays.js';
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import { type RowLayout, rowLayout } from '../tensor/layout.js';
import { axisRule, integerRule, shapeRule } from '../tensor/options.js';
import type { ArrayInput, FloatArray } from '../tensor/types.js';

/** Class labels: one class index per row. */
export type ClassLabels = Int32Array | readonly number[];
/** Binary labels: 1 (or true) = positive, 0 (or false) = negative. */
export type BinaryLabels = Uint8Array | Int32Array | readonly (number | boolean)[];

/** Options of functions over rows of class scores: `shape` and the class `axis`. */
export interface ClassAxisOptions {
  /** Row-major shape of the flat input. Default: one vector (a single row). */
  shape?: readonly number[];
  /** The class axis; negative counts from the end. Default −1. */
  axis?: number;
}

/** The rules of {@link ClassAxisOptions}. */
export const CLASS_AXIS_RULES = { shape: shapeRule, axis: axisRule } as const;

/**
 * The rules of the metrics over labelled rows: {@link ClassAxisOptions} and
 * `ignoreIndex`, an integer label to skip, default −100 (PyTorch's).
 */
export const LABELLED_RULES = {
  ...CLASS_AXIS_RULES,
  ignoreIndex: integerRule({ default: -100 }),
} as const;

/** Rows along the class axis, contiguous ([rows, n] row-major in the reduced shape's order). */
export interface ClassRows {
  readonly x: FloatArray;
  readonly rows: number;
  readonly n: number;
  readonly layout: RowLayout;
}

/** Read a tensor and bring its class axis to contiguous rows (no copy when it already is). */
export function classRows(
  fn: string,
  name: string,
  data: unknown,
  options: { shape: readonly number[] | undefined; axis: number },
): ClassRows {
  const a = toFloatArray(fn, name, data);
  const layout = rowLayout(fn, a.length, options.shape, options.axis);
  return { x: contiguousRows(layout, a), rows: layout.outer * layout.inner, n: layout.n, layout };
}

/** Probability rows: as {@link classRows}, every entry in [0, 1] (else INVALID_INPUT). */
export function probabilityRows(
  fn: string,
  data: unknown,
  options: { shape: readonly number[] | undefined; axis: number },
): ClassRows {
  const p = classRows(fn, 'probs', data, options);
  for (let i = 0; i < p.x.length; i++) {
    const v = p.x[i]!;
    if (!(v >= 0 && v <= 1))
      throw new SoftmaxKitError(
        'INVALID_INPUT',
        `${fn}: expected probabilities in [0, 1], got ${v} at row ${Math.floor(i / p.n)}, class ${i % p.n}`,
      );
  }
  return p;
}

/** Probability rows and their labels (ignored rows −1): the common start of the label-scored metrics. */
export function labelledProbabilityRows(
  fn: string,
  probs: unknown,
  labels: unknown,
  options: { shape: readonly number[] | undefined; axis: number; ignoreIndex: number },
): ClassRows & { t: Int32Array } {
  const p = probabilityRows(fn, probs, options);
  return { ...p, t: classLabels(fn, labels, p.rows, p.n, options.ignoreIndex) };
}

/**
 * Logit rows and their labels ready for a likelihood fit (temperature or vector
 * scaling): every labelled row finite or −∞ with a finite label logit, and at
 * least one labelled row (else INVALID_INPUT naming the row); with the fit's
 * passes over them (their per-row constants computed, with the pass at β = 1:
 * single-precision where it may be, unless `fastFirst` is false).
 */
export function labelledLogitRows(
  fn: string,
  logits: unknown,
  labels: unknown,
  options: {
    shape: readonly number[] | undefined;
    axis: number;
    ignoreIndex: number;
    fastFirst?: boolean;
  },
): ClassRows & { t: Int32Array; passes: TemperaturePasses } {
  const c = classRows(fn, 'logits', logits, options);
  const t = classLabels(fn, labels, c.rows, c.n, options.ignoreIndex);
  const passes = temperaturePasses(fn, c.x, c.rows, c.n, t, undefined, options.fastFirst);
  if (passes.bad >= 0)
    throw new SoftmaxKitError(
      'INVALID_INPUT',
      `${fn}: expected finite logits with an unmasked label in every labelled row, got row ${passes.bad} (NaN, +∞, or its label's logit −∞; ignore it with ignoreIndex)`,
    );
  if (passes.stats.count === 0)
    throw new SoftmaxKitError(
      'INVALID_INPUT',
      `${fn}: expected at least one row whose label is not ignoreIndex, got none of ${c.rows}`,
    );
  return { ...c, t, passes };
}

/**
 * Class labels as an Int32Array with ignored rows (label = ignoreIndex) set to −1.
 * INVALID_INPUT if not Int32Array/number[], SHAPE_MISMATCH for a wrong count,
 * TARGET_OUT_OF_RANGE for a label outside [0, classes) that is not ignoreIndex.
 */
export function classLabels(
  fn: string,
  labels: unknown,
  rows: number,
  classes: number,
  ignoreIndex: number,
): Int32Array {
  if (!(labels instanceof Int32Array) && !Array.isArray(labels))
    throw new SoftmaxKitError(
      'INVALID_INPUT',
      `${fn}: expected labels to be an Int32Array or number[] of class indices, got ${describe(labels)}`,
    );
  if (labels.length !== rows)
    throw new SoftmaxKitError(
      'SHAPE_MISMATCH',
      `${fn}: expected ${rows} labels (one per row), got ${labels.length}`,
    );
  const t = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const v: unknown = labels[i];
    if (v === ignoreIndex) t[i] = -1;
    else if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < classes) t[i] = v;
    else
      throw new SoftmaxKitError(
        'TARGET_OUT_OF_RANGE',
        `${fn}: expected labels[${i}] to be an integer in [0, ${classes}) or ignoreIndex ${ignoreIndex}, got ${describe(v)}`,
      );
  }
  return t;
}

/** Binary labels as a Uint8Array of 0/1; anything but 0, 1, false, true throws INVALID_INPUT. */
export function binaryLabels(
  fn: string,
  name: string,
  labels: unknown,
  length: number,
): Uint8Array {
  if (!(labels instanceof Uint8Array || labels instanceof Int32Array || Array.isArray(labels)))
    throw new SoftmaxKitError(
      'INVALID_INPUT',
      `${fn}: expected ${name} to be a Uint8Array, Int32Array or array of 0/1 (or booleans), got ${describe(labels)}`,
    );
  if (labels.length !== length)
    throw new SoftmaxKitError(
      'SHAPE_MISMATCH',
      `${fn}: expected ${length} ${name} (one per score), got ${labels.length}`,
    );
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const v: unknown = labels[i];
    if (v === 1 || v === true) out[i] = 1;
    else if (v !== 0 && v !== false)
      throw new SoftmaxKitError(
        'INVALID_INPUT',
        `${fn}: expected ${name}[${i}] to be 0 or 1 (or a boolean), got ${describe(v)}`,
      );
  }
  return out;
}

/** A score vector: a FloatArray or number[] with no NaN (±∞ sort as usual). */
export function scoreVector(fn: string, name: string, scores: unknown): FloatArray {
  const s = toFloatArray(fn, name, scores as ArrayInput);
  for (let i = 0; i < s.length; i++)
    if (Number.isNaN(s[i]!))
      throw new SoftmaxKitError(
        'INVALID_INPUT',
        `${fn}: expected ${name}[${i}] to be a number, got NaN`,
      );
  return s;
}
