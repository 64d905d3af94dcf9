/**
 * softmax-kit/sampling: every token sampler — filters, penalties, the seeded
 * draw, a stateful sampler, fused softmax + top-k, speculative acceptance.
 * This file only re-exports (the package's "./sampling" subpath).
 */
export { DEFAULT_ORDER, type SamplingStep } from './chain.js';
export {
  allowedTokensFilter,
  epsilonFilter,
  etaFilter,
  type FilterRowOptions,
  type MinKeepOptions,
  minPFilter,
  topKFilter,
  topNSigmaFilter,
  topPFilter,
  typicalFilter,
  xtcFilter,
} from './filters.js';
export type { History } from './options.js';
export {
  type DryOptions,
  dryPenalty,
  logitBias,
  noRepeatNgram,
  type PenaltyOptions,
  penalize,
} from './penalties.js';
export type { LogitPosition, LogitsInput, TensorLike } from './rows.js';
export { type SampleResult, sample } from './sample.js';
export type { ChainOptions, SampleOptions } from './sample-options.js';
export { createSampler, type Sampler, type SamplerOptions } from './sampler.js';
export { type SoftmaxTopKOptions, type SoftmaxTopKResult, softmaxTopK } from './softmax-top-k.js';
export {
  type SpeculativeOptions,
  type SpeculativeResult,
  speculativeAccept,
} from './speculative.js';
