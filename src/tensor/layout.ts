import { describe, SoftmaxKitError } from './errors.js';

/**
 * A tensor seen as rows along one axis: element i of row (o, j) sits at
 * `o·n·inner + i·inner + j`. The axis is contiguous when `inner === 1`.
 */
export interface RowLayout {
  readonly shape: readonly number[];
  /** The normalized axis, in [0, rank). */
  readonly axis: number;
  /** Product of the dimensions before the axis. */
  readonly outer: number;
  /** Length of the axis (the row length). */
  readonly n: number;
  /** Product of the dimensions after the axis (the stride of the axis). */
  readonly inner: number;
}

/**
 * Normalize an axis once: negatives count from the end.
 * Throws AXIS_OUT_OF_RANGE unless `axis` is an integer in [−rank, rank).
 */
export function normalizeAxis(fn: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank)
    throw new SoftmaxKitError(
      'AXIS_OUT_OF_RANGE',
      `${fn}: expected axis to be an integer in [${-rank}, ${rank}), got ${describe(axis)}`,
    );
  return axis < 0 ? axis + rank : axis;
}

/** Throw INVALID_SHAPE unless `shape` is an array of non-negative integers. */
export function requireShape(fn: string, shape: unknown): asserts shape is readonly number[] {
  if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0))
    throw new SoftmaxKitError(
      'INVALID_SHAPE',
      `${fn}: expected shape to be an array of non-negative integers, got ${describe(shape)}`,
    );
}

/** Check `shape` (non-negative integers whose product is `length`) and return it. */
export function checkShape(
  fn: string,
  length: number,
  shape: readonly number[] | undefined,
): readonly number[] {
  if (shape === undefined) return [length];
  requireShape(fn, shape);
  const size = shape.reduce((p, s) => p * s, 1);
  if (size !== length)
    throw new SoftmaxKitError(
      'SHAPE_MISMATCH',
      `${fn}: expected a shape of ${length} elements (the length of x), got ${describe(shape)} with ${size}`,
    );
  return shape;
}

/**
 * Resolve (length, shape, axis) into a {@link RowLayout}. Throws INVALID_SHAPE,
 * SHAPE_MISMATCH, AXIS_OUT_OF_RANGE, or EMPTY_AXIS when the axis has length 0.
 */
export function rowLayout(
  fn: string,
  length: number,
  shape?: readonly number[],
  axis = -1,
): RowLayout {
  const s = checkShape(fn, length, shape);
  const a = normalizeAxis(fn, axis, s.length);
  const n = s[a]!;
  if (n === 0)
    throw new SoftmaxKitError('EMPTY_AXIS', `${fn}: expected a non-empty axis ${a}, got length 0`);
  let outer = 1;
  for (let i = 0; i < a; i++) outer *= s[i]!;
  let inner = 1;
  for (let i = a + 1; i < s.length; i++) inner *= s[i]!;
  return { shape: s, axis: a, outer, n, inner };
}

/** The shape with the layout's axis removed (the shape of a reduction). */
export function reducedShape(layout: RowLayout): number[] {
  return layout.shape.filter((_, i) => i !== layout.axis);
}
