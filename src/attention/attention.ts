/**
 * Scaled dot-product attention whose normalizer is an option:
 *
 *   out_i = (Σ_j f(x_ij) v_j / D_i) ⊙ σ(gate_i),   x_ij = c_i·(t_i·scale·q_i·k_j + β_ij),
 *
 * flash-style (tile by tile with the online normalizer, memory linear in the
 * sequence length) for softmax, ssmax, softpick, sigmoid, softplusNorm, reluNorm and
 * relu; block-materialized for sparsemax, entmax15 and any other registry entry.
 * The masks and biases β (causal, window, key padding, boolean/additive mask,
 * ALiBi, forget gate) are described in logits.ts, the normalizers' online forms in
 * ../kernels/js/attention-kinds.ts, the tile fold in ../kernels/js/attention-fold.ts, the
 * state and its merge in ../kernels/attention-state.ts (row-state.ts starts and finishes it). Softmax heads whose
 * logits are plain (structural masks only; a gate is fine) run in the backend's fused
 * kernel when it has one — the WebAssembly one, with decoding's keys split across the
 * worker pool (forward.ts); `backend: 'js'` keeps them on the JavaScript path.
 *
 * Stability: every exponential is taken against the row's running maximum (the
 * sink included), scores and accumulators are Float64 over Float32/Float64 inputs,
 * and the output is rounded once. Error bound: Float64 outputs agree with a
 * Float64 materialized reference to ~1e-14 relative to Σ_j p_ij·|v_j|; Float32
 * outputs are the double result rounded once (≤ 1 ulp beyond the inputs' own
 * rounding), tested in test/attention/attention.test.ts.
 *
 * Non-finite policy: a query row that sees no key gives zeros (and L = −∞), never
 * NaN; masked keys get weight 0 and gradient 0; NaN in q, k or v stays in the rows
 * that read it.
 *
 * Papers: FlashAttention (Dao et al. 2022, arXiv:2205.14135), FlashAttention-2 (Dao
 * 2023, arXiv:2307.08691), Self-attention does not need O(n²) memory (Rabe & Staats
 * 2021, arXiv:2112.05682), Gated Attention (Qiu et al. 2025, arXiv:2505.06708),
 * Selective Attention (Zhang et al. 2024, arXiv:2411.12892) for the per-query
 * temperature, Scalable-Softmax (Nakanishi 2025, arXiv:2501.19399).
 *
 * @example
 * // batch 1, 2 heads sharing 1 key/value head (multi-query), 3 queries, 4 keys, dim 2
 * const { out, lse } = attention(q, k, v, { heads: 2, kvHeads: 1, dim: 2, causal: true, returnLse: true });
 * const { dq, dk, dv } = attentionVjp(q, k, v, dOut, { heads: 2, kvHeads: 1, dim: 2, causal: true });
 */

import { sigmoid } from '../kernels/js/attention-kinds.js';
import { allocLike, toFloatArrayOfLength } from '../tensor/arrays.js';
import type { ArrayInput, FloatArray } from '../tensor/types.js';
import { attentionBackward } from './backward.js';
import { attentionForward } from './forward.js';
import type { AttentionOptions } from './options.js';
import { type AttentionProblem, inTypeOf, resolveAttention } from './problem.js';

export type { AttentionMask, AttentionNormalizerOptions, AttentionOptions } from './options.js';

export interface AttentionResult {
  /** [batch, heads, queries, valueDim], q's element type. */
  readonly out: FloatArray;
  /** Shape [batch, heads, queries]: log of each row's normalizer (logsumexp for softmax), when returnLse. */
  readonly lse?: FloatArray;
}

export interface AttentionGradients {
  readonly dq: FloatArray;
  readonly dk: FloatArray;
  readonly dv: FloatArray;
  /** When `sinks` is given. */
  readonly dSinks?: FloatArray;
  /** When `queryScale` is given. */
  readonly dQueryScale?: FloatArray;
  /** When `logForget` is given. */
  readonly dLogForget?: FloatArray;
  /** When `gate` is given. */
  readonly dGate?: FloatArray;
}

/** Attention forward; see the module doc. */
export function attention(
  q: ArrayInput,
  k: ArrayInput,
  v: ArrayInput,
  options: AttentionOptions,
): AttentionResult {
  const p = resolveAttention('attention', q, k, v, options);
  const out = allocLike(p.q, p.batch * p.heads * p.queries * p.valueDim);
  const lse = p.returnLse ? new Float64Array(p.batch * p.heads * p.queries) : null;
  attentionForward(p, { out, out64: null, lse });
  return lse === null ? { out } : { out, lse: inTypeOf(p.q, lse) };
}

/** ∂L/∂logForget_l = Σ_{t ≥ l} ∂L/∂C_t per (b, h) row of keys. */
function reverseCumsum(dC: Float64Array, keys: number): Float64Array {
  for (let r = 0; r < dC.length; r += keys) {
    let s = 0;
    for (let t = r + keys - 1; t >= r; t--) dC[t] = s += dC[t]!;
  }
  return dC;
}

/** The gated output's split: dGate and the ungated dO. */
function ungate(p: AttentionProblem, dOut: FloatArray, out64: Float64Array) {
  const gate = p.gate!;
  const dO = new Float64Array(dOut.length);
  const dGate = new Float64Array(dOut.length);
  for (let i = 0; i < dOut.length; i++) {
    const s = sigmoid(gate[i]!);
    dO[i] = dOut[i]! * s;
    dGate[i] = dOut[i]! * out64[i]! * s * (1 - s);
  }
  return { dO, dGate };
}

/**
 * dq, dk, dv = J_attentionᵀ·dOut (and the gradients of the learnable sinks,
 * queryScale, logForget and gate when given). Recomputes the forward's O and L,
 * then runs the FlashAttention-2 backward.
 */
export function attentionVjp(
  q: ArrayInput,
  k: ArrayInput,
  v: ArrayInput,
  dOut: ArrayInput,
  options: AttentionOptions,
): AttentionGradients {
  const fn = 'attentionVjp';
  const p = resolveAttention(fn, q, k, v, options); // returnLse has no effect here
  const rowsOut = p.batch * p.heads * p.queries;
  const g = toFloatArrayOfLength(fn, 'dOut', dOut, rowsOut * p.valueDim);
  const out64 = new Float64Array(rowsOut * p.valueDim);
  const lse = new Float64Array(rowsOut);
  attentionForward(p, { out: null, out64, lse });
  const gated = p.gate === null ? null : ungate(p, g, out64);
  const t = {
    dq: allocLike(p.q, p.q.length),
    dk: allocLike(p.k, p.k.length),
    dv: allocLike(p.v, p.v.length),
    dSinks: p.sinks === null ? null : new Float64Array(p.heads),
    dQueryScale: p.queryScale === null ? null : new Float64Array(rowsOut),
    dC: p.forgetCumsum === null ? null : new Float64Array(p.forgetCumsum.length),
  };
  attentionBackward(p, { dO: gated?.dO ?? g, out64, lse }, t);
  const result: { -readonly [K in keyof AttentionGradients]: AttentionGradients[K] } = {
    dq: t.dq,
    dk: t.dk,
    dv: t.dv,
  };
  if (t.dSinks !== null) result.dSinks = inTypeOf(p.sinks!, t.dSinks);
  if (t.dQueryScale !== null) result.dQueryScale = inTypeOf(p.queryScale!, t.dQueryScale);
  if (t.dC !== null) result.dLogForget = inTypeOf(p.q, reverseCumsum(t.dC, p.keys));
  if (gated !== null) result.dGate = inTypeOf(p.gate!, gated.dGate);
  return result;
}
