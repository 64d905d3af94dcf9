/**
 * Every code a {@link SoftmaxKitError} can carry. The set is closed: a test
 * outside the project may switch on it.
 */
export type SoftmaxKitErrorCode =
  /** A data argument is not a Float32Array, Float64Array or number[]. */
  | 'INVALID_INPUT'
  /** `shape` is not a list of non-negative integers. */
  | 'INVALID_SHAPE'
  /** Two lengths or shapes that must agree do not. */
  | 'SHAPE_MISMATCH'
  /** `axis` is not an integer in [−rank, rank). */
  | 'AXIS_OUT_OF_RANGE'
  /** The normalized or reduced axis has length 0. */
  | 'EMPTY_AXIS'
  /** `k` is not an integer in [1, axis length]. */
  | 'K_OUT_OF_RANGE'
  /** A class target outside [0, classes) that is not `ignoreIndex`. */
  | 'TARGET_OUT_OF_RANGE'
  /** A numeric parameter is NaN or ±∞ where a finite value is required. */
  | 'NON_FINITE_PARAMETER'
  /** A parameter is finite but outside its domain (alpha ≤ 1, temperature ≤ 0, unknown name…). */
  | 'INVALID_PARAMETER'
  /** The `out` buffer has the wrong length or element type. */
  | 'INVALID_OUT'
  /** A backend was asked for that is not available here. */
  | 'BACKEND_UNAVAILABLE';

/**
 * The one error class of softmax-kit. Its message reads `fn: expected …, got …`.
 *
 * @example
 * try { softmax([], {}); } catch (e) { if (e instanceof SoftmaxKitError) e.code; // 'EMPTY_AXIS'
 * }
 */
export class SoftmaxKitError extends Error {
  readonly code: SoftmaxKitErrorCode;

  constructor(code: SoftmaxKitErrorCode, message: string) {
    super(message);
    this.name = 'SoftmaxKitError';
    this.code = code;
  }
}

/** Render a value for an error message: arrays by length, strings quoted. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (ArrayBuffer.isView(value))
    return `${value.constructor.name}(${(value as unknown as FloatArrayLike).length})`;
  if (value === null || typeof value !== 'object') return String(value);
  return Object.prototype.toString.call(value);
}

interface FloatArrayLike {
  length: number;
}
