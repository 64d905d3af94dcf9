/**
 * softmax-kit/losses: every loss returns its value and gradient together.
 * This file only re-exports (the package's "./losses" subpath).
 */
export {
  type CrossEntropyLoss,
  type CrossEntropyOptions,
  type CrossEntropyResult,
  crossEntropy,
} from './cross-entropy.js';
export { type DistillationLossOptions, distillationLoss } from './distillation.js';
export { type EntmaxLossOptions, entmaxLoss, sparsemaxLoss } from './fenchel-young.js';
export { type FocalLossOptions, focalLoss } from './focal.js';
export {
  type GeneralizedCrossEntropyOptions,
  generalizedCrossEntropy,
} from './generalized-cross-entropy.js';
export {
  type DecodeHistogramOptions,
  decodeHistogram,
  type HistogramSupport,
  type HlGaussLossOptions,
  type HlGaussOptions,
  histogramCenters,
  hlGaussLoss,
  hlGaussTargets,
  twoHotTargets,
} from './hl-gauss.js';
export {
  type LinearCrossEntropyLoss,
  type LinearCrossEntropyOptions,
  type LinearCrossEntropyResult,
  linearCrossEntropy,
} from './linear-cross-entropy.js';
export type { ClassLossOptions, LossOptions, LossResult, Reduction } from './loss-options.js';
export {
  type MarginFallback,
  type MarginSoftmaxLossOptions,
  marginSoftmaxLoss,
} from './margin-softmax.js';
export { type MaxSupLossOptions, maxSupLoss } from './max-sup.js';
export {
  type PairwiseActivation,
  type PairwiseSoftmaxLossOptions,
  pairwiseSoftmaxLoss,
} from './pairwise-softmax.js';
export { type PolyLossOptions, polyLoss } from './poly.js';
export {
  type SampledSoftmaxLossOptions,
  type SampledSoftmaxLossResult,
  sampledSoftmaxLoss,
} from './sampled-softmax.js';
export { type SphericalZLossOptions, sphericalZLoss } from './spherical-z.js';
