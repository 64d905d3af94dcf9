/**
 * Per-slice references for "any axis" tests: apply a row function to every
 * 1-D slice along `axis` of row-major tensors, by explicit index arithmetic
 * (independent of the library's gather/scatter driver).
 */

/**
 * f receives the slice number (its index in the reduced shape) and the slice
 * of each input; its result is written back along the axis, or, with
 * `reduce`, its first element goes to position `slice` of the reduced tensor.
 */
export function perSliceIndexed(
  f: (slice: number, ...rows: Float64Array[]) => ArrayLike<number>,
  inputs: readonly ArrayLike<number>[],
  shape: readonly number[],
  axis: number,
  reduce = false,
): Float64Array {
  const a = axis < 0 ? axis + shape.length : axis;
  const n = shape[a]!;
  const outer = shape.slice(0, a).reduce((p, q) => p * q, 1);
  const inner = shape.slice(a + 1).reduce((p, q) => p * q, 1);
  const y = new Float64Array(reduce ? outer * inner : inputs[0]!.length);
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < inner; j++) {
      const at = (i: number) => o * n * inner + i * inner + j;
      const rows = inputs.map((t) => Float64Array.from({ length: n }, (_, i) => t[at(i)]!));
      const res = f(o * inner + j, ...rows);
      if (reduce) y[o * inner + j] = res[0]!;
      else for (let i = 0; i < n; i++) y[at(i)] = res[i]!;
    }
  return y;
}

/** {@link perSliceIndexed} for row functions that do not need the slice number. */
export function perSlice(
  f: (...rows: Float64Array[]) => ArrayLike<number>,
  inputs: readonly ArrayLike<number>[],
  shape: readonly number[],
  axis: number,
): Float64Array {
  return perSliceIndexed((_, ...rows) => f(...rows), inputs, shape, axis);
}
