/**
 * softmax-kit: the softmax family for TypeScript. This file only re-exports.
 */

export {
  type AttentionGradients,
  type AttentionMask,
  type AttentionNormalizerOptions,
  type AttentionOptions,
  type AttentionResult,
  type AttentionSizeOptions,
  attention,
  attentionVjp,
  type FeatureMap,
  type LinearAttentionOptions,
  linearAttention,
  linearAttentionVjp,
} from './attention/index.js';
export {
  aupr,
  auroc,
  type BinaryLabels,
  type Binning,
  type BootstrapInterval,
  type BootstrapOptions,
  type BrierScoreOptions,
  brierScore,
  type CalibrationBin,
  type CalibrationErrorOptions,
  type CalibrationErrorResult,
  type ClassAxisOptions,
  type ClassLabels,
  type ConformalCalibrateOptions,
  type ConformalCalibration,
  type ConformalMethod,
  type ConformalScoreOptions,
  calibrationError,
  conformalCalibrate,
  type EntropyOptions,
  energyScore,
  entropy,
  type FitTemperatureOptions,
  type FprAtTprOptions,
  fitTemperature,
  fprAtTpr,
  margin,
  maxLogit,
  maxSoftmaxProbability,
  type NoOptions,
  type Norm,
  type PredictionSets,
  type PredictionSetsOptions,
  predictionSets,
  type ReliabilityDiagramOptions,
  type RiskCoverage,
  reliabilityDiagram,
  riskCoverage,
  type ScoreOptions,
  type TemperatureFit,
  type TemperatureScoreOptions,
} from './calibration/index.js';
export type { Backend, SoftmaxAlgorithm } from './kernels/backend.js';
export {
  EMPTY_LSE_STATE,
  type LogSumExpState,
  logSumExpFromState,
  mergeLogSumExpStates,
} from './kernels/lse-state.js';
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
export {
  type ClassLossOptions,
  type CrossEntropyLoss,
  type CrossEntropyOptions,
  type CrossEntropyResult,
  crossEntropy,
  type DecodeHistogramOptions,
  type DistillationLossOptions,
  decodeHistogram,
  distillationLoss,
  type EntmaxLossOptions,
  entmaxLoss,
  type FocalLossOptions,
  focalLoss,
  type GeneralizedCrossEntropyOptions,
  generalizedCrossEntropy,
  type HistogramSupport,
  type HlGaussLossOptions,
  type HlGaussOptions,
  histogramCenters,
  hlGaussLoss,
  hlGaussTargets,
  type LinearCrossEntropyLoss,
  type LinearCrossEntropyOptions,
  type LinearCrossEntropyResult,
  type LossOptions,
  type LossResult,
  linearCrossEntropy,
  type MarginFallback,
  type MarginSoftmaxLossOptions,
  type MaxSupLossOptions,
  marginSoftmaxLoss,
  maxSupLoss,
  type PairwiseActivation,
  type PairwiseSoftmaxLossOptions,
  type PolyLossOptions,
  pairwiseSoftmaxLoss,
  polyLoss,
  type Reduction,
  type SampledSoftmaxLossOptions,
  type SampledSoftmaxLossResult,
  type SphericalZLossOptions,
  sampledSoftmaxLoss,
  sparsemaxLoss,
  sphericalZLoss,
  twoHotTargets,
} from './losses/index.js';
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
  logSumExpState,
  logSumExpVjp,
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
export {
  allowedTokensFilter,
  type ChainOptions,
  createSampler,
  DEFAULT_ORDER,
  type DryOptions,
  dryPenalty,
  epsilonFilter,
  etaFilter,
  type FilterRowOptions,
  type History,
  type LogitsInput,
  logitBias,
  type MinKeepOptions,
  minPFilter,
  noRepeatNgram,
  type PenaltyOptions,
  penalize,
  type SampleOptions,
  type SampleResult,
  type Sampler,
  type SamplerOptions,
  type SamplingStep,
  type SoftmaxTopKOptions,
  type SoftmaxTopKResult,
  type SpeculativeOptions,
  type SpeculativeResult,
  sample,
  softmaxTopK,
  speculativeAccept,
  type TensorLike,
  topKFilter,
  topNSigmaFilter,
  topPFilter,
  typicalFilter,
  xtcFilter,
} from './sampling/index.js';
export { SoftmaxKitError, type SoftmaxKitErrorCode } from './tensor/errors.js';
export type {
  ArrayInput,
  BackendName,
  FloatArray,
  ResultOf,
  RowOptions,
} from './tensor/types.js';
