/** The element types every function accepts and returns. */
export type FloatArray = Float32Array | Float64Array;

/** A data argument: a typed float array, or a plain array (read as Float64). */
export type ArrayInput = FloatArray | readonly number[];

/** Options shared by every function that maps rows of a tensor to rows. */
export interface RowOptions {
  /** Row-major shape of the flat input. Default: one vector, `[x.length]`. */
  shape?: readonly number[];
  /** The axis that is normalized or reduced; negative counts from the end. Default −1. */
  axis?: number;
  /** Write the result here instead of allocating (same length and element type as the result). */
  out?: FloatArray;
  /** Kernel backend. `'auto'` picks by size; `'js'` is the portable reference. Default `'auto'`. */
  backend?: BackendName;
}

/** Kernel backends. */
export type BackendName = 'auto' | 'js' | 'wasm';

/**
 * The result type of a function whose output keeps its input's element type:
 * Float32Array → Float32Array, Float64Array and `number[]` → Float64Array.
 *
 * @example
 * const y: Float32Array = softmax(new Float32Array([1, 2])); // no cast needed
 */
export type ResultOf<X extends ArrayInput> = X extends Float32Array
  ? Float32Array
  : X extends Float64Array
    ? Float64Array
    : X extends readonly number[]
      ? Float64Array
      : FloatArray;
