/**
 * Binning of (confidence, correct) pairs for the calibration errors and the
 * reliability diagram.
 * - uniform: B bins (k/B, (k+1)/B]; a confidence of exactly 0 falls in the first
 *   bin and exactly 1 in the last (no phantom extra bin, as torchmetrics has);
 *   the boundaries are the doubles k/B, so a confidence equal to one sits in the
 *   bin it closes.
 * - quantile (equal mass): the pairs sorted by confidence (stable, so ties keep
 *   their order) and cut into B chunks [⌊kN/B⌋, ⌊(k+1)N/B⌋) of (nearly) equal
 *   count, as torch-uncertainty; a bin's range is its lowest and highest
 *   confidence.
 * Pairs may carry integer weights (a bootstrap resample's multiplicities); a
 * quantile chunk then cuts the expanded, sorted sequence.
 */

/** One bin: its range, how many pairs fell in it, their mean confidence and accuracy. */
export interface CalibrationBin {
  /** The class this bin belongs to (classwise errors only). */
  class?: number;
  lower: number;
  upper: number;
  count: number;
  /** Mean confidence of the bin's pairs (0 for an empty bin). */
  confidence: number;
  /** Fraction correct among the bin's pairs (0 for an empty bin). */
  accuracy: number;
}

/** How rows are binned: equal-width bins on [0, 1] or equal-count bins. */
export type Binning = 'uniform' | 'quantile';

/** Confidences and outcomes of N pairs, with the ascending order of the confidences. */
export interface Pairs {
  readonly confidence: Float64Array;
  readonly correct: Uint8Array;
  readonly order: Int32Array;
}

/** Pairs from confidences and outcomes (the order is computed once here). */
export function pairs(confidence: Float64Array, correct: Uint8Array): Pairs {
  const order = Int32Array.from(confidence.keys());
  order.sort((a, b) => confidence[a]! - confidence[b]! || a - b);
  return { confidence, correct, order };
}

/** The uniform bin of a confidence c ∈ [0, 1]: k with k/B < c ≤ (k+1)/B, 0 for c = 0. */
export function uniformBin(c: number, B: number): number {
  let k = Math.min(B - 1, Math.max(0, Math.ceil(c * B) - 1));
  if (k < B - 1 && c > (k + 1) / B) k++;
  else if (k > 0 && c <= k / B) k--;
  return k;
}

/** The bins table of the pairs, each pair counted `weight[i]` times (once without weights). */
export function binTable(
  p: Pairs,
  B: number,
  binning: Binning,
  weight?: Int32Array,
): CalibrationBin[] {
  const count = new Float64Array(B);
  const conf = new Float64Array(B);
  const hits = new Float64Array(B);
  const lower = new Float64Array(B);
  const upper = new Float64Array(B);
  const N = p.confidence.length;
  if (binning === 'uniform') {
    for (let k = 0; k < B; k++) {
      lower[k] = k / B;
      upper[k] = (k + 1) / B;
    }
    for (let i = 0; i < N; i++) {
      const w = weight === undefined ? 1 : weight[i]!;
      if (w === 0) continue;
      const c = p.confidence[i]!;
      const k = uniformBin(c, B);
      count[k]! += w;
      conf[k]! += w * c;
      hits[k]! += w * p.correct[i]!;
    }
  } else {
    let total = 0;
    if (weight === undefined) total = N;
    else for (let i = 0; i < N; i++) total += weight[i]!;
    let pos = 0;
    lower.fill(Number.NaN);
    for (let j = 0; j < N; j++) {
      const i = p.order[j]!;
      let w = weight === undefined ? 1 : weight[i]!;
      const c = p.confidence[i]!;
      while (w > 0) {
        // the chunk of position pos: the k with ⌊kT/B⌋ ≤ pos < ⌊(k+1)T/B⌋
        let k = Math.min(B - 1, Math.floor(((pos + 1) * B - 1) / total));
        while (k > 0 && Math.floor((k * total) / B) > pos) k--;
        while (k < B - 1 && Math.floor(((k + 1) * total) / B) <= pos) k++;
        const end = Math.floor(((k + 1) * total) / B);
        const take = Math.min(w, end - pos);
        if (Number.isNaN(lower[k]!)) lower[k] = c;
        upper[k] = c;
        count[k]! += take;
        conf[k]! += take * c;
        hits[k]! += take * p.correct[i]!;
        pos += take;
        w -= take;
      }
    }
    for (let k = 0; k < B; k++) if (Number.isNaN(lower[k]!)) lower[k] = upper[k] = 0;
  }
  return Array.from({ length: B }, (_, k) => {
    const n = count[k]!;
    return {
      lower: lower[k]!,
      upper: upper[k]!,
      count: n,
      confidence: n > 0 ? conf[k]! / n : 0,
      accuracy: n > 0 ? hits[k]! / n : 0,
    };
  });
}

/** The norm of the calibration error over bins: mean absolute gap, root-mean-square gap, largest gap. */
export type Norm = 'l1' | 'l2' | 'max';

/**
 * The calibration error of a bins table in a norm:
 *   l1 = Σ_b (n_b/N)·|acc_b − conf_b|,  l2 = √(Σ_b (n_b/N)·(acc_b − conf_b)²),
 *   max = max_b |acc_b − conf_b| over non-empty bins.
 * `debiased` (l2 only; Kumar et al. 2019, "Verified uncertainty calibration"):
 * each bin's squared gap less the variance of its accuracy, acc_b(1 − acc_b)/(n_b − 1)
 * (bins of one pair are not corrected), and the root of max(0, sum).
 */
export function binError(bins: readonly CalibrationBin[], norm: Norm, debiased: boolean): number {
  let total = 0;
  for (const b of bins) total += b.count;
  if (total === 0) return 0;
  let s = 0;
  for (const b of bins) {
    if (b.count === 0) continue;
    const gap = Math.abs(b.accuracy - b.confidence);
    if (norm === 'max') s = Math.max(s, gap);
    else if (norm === 'l1') s += (b.count / total) * gap;
    else {
      const bias = debiased && b.count > 1 ? (b.accuracy * (1 - b.accuracy)) / (b.count - 1) : 0;
      s += (b.count / total) * (gap * gap - bias);
    }
  }
  return norm === 'l2' ? Math.sqrt(Math.max(0, s)) : s;
}
