/**
 * softmax-kit/attention: attention with a pluggable normalizer (flash-style,
 * memory linear in the sequence length) and linear attention. Only re-exports.
 */
export {
  type AttentionGradients,
  type AttentionMask,
  type AttentionNormalizerOptions,
  type AttentionOptions,
  type AttentionResult,
  attention,
  attentionVjp,
} from './attention.js';
export {
  type FeatureMap,
  type LinearAttentionOptions,
  linearAttention,
  linearAttentionVjp,
} from './linear-attention.js';
export type { AttentionSizeOptions } from './options.js';
