/**
 * Independent routers written from the published code's semantics, row by row
 * with plain arrays and sorts (never the library):
 * - Mixtral (HF transformers): softmax → topk → renormalize;
 * - Switch / GShard capacity: per-rank position cumsum, earlier ranks first;
 * - DeepSeek-V3 (inference/model.py `Gate`): sigmoid → + bias for the choice →
 *   group score = sum of the group's top-2 → top groups → topk → weights from the
 *   unbiased scores → normalize → × route_scale.
 * Ties by lower index (torch.topk's order on CPU for equal values is not
 * specified; the SPEC fixes it). A −∞ logit is masked: never chosen over a
 * finite one (the library's documented reading of a mask).
 */

/** softmax of one row in double, shifted by the max; all −∞ → zeros. */
export function softmaxRow(x: readonly number[]): number[] {
  const m = Math.max(...x);
  if (m === -Infinity) return x.map(() => 0);
  const e = x.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export function sigmoidRow(x: readonly number[]): number[] {
  return x.map((v) => 1 / (1 + Math.exp(-v)));
}

/** Indices of the k largest keys, descending, ties by lower index. */
export function topkIndices(key: readonly number[], k: number): number[] {
  return key
    .map((v, i) => [v, i] as const)
    .sort((a, b) => (b[0] > a[0] ? 1 : b[0] < a[0] ? -1 : a[1] - b[1]))
    .slice(0, k)
    .map(([, i]) => i);
}

export function rows(x: ArrayLike<number>, E: number): number[][] {
  const out: number[][] = [];
  for (let o = 0; o < x.length; o += E) out.push(Array.from(x).slice(o, o + E));
  return out;
}

export interface RefRouting {
  weights: number[][];
  indices: number[][];
  scores: number[][];
}

/** Mixtral's router: topk of softmax, renormalized (renormalize false: Qwen's norm_topk_prob off). */
export function mixtralRouter(x: number[][], k: number, renormalize = true): RefRouting {
  const scores = x.map(softmaxRow);
  const indices = scores.map((s, t) =>
    topkIndices(
      s.map((v, i) => (x[t]![i] === -Infinity ? -Infinity : v)),
      k,
    ),
  );
  const weights = indices.map((idx, t) => {
    const w = idx.map((i) => scores[t]![i]!);
    const S = w.reduce((a, b) => a + b, 0);
    return renormalize ? w.map((v) => (S === 0 ? 0 : v / S)) : w;
  });
  return { weights, indices, scores };
}

/** DeepSeek-V3's Gate (sigmoid scoring). */
export function deepseekRouter(
  x: number[][],
  k: number,
  bias: readonly number[],
  nGroups: number,
  topkGroups: number,
  routeScale: number,
): RefRouting {
  const scores = x.map(sigmoidRow);
  const E = bias.length;
  const size = E / nGroups;
  const indices = scores.map((s, t) => {
    const key = s.map((v, i) => (x[t]![i] === -Infinity ? -Infinity : v + bias[i]!));
    const groupScore: number[] = [];
    for (let g = 0; g < nGroups; g++) {
      const top2 = key
        .slice(g * size, (g + 1) * size)
        .sort((a, b) => b - a)
        .slice(0, 2);
      groupScore.push(top2.reduce((a, b) => a + b, 0));
    }
    const keep = new Set(topkIndices(groupScore, topkGroups));
    const masked = key.map((v, i) => (keep.has(Math.floor(i / size)) ? v : -Infinity));
    return topkIndices(masked, k);
  });
  const weights = indices.map((idx, t) => {
    const w = idx.map((i) => scores[t]![i]!);
    const S = w.reduce((a, b) => a + b, 0);
    return w.map((v) => (v / S) * routeScale);
  });
  // the library orders the k by score (weight) descending, ties by lower index
  for (let t = 0; t < indices.length; t++) {
    const byScore = weights[t]!.map((w, j) => [w, indices[t]![j]!] as const);
    byScore.sort((a, b) => (b[0] > a[0] ? 1 : b[0] < a[0] ? -1 : a[1] - b[1]));
    weights[t] = byScore.map(([w]) => w);
    indices[t] = byScore.map(([, i]) => i);
  }
  return { weights, indices, scores };
}

/**
 * GShard/Switch capacity by position: rank j's slots take positions after all
 * earlier ranks' kept slots of the same expert, in token order (cumsum of the
 * one-hot mask); a position ≥ capacity is dropped.
 */
export function positionCapacity(
  indices: number[][],
  E: number,
  capacity: number,
): { dropped: number[][]; counts: number[] } {
  const k = indices[0]?.length ?? 0;
  const counts = new Array<number>(E).fill(0);
  const dropped = indices.map((r) => r.map(() => 0));
  for (let j = 0; j < k; j++) {
    const cumsum = new Array<number>(E).fill(0);
    const position = indices.map((r) => {
      const e = r[j]!;
      const p = counts[e]! + cumsum[e]!; // offset by the earlier ranks' kept slots
      cumsum[e]!++;
      return p;
    });
    // keep = position < capacity; counts grow by the kept ones only
    indices.forEach((r, t) => {
      if (position[t]! < capacity) counts[r[j]!]!++;
      else dropped[t]![j] = 1;
    });
  }
  return { dropped, counts };
}
