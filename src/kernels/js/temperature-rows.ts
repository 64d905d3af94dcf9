/**
 * The passes of temperature scaling (src/calibration/temperature.ts) over
 * contiguous rows of logits with one class label per row (−1 = ignored).
 *
 * With u_j = x_j − m (m the row max, u ≤ 0) and g = m − x_label ≥ 0, the row's
 * NLL at inverse temperature β = 1/T is
 *   ℓ(β) = log Σ_j e^(β·u_j) + β·g                  (both terms ≥ 0)
 *   ℓ′(β) = E_p[u] + g,   ℓ″(β) = Var_p(u) ≥ 0,   ℓ‴(β) = E_p[(u − E_p u)³]
 * (p = softmax(β·x)), so one pass gives value, slope, curvature and the third
 * derivative (ℓ is convex in β). The max is found once, in a pass that also gives
 * the sums at β = 1 ({@link temperatureStatsOf}); every later pass is one exp per entry.
 * The mass at the max is kept apart (log Σ = log1p(c − 1 + rest)), so a
 * confident row's tiny NLL keeps its relative accuracy. Each pass is split in two:
 * per-row values (the part a backend may run: temperatureStatsRows,
 * temperaturePassRows) and their combination over rows here.
 */
import type { FloatArray } from '../../tensor/types.js';
import { addCompensated, type CompensatedSum } from './exact.js';

/** Per-row constants of a fit: max, gap g, ties at the max, finite entries, their mean u, range. */
export interface TemperatureRowStats {
  readonly max: Float64Array;
  readonly gap: Float64Array;
  /** Σ_rows (mean of the row's finite u + g) = N·ℓ′(0⁺), Neumaier-summed. */
  readonly slopeAtZero: number;
  /** Σ_rows Var(u) over the finite entries = N·ℓ″(0⁺) (plain sums: a step's guide only). */
  readonly curvatureAtZero: number;
  /** Σ_rows g (0 exactly when every label is a row maximum). */
  readonly gapSum: number;
  /** Σ_rows log(ties at the max): N times the NLL as T → 0 when gapSum = 0. */
  readonly logTiesSum: number;
  /** Σ_rows log(finite entries): N times the NLL as T → ∞. */
  readonly logFiniteSum: number;
  /** Labelled rows. */
  readonly count: number;
  /**
   * The largest m − min x over the finite entries of labelled rows, R: every |u − E_p u|
   * ≤ R, which bounds the derivatives of ℓ beyond those a pass gives (|ℓ⁗| ≤ R²·ℓ″).
   */
  readonly range: number;
}

/**
 * The row constants' pass (the backends' `temperatureStats`): per labelled row r,
 * out[11r .. 11r + 6) = its max m, the entries equal to m, the entries above −∞, and
 * Σ u, Σ u², min u over those (u = x − m), then out[11r + 6 .. 11r + 11) the row's sums
 * of a fused pass at β = 1 ({@link TemperaturePassArgs}: the row is read from memory
 * once, its later reads hit the cache); only m where m is not finite (NaN in the row,
 * +∞, or fully masked); zeros where labels[r] < 0.
 */
export interface TemperatureStatsArgs {
  readonly x: FloatArray;
  readonly rows: number;
  readonly n: number;
  readonly labels: Int32Array;
  /** The sums at β = 1 may take single-precision exps (as {@link TemperaturePassArgs}' `fast`). */
  readonly fast: boolean;
  /** STATS·rows doubles, written. */
  readonly out: Float64Array;
}

/** Where a row's sums at β = 1 start in the row constants' pass, and its doubles per row. */
export const FIRST = 6;
export const STATS = FIRST + 5;

/** The JavaScript reference of {@link TemperatureStatsArgs}' pass. */
export function temperatureStatsRows(a: TemperatureStatsArgs): void {
  const { x, n, labels, out } = a;
  out.fill(0, 0, STATS * a.rows);
  for (let r = 0; r < a.rows; r++) {
    if (labels[r]! < 0) continue;
    const o = r * n;
    let m = -Infinity;
    for (let i = o; i < o + n; i++) {
      const v = x[i]!;
      if (v > m) m = v;
      else if (!(v <= m)) m = Number.NaN; // NaN: stays NaN (no v > NaN)
    }
    const at = STATS * r;
    out[at] = m;
    if (!Number.isFinite(m)) continue;
    let ties = 0;
    let finite = 0;
    let sumU = 0;
    let sumU2 = 0;
    let minU = 0;
    for (let i = o; i < o + n; i++) {
      const u = x[i]! - m;
      if (u === -Infinity) continue;
      finite++;
      sumU += u;
      sumU2 += u * u;
      if (u === 0) ties++;
      else if (u < minU) minU = u;
    }
    out[at + 1] = ties;
    out[at + 2] = finite;
    out[at + 3] = sumU;
    out[at + 4] = sumU2;
    out[at + 5] = minU;
    rowSums(x, o, n, m, 1, out, at + FIRST);
  }
}

/**
 * The row constants from a stats pass's per-row values. Returns the index of the
 * first labelled row that cannot be fitted (NaN or +∞ in it, or its label's logit
 * −∞) as `bad`, else −1.
 */
