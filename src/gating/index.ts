/**
 * Mixture-of-experts gating: token-choice routers (top-k with every published
 * variant, top-p), expert choice, Soft MoE's weights, the dense-to-sparse gate,
 * the auxiliary losses with their gradients, bias balancing and routing statistics.
 * This file only re-exports (the package's "./gating" subpath).
 */
export {
  type DenseToSparseGatingOptions,
  type DenseToSparseGatingResult,
  denseToSparseGating,
  denseToSparseGatingVjp,
} from './dense-to-sparse.js';
export {
  type ExpertChoiceGatingOptions,
  type ExpertChoiceGatingResult,
  expertChoiceGating,
  expertChoiceGatingVjp,
} from './expert-choice.js';
export {
  type LoadBalancingLossOptions,
  loadBalancingLoss,
  type RouterLossResult,
} from './load-balancing-loss.js';
export type { NoiseOptions } from './noise.js';
export type { RouterOptions } from './router.js';
export {
  type RouterStats,
  type RouterStatsOptions,
  type RoutingOutput,
  routerStats,
} from './router-stats.js';
export { type RouterZLossOptions, routerZLoss } from './router-z-loss.js';
export {
  type SequenceBalanceLossOptions,
  sequenceBalanceLoss,
} from './sequence-balance-loss.js';
export {
  type SmoothLoadLossOptions,
  type SmoothLoadLossResult,
  smoothLoadLoss,
} from './smooth-load-loss.js';
export {
  type SoftMoeOptions,
  type SoftMoeWeights,
  softMoeWeights,
  softMoeWeightsVjp,
} from './soft-moe.js';
export {
  type GatingScores,
  type TopKGatingOptions,
  type TopKGatingResult,
  topKGating,
  topKGatingNoiseVjp,
  topKGatingVjp,
} from './top-k-gating.js';
export {
  type TopPGatingOptions,
  type TopPGatingResult,
  topPGating,
  topPGatingVjp,
} from './top-p-gating.js';
export { type UpdateExpertBiasOptions, updateExpertBias } from './update-expert-bias.js';
