export {
  allocLike,
  requireLength,
  resultArray,
  toFloatArray,
  toFloatArrayOfLength,
} from './arrays.js';
export { describe, SoftmaxKitError, type SoftmaxKitErrorCode } from './errors.js';
export { checkShape, normalizeAxis, type RowLayout, reducedShape, rowLayout } from './layout.js';
export type { ArrayInput, BackendName, FloatArray, RowOptions } from './types.js';
export { type NumberBounds, requireBoolean, requireNumber, requireOneOf } from './validate.js';