export function temperatureStatsOf(
  x: FloatArray,
  n: number,
  labels: Int32Array,
  out: Float64Array,
): { stats: TemperatureRowStats; bad: number } {
  const rows = labels.length;
  const max = new Float64Array(rows);
  const gap = new Float64Array(rows);
  const slope: CompensatedSum = { sum: 0, comp: 0 };
  const gaps: CompensatedSum = { sum: 0, comp: 0 };
  let curvature = 0;
  let logTies = 0;
  let logFinite = 0;
  let count = 0;
  let range = 0;
  let bad = -1;
  for (let r = 0; r < rows; r++) {
    const t = labels[r]!;
    if (t < 0) continue;
    const at = STATS * r;
    const m = out[at]!;
    const xt = x[r * n + t]!;
    if (Number.isNaN(m) || m === Infinity || xt === -Infinity) {
      if (bad < 0) bad = r;
      continue;
    }
    const finite = out[at + 2]!;
    const mean = out[at + 3]! / finite;
    max[r] = m;
    gap[r] = m - xt;
    addCompensated(slope, mean + (m - xt));
    addCompensated(gaps, m - xt);
    curvature += Math.max(0, out[at + 4]! / finite - mean * mean);
    logTies += Math.log(out[at + 1]!);
    logFinite += Math.log(finite);
    range = Math.max(range, -out[at + 5]!);
    count++;
  }
  return {
    stats: {
      max,
      gap,
      slopeAtZero: slope.sum + slope.comp,
      curvatureAtZero: curvature,
      gapSum: gaps.sum + gaps.comp,
      logTiesSum: logTies,
      logFiniteSum: logFinite,
      count,
      range,
    },
    bad,
  };
}

/** Σ over labelled rows of ℓ, ℓ′, ℓ″, ℓ‴ and |E_p u| + g (the slope's scale), at β. */
export interface TemperatureSums {
  nll: number;
  slope: number;
  curvature: number;
  third: number;
  scale: number;
}

/** Doubles per row of a fused pass. */
export const PASS = 5;

/**
 * One fused pass at β over contiguous rows (the backends' `temperaturePass`): per
 * labelled row r, with u = x − max[r], out[5r .. 5r + 5) = ties (#{u = 0}),
 * rest = Σ_{u<0} e^(β·u), s1 = Σ_{u<0} e^(β·u)·u, s2 = Σ_{u<0} e^(β·u)·u²,
 * s3 = Σ_{u<0} e^(β·u)·u³; zeros where labels[r] < 0. Terms with e^(β·u) = 0 (a −∞ entry, or underflow) add nothing.
 */
export interface TemperaturePassArgs {
  readonly x: FloatArray;
  readonly rows: number;
  readonly n: number;
  readonly labels: Int32Array;
  /** The row maxima of {@link temperatureStatsOf}. */
  readonly max: Float64Array;
  readonly beta: number;
  /**
   * Float32 logits: e^(β·u) may be rounded to single precision (≤ 2^−23 relative per
   * term), for the passes far from the optimum. The reference ignores it.
   */
  readonly fast: boolean;
  /** PASS·rows doubles, written. */
  readonly out: Float64Array;
}

/** The JavaScript reference of {@link TemperaturePassArgs}' pass (plain double sums). */
export function temperaturePassRows(a: TemperaturePassArgs): void {
  const { x, n, labels, max, beta, out } = a;
  out.fill(0, 0, PASS * a.rows);
  for (let r = 0; r < a.rows; r++)
    if (labels[r]! >= 0) rowSums(x, r * n, n, max[r]!, beta, out, PASS * r);
}

/** One row's PASS sums (the row x[o .. o + n) with max m) at β into out[at .. at + PASS). */
function rowSums(
  x: FloatArray,
  o: number,
  n: number,
  m: number,
  beta: number,
  out: Float64Array,
  at: number,
): void {
  let ties = 0;
  let rest = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
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
    const eu2 = eu * u;
    s1 += eu;
    s2 += eu2;
    s3 += eu2 * u;
  }
  out[at] = ties;
  out[at + 1] = rest;
  out[at + 2] = s1;
  out[at + 3] = s2;
  out[at + 4] = s3;
}

/**
 * The sums of {@link TemperatureSums} at β from a pass's per-row sums, row r's at
 * out[stride·r + from ..] (the row constants' pass holds those at β = 1: stride STATS,
 * from FIRST), Neumaier-summed over rows: ℓ = log1p(ties − 1 + rest) + β·g (the mass at the max kept apart), ℓ′ = μ + g,
 * ℓ″ = max(0, s2/d − μ²), ℓ‴ = s3/d − 3μ·s2/d + 2μ³ with d = ties + rest, μ = s1/d.
 */
export function temperatureSumsOf(
  out: Float64Array,
  labels: Int32Array,
  stats: TemperatureRowStats,
  beta: number,
  stride = PASS,
  from = 0,
): TemperatureSums {
  const nll: CompensatedSum = { sum: 0, comp: 0 };
  const slope: CompensatedSum = { sum: 0, comp: 0 };
  const curv: CompensatedSum = { sum: 0, comp: 0 };
  let third = 0;
  let scale = 0;
  const { gap } = stats;
  for (let r = 0; r < labels.length; r++) {
    if (labels[r]! < 0) continue;
    const at = stride * r + from;
    const ties = out[at]!;
    const rest = out[at + 1]!;
    const d = ties + rest;
    const mean = out[at + 2]! / d;
    const second = out[at + 3]! / d;
    const g = gap[r]!;
    addCompensated(nll, Math.log1p(ties - 1 + rest) + beta * g);
    addCompensated(slope, mean + g);
    addCompensated(curv, Math.max(0, second - mean * mean));
    third += out[at + 4]! / d - mean * (3 * second - 2 * mean * mean);
    scale += g - mean;
  }
  return {
    nll: nll.sum + nll.comp,
    slope: slope.sum + slope.comp,
    curvature: curv.sum + curv.comp,
    third,
    scale,
  };
}
