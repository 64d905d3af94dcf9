/**
 * Error-free building blocks shared by the JavaScript kernels.
 *
 * - `expDiff(a, m)` = e^(a − m) with the subtraction carried exactly: TwoSum
 *   (Knuth) splits a − m = h + l with h = fl(a − m), and e^(h + l) = e^h·(1 + l)
 *   to within 2^−106. So the only rounding is Math.exp's own (< 1 ulp in V8's
 *   fdlibm port) instead of |a − m|·2^−53 from a rounded difference.
 * - Neumaier summation (Kahan–Babuška) keeps a running compensation, so a sum of
 *   n positive terms is accurate to ~2 ulp independent of n.
 */

/**
 * e^(a − m) with a − m taken exactly. −∞ − m gives 0; NaN gives NaN.
 * Requires m finite.
 */
export function expDiff(a: number, m: number): number {
  const h = a - m;
  const t = h - a;
  const l = a - (h - t) + (-m - t);
  const e = Math.exp(h);
  return !Number.isNaN(l) ? e + e * l : e; // l is NaN only when a − m is ±∞ or NaN
}

/**
 * e^(s·(a − m)) for a scale s > 0 (s = 1/temperature). The difference is exact
 * as in {@link expDiff}; the product adds one rounding of s·h.
 */
export function expScaledDiff(a: number, m: number, s: number): number {
  const h = a - m;
  const t = h - a;
  const l = a - (h - t) + (-m - t);
  const e = Math.exp(h * s);
  return !Number.isNaN(l) ? e + e * (l * s) : e;
}

/** s·(a − m) with a − m exact (the scaled log-domain difference). */
export function scaledDiff(a: number, m: number, s: number): number {
  const h = a - m;
  const t = h - a;
  const l = a - (h - t) + (-m - t);
  return !Number.isNaN(l) ? h * s + l * s : h * s;
}

/** A Neumaier (Kahan–Babuška) accumulator: value = sum + comp. */
export interface CompensatedSum {
  sum: number;
  comp: number;
}

/** Add v to the accumulator in place. */
export function addCompensated(acc: CompensatedSum, v: number): void {
  const s = acc.sum;
  const t = s + v;
  acc.comp += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
  acc.sum = t;
}

/**
 * log(d) for a sum d = sum + comp ≥ 1 whose largest term is 1 (the max's own
 * e^0): through log1p when d < 2 so that log-probabilities near 0 keep their
 * relative accuracy (log(1 + 1e-18) is 1e-18, not 0).
 */
export function logOfSum(sum: number, comp: number): number {
  return sum < 2 ? Math.log1p(sum - 1 + comp) : Math.log(sum + comp);
}
