/**
 * Fused softmax attention of one head by a backend kernel: the dispatch point the
 * attention floor calls (src/attention/forward.ts). A head qualifies when its logits
 * are plain, x_ij = scale·q_i·k_j, hidden only by the structural masks (causal aligned
 * to the last keys, sliding window, key length) — the row intervals of
 * src/attention/logits.ts:
 *
 *   out_i = Σ_{j ∈ [lo_i, hi_i)} e^(x_ij − m_i) v_j / l_i,   l_i = Σ_j e^(x_ij − m_i).
 *
 * The kernel leaves each row's online state (m, l, acc) (attention-state.ts) and hands
 * it to `finish`, which turns it into out and L = m + log l exactly as the JavaScript
 * path does. The backward (FlashAttention-2) of such a head, from the saved L and
 * Δ_i = ⟨O_i, dO_i⟩, goes the same way: dq written, dk and dv added to (the heads of a
 * key/value group share them). The JavaScript path of src/attention/ is the fallback and the reference:
 * a backend without `flashAttention` (the 'js' backend), or one that declines the head
 * (returns false: mixed element types, no memory, a NaN or +∞ score), leaves the head
 * to it. The WebAssembly kernel (wasm/attention.ts) agrees with it to ≤ 1e-14 relative
 * in Float64 (test/kernels/wasm/attention.test.ts).
 *
 * Importing this file loads nothing.
 *
 * @example
 * const backend = resolveBackend('attention', 'auto', q.length, false);
 * const done = flashAttentionHead(backend, head, (st) => finishRows(st));
 * if (!done) runTheJavaScriptPath();
 */

import type { FloatArray } from '../tensor/types.js';
import type { RowStates } from './attention-state.js';

/** One head of softmax attention with plain logits and structural masks only. */
export interface FlashHead {
  /** Queries × dim from qOffset. */
  readonly q: FloatArray;
  readonly qOffset: number;
  /** Keys × dim from kOffset. */
  readonly k: FloatArray;
  readonly kOffset: number;
  /** Keys × valueDim from vOffset. */
  readonly v: FloatArray;
  readonly vOffset: number;
  readonly queries: number;
  readonly keys: number;
  readonly dim: number;
  readonly valueDim: number;
  readonly scale: number;
  /** Key j visible to query i only if j ≤ p = i + keys − queries. */
  readonly causal: boolean;
  /** Visible only if p − j < window (and j − p < window when not causal); may be ∞. */
  readonly window: number;
  /** Keys j ≥ keyLength are padding. */
  readonly keyLength: number;
  /** Query rows and keys per tile (a hint: kernels may round it). */
  readonly blockSize: number;
}

/** The backward's inputs and outputs for one head (all Float64 but dO). */
export interface FlashGrads {
  /** ∂L/∂out of the head: queries × valueDim from dOOffset. */
  readonly dO: FloatArray;
  readonly dOOffset: number;
  /** The forward's L = m + log l per query row (−∞ for a row that sees no key). */
  readonly lse: Float64Array;
  /** Δ_i = ⟨O_i, dO_i⟩ per query row. */
  readonly delta: Float64Array;
  /** Written: ∂L/∂q of the head, queries × dim. */
  readonly dq: Float64Array;
  /** Added to: ∂L/∂k and ∂L/∂v of the head's key/value head, keys × dim and keys × valueDim. */
  readonly dk: Float64Array;
  readonly dv: Float64Array;
}

/** The fused attention kernels a backend may provide (src/kernels/backend.ts's Backend extends it). */
export interface FlashKernels {
  /**
   * Optional fused softmax attention of one head: when the backend takes the head it
   * computes every row's online state (m, l, acc), calls `finish` with it and returns true;
   * returns false, having done nothing, when it cannot take the head.
   */
  flashAttention?(head: FlashHead, finish: (st: RowStates) => void): boolean;
  /** Optional fused backward of such a head; false: not taken. */
  flashAttentionVjp?(head: FlashHead, grads: FlashGrads): boolean;
}

/**
 * Run the backend's fused kernel on the head: `finish` receives the states of all
 * `queries` rows (views valid during the call only). False, with nothing done, when
 * the backend has no such kernel or declines the head.
 */
export function flashAttentionHead(
  backend: FlashKernels,
  head: FlashHead,
  finish: (st: RowStates) => void,
): boolean {
  return backend.flashAttention?.(head, finish) ?? false;
}

/**
 * Run the backend's fused backward on the head (see {@link FlashGrads}). False, with
 * nothing done, when the backend has no such kernel or declines the head.
 */
export function flashAttentionVjpHead(
  backend: FlashKernels,
  head: FlashHead,
  g: FlashGrads,
): boolean {
  return backend.flashAttentionVjp?.(head, g) ?? false;
}
