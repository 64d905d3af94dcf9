/**
 * softmax-kit: the softmax family for TypeScript. This file only re-exports: every
 * name of the subpaths (attention, calibration, gating, losses, sampling) through
 * their own index files, and the normalizers, kernels' public switches, random
 * streams and common types by name.
 */

export * from './attention/index.js';
export * from './calibration/index.js';
export * from './gating/index.js';
export type { Backend, SoftmaxAlgorithm } from './kernels/backend.js';
export { EMPTY_LSE_STATE, type LogSumExpState } from './kernels/online-state.js';
export { type ConfigureOptions, configure } from './kernels/threads/pool.js';
export {
  freeWasmArray,
  type InitWasmOptions,
  initWasm,
  type WasmFeatures,
  wasmArray,
  wasmFeatures,
  wasmReady,
} from './kernels/wasm/index.js';
export * from './losses/index.js';
export {
  ADAPTIVE_TEMPERATURE_COEFFICIENTS,
  type AdaptiveTemperatureOptions,
  adaptiveTemperatureBeta,
  adaptiveTemperatureSoftmax,
  adaptiveTemperatureSoftmaxVjp,
} from './normalizers/adaptive-temperature.js';
export {
  type ClippedSoftmaxOptions,
  clippedSoftmax,
  clippedSoftmaxVjp,
} from './normalizers/clipped-softmax.js';
export { type EntmaxOptions, entmax, entmaxAlphaGrad, entmaxVjp } from './normalizers/entmax.js';
export { type Entmax15Options, entmax15, entmax15Vjp } from './normalizers/entmax15.js';
export type { NormalizerEntry } from './normalizers/entry.js';
export {
  type GumbelSoftmaxOptions,
  gumbelSoftmax,
  gumbelSoftmaxVjp,
} from './normalizers/gumbel-softmax.js';
export { logSoftmax, logSoftmaxVjp } from './normalizers/log-softmax.js';
export {
  type LogSumExpOptions,
  logSumExp,
  logSumExpFromState,
  logSumExpState,
  logSumExpVjp,
  mergeLogSumExpStates,
} from './normalizers/log-sum-exp.js';
export { type NormalizerName, normalizers } from './normalizers/registry.js';
export { reluNorm, reluNormVjp } from './normalizers/relu-norm.js';
export { type SaSoftmaxOptions, saSoftmax, saSoftmaxVjp } from './normalizers/sa-softmax.js';
export { type SoftmaxOptions, softmax, softmaxVjp } from './normalizers/softmax.js';
export { type SoftpickOptions, softpick, softpickVjp } from './normalizers/softpick.js';
export {
  type SoftplusNormOptions,
  softplusNorm,
  softplusNormVjp,
} from './normalizers/softplus-norm.js';
export {
  type SparseSoftmaxOptions,
  sparseSoftmax,
  sparseSoftmaxVjp,
} from './normalizers/sparse-softmax.js';
export { type SparsemaxOptions, sparsemax, sparsemaxVjp } from './normalizers/sparsemax.js';
export { type SsmaxOptions, ssmax, ssmaxVjp } from './normalizers/ssmax.js';
export { gumbel, uniform } from './random/noise.js';
export { normal } from './random/normal.js';
export { philox4x32 } from './random/philox.js';
export * from './sampling/index.js';
export { SoftmaxKitError, type SoftmaxKitErrorCode } from './tensor/errors.js';
export type { Rule, Rules } from './tensor/options.js';
export type {
  ArrayInput,
  BackendName,
  FloatArray,
  ResultOf,
  RowOptions,
} from './tensor/types.js';
