/**
 * The shared plumbing of every normalizer: validate at the boundary (options
 * through the one options layer, src/tensor/options.ts), resolve the layout
 * once, allocate (or check `out`), and run a contiguous-row kernel over every
 * row of any axis. A normalizer file then holds only its math.
 *
 * `out` and aliasing: an `out` that overlaps an input in part throws INVALID_OUT.
 * Exact aliasing (`out` the very same memory as x, e.g. `out: x`) is allowed for
 * every forward map: each row kernel reads a row (or the element) before writing
 * it, and a strided axis is gathered into scratch before its tile is scattered
 * back. The vjps allow `out` to be exactly x or exactly dy for the same reason
 * (tested for every registry entry in test/normalizers/row-map.test.ts).
 * Reductions (logSumExp, entmaxAlphaGrad) write a shorter result and reject any
 * sharing.
 */
import { fillPolicyRow, newRowScan, scanRow } from '../kernels/js/row-policy.js';
import { forEachRow } from '../kernels/strided-rows.js';
import {
  requireOutApart,
  resultArray,
  toFloatArray,
  toFloatArrayOfLength,
} from '../tensor/arrays.js';
import { type RowLayout, rowLayout } from '../tensor/layout.js';
import { type Resolved, type ROW_RULES, type Rules, resolveOptions } from '../tensor/options.js';
import type { ArrayInput, FloatArray, RowOptions } from '../tensor/types.js';

/** y[r·n..] = f(x[r·n..]) over `rows` contiguous rows of length n. */
export type RowMapKernel = (x: FloatArray, y: FloatArray, rows: number, n: number) => void;
/** dx[r·n..] = J_f(x[r·n..])ᵀ·dy[r·n..] over `rows` contiguous rows of length n. */
export type RowVjpKernel = (
  x: FloatArray,
  dy: FloatArray,
  dx: FloatArray,
  rows: number,
  n: number,
) => void;
/** out[r] = reduce(x[r·n..]) over `rows` contiguous rows of length n. */
export type RowReduceKernel = (x: FloatArray, out: FloatArray, rows: number, n: number) => void;

const scan = newRowScan();

/**
 * The max of the row a[o, o + n) when the non-finite policy leaves the row to the
 * math (finite, or fully masked: −∞); otherwise the policy's result is written into
 * y[o, o + n) — NaN for a NaN row; for a row holding +∞ its shared mass ('mass') or
 * zeros ('gradient'); see src/kernels/js/row-policy.ts — and undefined is returned.
 */
export function mathRowMax(
  a: FloatArray,
  o: number,
  n: number,
  y: FloatArray,
  mode: 'mass' | 'gradient',
): number | undefined {
  const kind = scanRow(a, o, n, scan);
  if (kind === 'nan' || kind === 'posInf') {
    fillPolicyRow(a, o, n, scan, y, o, mode);
    return undefined;
  }
  return scan.max;
}

/** Validated input and its layout. */
export interface Prepared {
  readonly x: FloatArray;
  readonly layout: RowLayout;
}

/** Read x and resolve (shape, axis) into a layout; throws SoftmaxKitError on bad input. */
export function prepare(fn: string, x: ArrayInput, options: RowOptions): Prepared {
  const a = toFloatArray(fn, 'x', x);
  return { x: a, layout: rowLayout(fn, a.length, options.shape, options.axis) };
}

/**
 * Resolve a row-wise function's options against its rule table (which holds
 * ROW_RULES), then read x and its layout: the one boundary check of a normalizer.
 */
export function prepareRows<R extends typeof ROW_RULES & Rules>(
  fn: string,
  x: ArrayInput,
  options: unknown,
  rules: R,
): { readonly p: Prepared; readonly o: Resolved<R> } {
  const o = resolveOptions(fn, options, rules);
  return { p: prepare(fn, x, o as RowOptions), o };
}

/** `out` when given (length, type, and no partial overlap with the inputs checked), else a new array. */
function outputFor(
  fn: string,
  like: FloatArray,
  length: number,
  out: FloatArray | undefined,
  inputs: readonly (readonly [string, FloatArray])[],
  inPlace: boolean,
): FloatArray {
  const y = resultArray(fn, like, length, out);
  if (out !== undefined) requireOutApart(fn, y, inputs, inPlace);
  return y;
}

/** Apply a row-map kernel along the layout's axis; the result has x's element type. */
export function mapRows(
  fn: string,
  p: Prepared,
  out: FloatArray | undefined,
  kernel: RowMapKernel,
): FloatArray {
  const y = outputFor(fn, p.x, p.x.length, out, [['x', p.x]], true);
  const n = p.layout.n;
  forEachRow(p.layout, [p.x], y, false, (ins, o, rows) => kernel(ins[0]!, o, rows, n));
  return y;
}

/** Apply a vjp kernel along the layout's axis; dy must have x's length. */
export function mapRowsVjp(
  fn: string,
  p: Prepared,
  dy: ArrayInput,
  out: FloatArray | undefined,
  kernel: RowVjpKernel,
): FloatArray {
  const g = toFloatArrayOfLength(fn, 'dy', dy, p.x.length);
  const dx = outputFor(
    fn,
    p.x,
    p.x.length,
    out,
    [
      ['x', p.x],
      ['dy', g],
    ],
    true,
  );
  const n = p.layout.n;
  forEachRow(p.layout, [p.x, g], dx, false, (ins, o, rows) => kernel(ins[0]!, ins[1]!, o, rows, n));
  return dx;
}

/** Apply a reduction kernel along the layout's axis; the result drops the axis. */
export function reduceRows(
  fn: string,
  p: Prepared,
  out: FloatArray | undefined,
  kernel: RowReduceKernel,
): FloatArray {
  const { outer, inner, n } = p.layout;
  const y = outputFor(fn, p.x, outer * inner, out, [['x', p.x]], false);
  forEachRow(p.layout, [p.x], y, true, (ins, o, rows) => kernel(ins[0]!, o, rows, n));
  return y;
}

/** The output of a reduction (the axis dropped): `out` checked, sharing no memory with `inputs`. */
export function reductionOutput(
  fn: string,
  p: Prepared,
  out: FloatArray | undefined,
  inputs: readonly (readonly [string, FloatArray])[],
): FloatArray {
  return outputFor(fn, p.x, p.layout.outer * p.layout.inner, out, inputs, false);
}

/** A vjp's or a custom map's output of x's length: `out` checked against the inputs (exact aliasing allowed). */
export function mapOutput(
  fn: string,
  p: Prepared,
  out: FloatArray | undefined,
  inputs: readonly (readonly [string, FloatArray])[],
): FloatArray {
  return outputFor(fn, p.x, p.x.length, out, inputs, true);
}
