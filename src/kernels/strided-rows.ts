/**
 * Strided-axis plumbing for the row kernels: a layout's rows (src/tensor/layout.ts, [outer, n,
 * inner]) handed to a kernel over contiguous rows, gathering a strided axis into row-major
 * scratch tile by tile and scattering the results back.
 */
import type { RowLayout } from '../tensor/layout.js';
import type { FloatArray } from '../tensor/types.js';

/**
 * A kernel over `rows` contiguous rows of length n: reads the k inputs at
 * [r·n, (r + 1)·n) and writes the output there (row map) or at [r] (reduction).
 */
export type RowKernel = (inputs: readonly FloatArray[], output: FloatArray, rows: number) => void;

/** Scratch rows per tile when the axis is strided: bounded to 2^16 elements per array. */
function tileRows(layout: RowLayout): number {
  return Math.max(1, Math.min(layout.inner, Math.floor(65536 / layout.n)));
}

function scratchLike(a: FloatArray, length: number): FloatArray {
  return a instanceof Float32Array ? new Float32Array(length) : new Float64Array(length);
}

/**
 * Run a row kernel over every row of the layout. A contiguous axis (inner = 1)
 * is handed to the kernel in one call with no copy; a strided axis is gathered
 * tile by tile (T consecutive inner positions, so each read of T is contiguous)
 * into row-major scratch and, for a row map, scattered back. Floors above
 * never see strides.
 */
export function forEachRow(
  layout: RowLayout,
  inputs: readonly FloatArray[],
  output: FloatArray,
  reduce: boolean,
  kernel: RowKernel,
): void {
  const { outer, n, inner } = layout;
  if (inner === 1) {
    kernel(inputs, output, outer);
    return;
  }
  const T = tileRows(layout);
  const scratchIn = inputs.map((a) => scratchLike(a, T * n));
  const scratchOut = reduce ? undefined : scratchLike(output, T * n);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let j0 = 0; j0 < inner; j0 += T) {
      const t = Math.min(T, inner - j0);
      for (let k = 0; k < inputs.length; k++)
        transposeRows(inputs[k]!, scratchIn[k]!, base + j0, n, inner, t, true);
      if (scratchOut === undefined) {
        const r0 = o * inner + j0;
        kernel(scratchIn, output.subarray(r0, r0 + t), t);
      } else {
        kernel(scratchIn, scratchOut, t);
        transposeRows(scratchOut, output, base + j0, n, inner, t, false);
      }
    }
  }
}

/**
 * Copy between the strided layout and t contiguous rows of length n, in the
 * direction `toRows`: true gathers dst[u·n + i] = src[start + i·inner + u],
 * false scatters dst[start + i·inner + u] = src[u·n + i] (u < t, i < n).
 */
function transposeRows(
  src: FloatArray,
  dst: FloatArray,
  start: number,
  n: number,
  inner: number,
  t: number,
  toRows: boolean,
): void {
  for (let i = 0; i < n; i++) {
    const s = start + i * inner;
    if (toRows) for (let u = 0; u < t; u++) dst[u * n + i] = src[s + u]!;
    else for (let u = 0; u < t; u++) dst[s + u] = src[u * n + i]!;
  }
}

/**
 * The layout's rows as one contiguous row-major array [outer·inner, n], in the
 * order of the reduced shape: x itself when the axis is already contiguous, else
 * one gathered copy (for callers that sweep the same rows many times).
 */
export function contiguousRows(layout: RowLayout, x: FloatArray): FloatArray {
  const { outer, n, inner } = layout;
  if (inner === 1) return x;
  const rows = scratchLike(x, x.length);
  for (let o = 0; o < outer; o++)
    transposeRows(x, rows.subarray(o * n * inner), o * n * inner, n, inner, inner, true);
  return rows;
}
