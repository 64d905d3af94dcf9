/**
 * The passes of temperature scaling (src/calibration/temperature.ts) over
 * contiguous rows of logits with one class label per row (−1 = ignored).
 *
 * With u_j = x_j − m (m the row max, u ≤ 0) and g = m − x_label ≥ 0, the row's
 * NLL at inverse temperature β = 1/T is
 *   ℓ(β) = log Σ_j e^(β·u_j) + β·g                  (both terms ≥ 0)
 *   ℓ′(β) = E_p[u] + g,   ℓ″(β) = Var_p(u) ≥ 0      (p = softmax(β·x))
 * so one pass gives value, slope and curvature (ℓ is convex in β). The max is
 * found once ({@link temperatureRowStats}); every later pass is one exp per entry.
 * The mass at the max is kept apart (log Σ = log1p(c − 1 + rest)), so a
 * confident row's tiny NLL keeps its relative accuracy.
 */
import type { FloatArray } from '../../tensor/types.js';
import { addCompensated, type CompensatedSum } from './exact.js';

/** Per-row constants of a fit: max, gap g, ties at the max, finite entries, their mean u. */
export interface TemperatureRowStats {
  readonly max: Float64Array;
  readonly gap: Float64Array;
  /** Σ_rows (mean of the row's finite u + g) = N·ℓ′(0⁺), Neumaier-summed. */
  readonly slopeAtZero: number;
  /** Σ_rows g (0 exactly when every label is a row maximum). */
  readonly gapSum: number;
  /** Σ_rows log(ties at the max): N times the NLL as T → 0 when gapSum = 0. */
  readonly logTiesSum: number;
  /** Σ_rows log(finite entries): N times the NLL as T → ∞. */
  readonly logFiniteSum: number;
  /** Labelled rows. */
  readonly count: number;
}

/**
 * One pass: the row constants. Returns the index of the first labelled row that
 * cannot be fitted (NaN or +∞ in it, or its label's logit −∞) as `bad`, else −1.
 */
export function temperatureRowStats(
  x: FloatArray,
  rows: number,
  n: number,
  labels: Int32Array,
): { stats: TemperatureRowStats; bad: number } {
  const max = new Float64Array(rows);
  const gap = new Float64Array(rows);
  const slope: CompensatedSum = { sum: 0, comp: 0 };
  const gaps: CompensatedSum = { sum: 0, comp: 0 };
  let logTies = 0;
  let logFinite = 0;
  let count = 0;
  let bad = -1;
  for (let r = 0; r < rows; r++) {
    const t = labels[r]!;
    if (t < 0) continue;
    const o = r * n;
    let m = -Infinity;
    let ok = true;
    for (let i = o; i < o + n; i++) {
      const v = x[i]!;
      if (v > m) m = v;
      else if (!(v <= m)) ok = false; // NaN
    }
    const xt = x[o + t]!;
    if (!ok || m === Infinity || xt === -Infinity) {
      if (bad < 0) bad = r;
      continue;
    }
    let ties = 0;
    let finite = 0;
    let sumU = 0;
    for (let i = o; i < o + n; i++) {
      const u = x[i]! - m;
      if (u === -Infinity) continue;
      finite++;
      sumU += u;
      if (u === 0) ties++;
    }
    max[r] = m;
    gap[r] = m - xt;
    addCompensated(slope, sumU / finite + (m - xt));
    addCompensated(gaps, m - xt);
    logTies += Math.log(ties);
    logFinite += Math.log(finite);
    count++;
  }
  return {
    stats: {
      max,
      gap,
      slopeAtZero: slope.sum + slope.comp,
      gapSum: gaps.sum + gaps.comp,
      logTiesSum: logTies,
      logFiniteSum: logFinite,
      count,
    },
    bad,
  };
}

/** Σ over labelled rows of ℓ, ℓ′, ℓ″ and |E_p u| + g (the slope's scale), at β. */
export interface TemperatureSums {
  nll: number;
  slope: number;
  curvature: number;
  scale: number;
}

/** One fused pass at β: the sums of {@link TemperatureSums} (Neumaier over rows). */
export function temperatureSums(
  x: FloatArray,
  rows: number,
  n: number,
  labels: Int32Array,
  stats: TemperatureRowStats,
  beta: number,
): TemperatureSums {
  const nll: CompensatedSum = { sum: 0, comp: 0 };
  const slope: CompensatedSum = { sum: 0, comp: 0 };
  const curv: CompensatedSum = { sum: 0, comp: 0 };
  let scale = 0;
  const { max, gap } = stats;
  for (let r = 0; r < rows; r++) {
    if (labels[r]! < 0) continue;
    const o = r * n;
    const m = max[r]!;
    let ties = 0;
    let rest = 0;
    let s1 = 0;
    let s2 = 0;
    for (let i = o; i < o + n; i++) {
      const u = x[i]! - m;
      if (u === 0) {
        ties++;
        continue;
      }
      const e = Math.exp(beta * u);
      if (e === 0) continue; // −∞ (masked) or underflow: no mass, and no 0·∞
      rest += e;
      const eu = e * u;
      s1 += eu;
      s2 += eu * u;
    }
    const d = ties + rest;
    const mean = s1 / d;
    const g = gap[r]!;
    addCompensated(nll, Math.log1p(ties - 1 + rest) + beta * g);
    addCompensated(slope, mean + g);
    addCompensated(curv, Math.max(0, s2 / d - mean * mean));
    scale += g - mean;
  }
  return {
    nll: nll.sum + nll.comp,
    slope: slope.sum + slope.comp,
    curvature: curv.sum + curv.comp,
    scale,
  };
}
