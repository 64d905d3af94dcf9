import { describe, SoftmaxKitError } from './errors.js';
import type { ArrayInput, FloatArray } from './types.js';

/**
 * View a data argument as a FloatArray without copying typed arrays;
 * a `number[]` becomes a new Float64Array. Anything else throws INVALID_INPUT.
 */
export function toFloatArray(fn: string, name: string, x: unknown): FloatArray {
  if (x instanceof Float64Array || x instanceof Float32Array) return x;
  if (Array.isArray(x)) {
    const a = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (typeof v !== 'number')
        throw new SoftmaxKitError(
          'INVALID_INPUT',
          `${fn}: expected ${name}[${i}] to be a number, got ${describe(v)}`,
        );
      a[i] = v;
    }
    return a;
  }
  throw new SoftmaxKitError(
    'INVALID_INPUT',
    `${fn}: expected ${name} to be a Float32Array, Float64Array or number[], got ${describe(x)}`,
  );
}

/** A new zeroed array of the same element type as `like`. */
export function allocLike(like: FloatArray, length: number): FloatArray {
  return like instanceof Float32Array ? new Float32Array(length) : new Float64Array(length);
}

/**
 * The array a function writes its result into: `out` when given (checked for
 * length and element type), else a new array of `like`'s element type.
 */
export function resultArray(
  fn: string,
  like: FloatArray,
  length: number,
  out: FloatArray | undefined,
): FloatArray {
  if (out === undefined) return allocLike(like, length);
  if (out.constructor !== like.constructor || out.length !== length)
    throw new SoftmaxKitError(
      'INVALID_OUT',
      `${fn}: expected out to be a ${like.constructor.name}(${length}), got ${describe(out)}`,
    );
  return out;
}

/** Whether two typed arrays share any bytes of the same buffer. */
export function sharesMemory(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return (
    a.buffer === b.buffer &&
    a.byteOffset < b.byteOffset + b.byteLength &&
    b.byteOffset < a.byteOffset + a.byteLength
  );
}

/** Whether two typed arrays are the very same memory: buffer, byte offset, length and type. */
function sameMemory(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return (
    a.buffer === b.buffer &&
    a.byteOffset === b.byteOffset &&
    a.byteLength === b.byteLength &&
    a.constructor === b.constructor
  );
}

/**
 * Reject an `out` that shares memory with an input: partial overlap always
 * (INVALID_OUT — a kernel would read values it has already overwritten), and exact
 * aliasing (`out` is the same memory as the input, e.g. `out === x`) unless
 * `inPlace` says the function's kernel reads each element before writing it.
 */
export function requireOutApart(
  fn: string,
  out: FloatArray,
  inputs: readonly (readonly [name: string, a: FloatArray])[],
  inPlace: boolean,
): void {
  for (const [name, a] of inputs) {
    if (!sharesMemory(out, a)) continue;
    if (inPlace && sameMemory(out, a)) continue;
    throw new SoftmaxKitError(
      'INVALID_OUT',
      inPlace
        ? `${fn}: expected out to be exactly ${name} or to share no memory with it, got an out that overlaps ${name} in part`
        : `${fn}: expected out to share no memory with ${name}, got an out that overlaps it`,
    );
  }
}

/** Throw SHAPE_MISMATCH unless `a.length === expected`. */
export function requireLength(
  fn: string,
  name: string,
  a: ArrayLike<unknown>,
  expected: number,
): void {
  if (a.length !== expected)
    throw new SoftmaxKitError(
      'SHAPE_MISMATCH',
      `${fn}: expected ${name} to have length ${expected}, got ${a.length}`,
    );
}

/** Read an ArrayInput as a FloatArray of the given length (a second data argument such as `dy`). */
export function toFloatArrayOfLength(
  fn: string,
  name: string,
  x: ArrayInput,
  length: number,
): FloatArray {
  const a = toFloatArray(fn, name, x);
  requireLength(fn, name, a, length);
  return a;
}
