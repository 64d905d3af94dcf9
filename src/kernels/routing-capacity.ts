/**
 * Expert capacity (Lepikhin et al. 2020, GShard; Fedus et al. 2021, Switch
 * Transformer): each expert takes at most `capacity` slots; the slots are
 * served rank by rank — every token's first choice before any second choice —
 * and within a rank by token position ('position', as Switch's cumulative sum)
 * or by the slot's router score descending, ties by position ('probability', as
 * Riquelme et al.'s batch prioritized routing). A slot that finds its expert
 * full is dropped. A NaN score is served last.
 */

/**
 * Serve the slots indices[t·k + j] (expert of token t's j-th choice) and write
 * counts[e] (slots kept per expert) and dropped[t·k + j] (1 = over capacity).
 * `capacity` = Infinity keeps every slot. `score` (the slots' router scores,
 * same layout; needed only with a finite capacity under 'probability') orders each
 * rank under 'probability'.
 */
export function serveCapacity(
  indices: Int32Array,
  score: Float64Array | undefined,
  tokens: number,
  k: number,
  capacity: number,
  byProbability: boolean,
  counts: Int32Array,
  dropped: Uint8Array,
): void {
  counts.fill(0);
  dropped.fill(0);
  if (capacity === Number.POSITIVE_INFINITY) {
    // every slot kept: the order does not matter
    for (let s = 0; s < tokens * k; s++) counts[indices[s]!]!++;
    return;
  }
  const order = new Int32Array(tokens);
  for (let j = 0; j < k; j++) {
    for (let t = 0; t < tokens; t++) order[t] = t;
    if (byProbability && capacity !== Infinity) {
      const key = (t: number) => {
        const v = score![t * k + j]!;
        return Number.isNaN(v) ? -Infinity : v;
      };
      order.sort((a, b) => key(b) - key(a) || a - b);
    }
    for (let q = 0; q < tokens; q++) {
      const slot = order[q]! * k + j;
      const e = indices[slot]!;
      if (counts[e]! < capacity) counts[e]!++;
      else dropped[slot] = 1;
    }
  }
}
