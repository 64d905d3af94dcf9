/**
 * routerStats(routing, { shape }) — what a user debugging a router looks at, from
 * a router's output ({ scores, indices, dropped? } of topKGating, topPGating…):
 *   counts_e  = kept slots of expert e (index −1 and dropped slots left out)
 *   load_e    = counts_e / Σ counts                     (fraction of the kept slots)
 *   cv        = std(counts) / mean(counts)              (population std; 0 = balanced)
 *   maxLoad   = max(counts) / mean(counts)              (1 = balanced; what capacity must absorb)
 *   droppedFraction = dropped slots / routed slots
 *   entropy   = mean over tokens of −Σ_e q_e·log q_e,  q = s / Σ s  (nats; ln E = uniform)
 * (Shazeer et al. 2017 report cv as "importance"; Fedus et al. 2021 the dropped
 * fraction.) Sums are plain double sums of non-negative terms; 0·log 0 = 0;
 * tokens whose scores are all 0 are left out of the entropy; no slot gives 0s.
 *
 * @example
 * const r = topKGating(logits, { shape: [tokens, 8], k: 2, capacityFactor: 1.25 });
 * routerStats(r, { shape: [tokens, 8] }).cv; // 0 when every expert got the same slots
 */
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import { requireOptionsObject, resolveOptions, shapeRule } from '../tensor/options.js';
import type { ArrayInput } from '../tensor/types.js';
import { routerLogits } from './router.js';

/** A router's output, as much as {@link routerStats} reads. */
export interface RoutingOutput {
  /** [tokens, experts] the router's probabilities. */
  scores: ArrayInput;
  /** [tokens, k] chosen experts (−1 = an empty slot). */
  indices: Int32Array | readonly number[];
  /** [tokens, k] 1 = dropped over capacity. */
  dropped?: Uint8Array;
}

/** Options of {@link routerStats}. */
export interface RouterStatsOptions {
  /** The scores' shape [..., tokens, experts]. Default: one token. */
  shape?: readonly number[];
}

/** The result of {@link routerStats}. */
export interface RouterStats {
  counts: Int32Array;
  load: Float64Array;
  cv: number;
  maxLoad: number;
  droppedFraction: number;
  entropy: number;
}

const RULES = { shape: shapeRule } as const;

/** Load, balance and confidence statistics of a routing. See the module doc. */
export function routerStats(routing: RoutingOutput, options?: RouterStatsOptions): RouterStats {
  const fn = 'routerStats';
  const o = resolveOptions(fn, options, RULES);
  const given = requireOptionsObject(fn, routing, 'routing');
  const { x: s, tokens, experts: E } = routerLogits(fn, given.scores, o.shape, 'routing.scores');
  const idx = given.indices;
  if (!(idx instanceof Int32Array) && !Array.isArray(idx))
    throw new SoftmaxKitError(
      'INVALID_INPUT',
      `${fn}: expected routing.indices to be an Int32Array or number[], got ${describe(idx)}`,
    );
  const slots = (idx as ArrayLike<unknown>).length;
  if (tokens === 0 ? slots !== 0 : slots % tokens !== 0)
    throw new SoftmaxKitError(
      'SHAPE_MISMATCH',
      `${fn}: expected routing.indices to hold k entries per token (${tokens} tokens), got ${slots}`,
    );
  const dropped = given.dropped;
  if (dropped !== undefined && (!(dropped instanceof Uint8Array) || dropped.length !== slots))
    throw new SoftmaxKitError(
      'SHAPE_MISMATCH',
      `${fn}: expected routing.dropped to be a Uint8Array(${slots}), got ${describe(dropped)}`,
    );
  const counts = new Int32Array(E);
  let routed = 0;
  let drops = 0;
  for (let j = 0; j < slots; j++) {
    const e: unknown = (idx as ArrayLike<unknown>)[j];
    if (e === -1) continue;
    if (typeof e !== 'number' || !Number.isInteger(e) || e < 0 || e >= E)
      throw new SoftmaxKitError(
        'INVALID_INPUT',
        `${fn}: expected routing.indices[${j}] to be an expert in [0, ${E}) or −1, got ${describe(e)}`,
      );
    routed++;
    if (dropped?.[j]) drops++;
    else counts[e]!++;
  }
  const kept = routed - drops;
  const mean = kept / E;
  let ss = 0;
  let max = 0;
  for (let e = 0; e < E; e++) {
    ss += (counts[e]! - mean) ** 2;
    max = Math.max(max, counts[e]!);
  }
  const load = new Float64Array(E);
  if (kept > 0) for (let e = 0; e < E; e++) load[e] = counts[e]! / kept;
  return {
    counts,
    load,
    cv: mean === 0 ? 0 : Math.sqrt(ss / E) / mean,
    maxLoad: mean === 0 ? 0 : max / mean,
    droppedFraction: routed === 0 ? 0 : drops / routed,
    entropy: meanEntropy(s, tokens, E),
  };
}

/** Mean over tokens (with Σ s > 0) of the entropy of s / Σ s. */
function meanEntropy(s: ArrayLike<number>, tokens: number, E: number): number {
  let total = 0;
  let n = 0;
  for (let t = 0; t < tokens; t++) {
    let S = 0;
    for (let e = t * E; e < (t + 1) * E; e++) S += s[e]!;
    if (!(S > 0)) {
      if (Number.isNaN(S)) return Number.NaN;
      continue;
    }
    let h = 0;
    for (let e = t * E; e < (t + 1) * E; e++) {
      const q = s[e]! / S;
      if (q > 0) h -= q * Math.log(q);
    }
    total += h;
    n++;
  }
  return n === 0 ? 0 : total / n;
}
