import type { NormalizerEntry } from '../normalizers/entry.js';
import {
  backendRule,
  booleanRule,
  integerRule,
  numberRule,
  type Rule,
  type Rules,
  rule,
} from '../tensor/options.js';
import type { ArrayInput, BackendName } from '../tensor/types.js';
import { requireNumber } from '../tensor/validate.js';

/** The size options shared by attention and linearAttention. */
export interface AttentionSizeOptions {
  /** Default 1. */
  batch?: number;
  /** Default 1. */
  heads?: number;
  /** Key/value heads; must divide `heads`. Default `heads`. */
  kvHeads?: number;
  /** Default q.length / (batch·heads·dim). */
  queries?: number;
  /** Default k.length / (batch·kvHeads·dim). */
  keys?: number;
  dim: number;
  /** Default v.length / (batch·kvHeads·keys). */
  valueDim?: number;
}

/** A boolean mask (1/true = may attend, as in PyTorch) or an additive one (added to the scores). */
export type AttentionMask = Uint8Array | readonly boolean[] | Float32Array | Float64Array;

/**
 * Parameters of the attention normalizer; each applies only to the normalizer
 * named, and any other key throws (INVALID_PARAMETER naming attention). A registry
 * normalizer run materialized takes its own options here (sparseSoftmax's `k`,
 * entmax's `alpha`, gumbelSoftmax's `tau`/`seed`…), forwarded on each call.
 */
export interface AttentionNormalizerOptions {
  /** A registry normalizer's own option (checked against its rules). */
  readonly [option: string]: unknown;
  /** ssmax: the scale s of softmax(s·log(n)·x), n = visible keys of the row. Default 1. */
  s?: number;
  /** softpick: the eps of relu(eˣ − 1) / (Σ|eˣ − 1| + eps). Default 1e-8 (the authors' code). */
  eps?: number;
  /** sigmoid: the bias b of σ(x + b). Default −log(keys) (FlashSigmoid). */
  bias?: number;
  /** softplusNorm: multiply the row's logits by log(n) (LSSA's length scale). Default true. */
  lengthScale?: boolean;
  /**
   * softplusNorm: LSSAR's re-weighting power p ≥ 1 (the paper: 3, or 15 for long
   * contexts): the row's weights a become relu(n·a − 1)^p, l1-normalized again. It
   * needs the finished row, so it runs block-materialized (memory O(blockSize·keys)).
   * Default: none (LSSA).
   */
  reweight?: number;
}

/** The options of attention and attentionVjp: sizes, masks and biases, the normalizer, tiling, backend. */
export interface AttentionOptions extends AttentionSizeOptions {
  /**
   * Online (flash-style, memory O(blockSize·(blockSize + dim))): 'softmax', 'ssmax',
   * 'softpick', 'sigmoid', 'softplusNorm', 'reluNorm', 'relu'. Any other registry
   * name (e.g. 'sparsemax', 'entmax15') or a {@link NormalizerEntry} runs on one
   * block of query rows against all keys at a time (memory O(blockSize·keys)).
   * Default 'softmax'.
   */
  normalizer?: string | NormalizerEntry;
  normalizerOptions?: AttentionNormalizerOptions;
  /** Multiplies q·k. Default 1/√dim. */
  scale?: number;
  /** Key j is visible to query i only if j ≤ i + keys − queries (aligned to the last keys). */
  causal?: boolean;
  /** Sliding window w ≥ 1: visible only if p − j < w (and j − p < w when not causal), p = i + keys − queries. */
  window?: number;
  /** Keys j ≥ keyLengths[b] are padding for batch item b. Length batch. */
  keyLengths?: Int32Array | readonly number[];
  mask?: AttentionMask;
  /** The mask's own shape [b, h, queries, keys], each 1 (broadcast) or the full size. */
  maskShape?: readonly number[];
  /** ALiBi: adds −slope[h]·|p − j| to the scores. Length heads. */
  alibiSlopes?: ArrayInput;
  /** A learnable sink logit per head: a virtual key with value 0 (normalized kinds). Length heads. */
  sinks?: ArrayInput;
  /** Forgetting Transformer: log forget values [batch, heads, keys], bias Σ_{l=j+1}^{p} logForget[l]. */
  logForget?: ArrayInput;
  /** Selective (per-query) temperature: multiplies the scaled scores of query row i. [batch, heads, queries]. */
  queryScale?: ArrayInput;
  /** Gated attention: out ⊙ σ(gate), gate [batch, heads, queries, valueDim]. */
  gate?: ArrayInput;
  /** Query rows and keys per tile. Default 128 (fastest with the WebAssembly matrix multiply). */
  blockSize?: number;
  /** Also return the log of each row's normalizer (normalized kinds only). */
  returnLse?: boolean;
  /**
   * Kernel backend ('wasm': the fused WebAssembly kernels for softmax heads with plain
   * logits, and the WebAssembly matrix multiply for the others; 'js': JavaScript only,
   * matrix products included). Default 'auto'.
   */
  backend?: BackendName;
}

// ---- option rules (defaults written once) ----------------------------------

/** A size: an integer ≥ 1; undefined where the lengths determine it (resolveShapes). */
const sizeRule = integerRule({ atLeast: 1 });

/** The rules of the sizes attention and linearAttention share; `dim` is required. */
export const ATTENTION_SIZE_RULES = {
  batch: sizeRule,
  heads: sizeRule,
  kvHeads: sizeRule,
  queries: sizeRule,
  keys: sizeRule,
  dim: { parse: (fn, name, v) => requireNumber(fn, name, v, { integer: true, atLeast: 1 }) },
  valueDim: sizeRule,
} as const satisfies Rules;

/** An option whose value is checked against the shapes afterwards (arrays, masks, the normalizer). */
function checkedLater<T>(): Rule<T | undefined> {
  return rule((_fn, _name, v) => v as T);
}

/** The option rules of attention and attentionVjp. */
export const ATTENTION_RULES = {
  ...ATTENTION_SIZE_RULES,
  normalizer: checkedLater<string | NormalizerEntry>(),
  normalizerOptions: checkedLater<unknown>(),
  scale: numberRule(),
  causal: booleanRule(false),
  window: integerRule({ atLeast: 1 }),
  keyLengths: checkedLater<Int32Array | readonly number[]>(),
  mask: checkedLater<AttentionMask>(),
  maskShape: checkedLater<readonly number[]>(),
  alibiSlopes: checkedLater<ArrayInput>(),
  sinks: checkedLater<ArrayInput>(),
  logForget: checkedLater<ArrayInput>(),
  queryScale: checkedLater<ArrayInput>(),
  gate: checkedLater<ArrayInput>(),
  blockSize: integerRule({ atLeast: 1, default: 128 }),
  returnLse: booleanRule(false),
  backend: backendRule,
} as const;
