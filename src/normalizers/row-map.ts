/**
 * The shared plumbing of every normalizer: validate at the boundary, resolve
 * the layout once, allocate (or check `out`), and run a contiguous-row kernel
 * over every row of any axis. A normalizer file then holds only its math.
 */
import { forEachRow } from '../kernels/rows.js';
import { resultArray, toFloatArray, toFloatArrayOfLength } from '../tensor/arrays.js';
import { type RowLayout, reducedShape, rowLayout } from '../tensor/layout.js';
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

/** Validated input and its layout. */
export interface Prepared {
  readonly x: FloatArray;
  readonly layout: RowLayout;
}

/** Read x and resolve (shape, axis) into a layout; throws SoftmaxKitError on bad input. */
export function prepare(fn: string, x: ArrayInput, options: RowOptions): Prepared {
  const a = toFloatArray(fn, 'x', x);
  return { x: a, layout: rowLayout(fn, a.length, options.shape, options.axis ?? -1) };
}

/** Apply a row-map kernel along the layout's axis; the result has x's element type. */
export function mapRows(
  fn: string,
  p: Prepared,
  out: FloatArray | undefined,
  kernel: RowMapKernel,
): FloatArray {
  const y = resultArray(fn, p.x, p.x.length, out);
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
  const dx = resultArray(fn, p.x, p.x.length, out);
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
  const y = resultArray(fn, p.x, outer * inner, out);
  forEachRow(p.layout, [p.x], y, true, (ins, o, rows) => kernel(ins[0]!, o, rows, n));
  return y;
}

export { reducedShape };
