/**
 * speculativeAccept(targetLogits, draftLogits, draftTokens, options) — the
 * rejection step of speculative decoding (Leviathan, Kalman & Matias 2023; Chen
 * et al. 2023, "speculative sampling"). A draft model proposed γ tokens x_i, each
 * drawn from its distribution q_i; the target model scored the same positions,
 * giving p_i (and p_γ, one more, for the bonus token). For i = 0, 1, …:
 *   accept x_i with probability min(1, p_i(x_i) / q_i(x_i))  (u_i·q_i(x_i) < p_i(x_i));
 *   on the first rejection emit a token from normalize(max(0, p_i − q_i)) and stop;
 *   if all γ are accepted and p_γ is given, emit a bonus token from p_γ.
 * Each emitted token is then distributed exactly as the target would have drawn
 * it (the papers' theorem; checked by a chi-square test in
 * test/sampling/speculative.test.ts). p and q are softmax(logits / temperature)
 * of the rows given — pass filtered logits (−∞ for removed tokens) to speculate
 * under a truncated distribution. The uniforms are Philox(seed, step, i), so the
 * result is a pure function of the inputs.
 *
 * Shapes: draftTokens has γ entries, draftLogits γ rows and targetLogits γ or
 * γ + 1 rows, all of the same vocabulary (flat, row-major).
 *
 * @example
 * const r = speculativeAccept(target, draft, [17, 4, 9], { seed: 3, step: 10 });
 * r.accepted; // how many draft tokens were kept; r.tokens: those plus the correction or bonus
 */

import { seedRule } from '../random/seed.js';
import { toFloatArray } from '../tensor/arrays.js';
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import { integerRule, numberRule, resolveOptions } from '../tensor/options.js';
import type { ArrayInput, FloatArray } from '../tensor/types.js';
import { drawUniform, STREAM_ACCEPT, STREAM_RESIDUAL } from './streams.js';

/** Options of {@link speculativeAccept}. */
export interface SpeculativeOptions {
  seed?: number;
  /** The decoding step of the first draft position. Default 0. */
  step?: number;
  /** p = softmax(target / T), q = softmax(draft / T). Default 1. */
  temperature?: number;
}

/** The emitted tokens: the accepted draft tokens, then the correction or bonus token (if any). */
export interface SpeculativeResult {
  tokens: Int32Array;
  accepted: number;
}

const RULES = {
  seed: seedRule,
  step: integerRule({ atLeast: 0, atMost: Number.MAX_SAFE_INTEGER, default: 0 }),
  temperature: numberRule({ greaterThan: 0, default: 1 }),
} as const;

/** The rejection step of speculative sampling. See the module doc. */
export function speculativeAccept(
  targetLogits: ArrayInput,
  draftLogits: ArrayInput,
  draftTokens: Int32Array | readonly number[],
  options?: SpeculativeOptions,
): SpeculativeResult {
  const fn = 'speculativeAccept';
  const o = resolveOptions(fn, options, RULES);
  const target = toFloatArray(fn, 'targetLogits', targetLogits);
  const draft = toFloatArray(fn, 'draftLogits', draftLogits);
  const g = draftTokens.length;
  const V = g === 0 ? target.length : draft.length / g;
  if (!Number.isInteger(V) || V < 1 || (g === 0 && draft.length !== 0))
    throw new SoftmaxKitError(
      'SHAPE_MISMATCH',
      `${fn}: expected draftLogits to hold one row per draft token (${g}), got length ${draft.length}`,
    );
  if (target.length !== g * V && target.length !== (g + 1) * V)
    throw new SoftmaxKitError(
      'SHAPE_MISMATCH',
      `${fn}: expected targetLogits to hold ${g} or ${g + 1} rows of ${V}, got length ${target.length}`,
    );
  const out: number[] = [];
  const p = new Float64Array(V);
  const q = new Float64Array(V);
  for (let i = 0; i < g; i++) {
    const x = draftTokens[i];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x >= V)
      throw new SoftmaxKitError(
        'TARGET_OUT_OF_RANGE',
        `${fn}: expected draftTokens[${i}] in [0, ${V}), got ${describe(x)}`,
      );
    softmaxRow(fn, target, i, V, o.temperature, p, 'targetLogits');
    softmaxRow(fn, draft, i, V, o.temperature, q, 'draftLogits');
    const u = drawUniform(o.seed, o.step + i, 0, STREAM_ACCEPT);
    if (u * q[x]! < p[x]!) {
      out.push(x);
      continue;
    }
    let z = 0;
    for (let j = 0; j < V; j++) {
      const d = p[j]! - q[j]!;
      q[j] = d > 0 ? d : 0;
      z += q[j]!;
    }
    out.push(drawFrom(z > 0 ? q : p, drawUniform(o.seed, o.step + i, 0, STREAM_RESIDUAL)));
    return { tokens: Int32Array.from(out), accepted: i };
  }
  if (target.length === (g + 1) * V) {
    softmaxRow(fn, target, g, V, o.temperature, p, 'targetLogits');
    out.push(drawFrom(p, drawUniform(o.seed, o.step + g, 0, STREAM_RESIDUAL)));
  }
  return { tokens: Int32Array.from(out), accepted: g };
}

/** y = softmax(x[r·V .. (r+1)·V) / T) in double; a NaN or fully masked row throws. */
function softmaxRow(
  fn: string,
  x: FloatArray,
  r: number,
  V: number,
  t: number,
  y: Float64Array,
  name: string,
): void {
  let mx = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < V; j++) {
    const v = x[r * V + j]!;
    if (Number.isNaN(v) || v === Number.POSITIVE_INFINITY)
      throw new SoftmaxKitError(
        'INVALID_INPUT',
        `${fn}: expected ${name} row ${r} to be finite or -Infinity, got ${v} at index ${j}`,
      );
    if (v > mx) mx = v;
  }
  if (mx === Number.NEGATIVE_INFINITY)
    throw new SoftmaxKitError(
      'INVALID_INPUT',
      `${fn}: expected ${name} row ${r} to have a finite entry, got all -Infinity`,
    );
  let z = 0;
  for (let j = 0; j < V; j++) {
    const e = Math.exp((x[r * V + j]! - mx) / t);
    y[j] = e;
    z += e;
  }
  for (let j = 0; j < V; j++) y[j] = y[j]! / z;
}

/** Inverse CDF: the first j whose cumulative weight exceeds u·Σw. */
function drawFrom(w: Float64Array, u: number): number {
  let z = 0;
  for (let j = 0; j < w.length; j++) z += w[j]!;
  const target = u * z;
  let cum = 0;
  let last = 0;
  for (let j = 0; j < w.length; j++) {
    if (w[j]! > 0) last = j;
    cum += w[j]!;
    if (cum > target) return j;
  }
  return last;
}
