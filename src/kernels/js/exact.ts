/**
 * Error-free building blocks shared by the JavaScript kernels.
 *
 * - `expDiff(a, m)` = e^(a − m) with the subtraction carried exactly: TwoSum
 *   (Knuth) splits a − m = h + l with h = fl(a − m), and e^(h + l) = e^h·(1 + l)
 *   to within 2^−106. So the only rounding is Math.exp's own (< 1 ulp in V8's
 *   fdlibm port) instead of |a − m|·2^−53 from a rounded difference.
 * - Neumaier summation (Kahan–Babuška) keeps a running compensation, so a sum of
 *   n positive terms is accurate to ~2 ulp independent of n.
 * - `sumExcept` is 1 − p_t for a probability row as Σ_{j≠t} p_j: a sum of
 *   non-negative terms, so it keeps its relative accuracy as p_t → 1, where
 *   1 − p_t itself would cancel (p_t − 1 at a margin of 40 is ~4e-18, below
 *   the ulp of 1).
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
 * e^(s·(a − m)) for a scale s > 0 (s = 1/temperature). The difference and the
 * product are both error-free (TwoSum, TwoProduct), so the only roundings are
 * Math.exp's and the one in s = fl(1/T) itself. A product beyond the double range
 * (s·(a − m) = −∞, e.g. a small temperature on a wide row) gives 0, never 0·NaN.
 */
export function expScaledDiff(a: number, m: number, s: number): number {
  const h = a - m;
  const t = h - a;
  const l = a - (h - t) + (-m - t);
  const z = h * s;
  const e = Math.exp(z);
  return !Number.isNaN(l) && Number.isFinite(z) ? e + e * (productError(h, s, z) + l * s) : e;
}

/**
 * s·(a − m) with a − m and the product error-free, rounded once at the end.
 * When a − m overflows (finite a and m of opposite signs near ±1.8e308) it is
 * taken as 2·s·(a/2 − m/2): the halves are exact there (|a|, |m| > 2^970), so a
 * temperature s < 1 still gets its finite result, and s = 1 rounds to −∞ as it
 * should — never ∞ − ∞ (issue 15).
 */
export function scaledDiff(a: number, m: number, s: number): number {
  const h = a - m;
  const t = h - a;
  const l = a - (h - t) + (-m - t);
  if (Number.isNaN(l) && Number.isFinite(a) && Number.isFinite(m))
    return 2 * scaledDiff(a / 2, m / 2, s);
  if (s === 1) return !Number.isNaN(l) ? h + l : h;
  const z = h * s;
  return !Number.isNaN(l) && Number.isFinite(z) ? z + (productError(h, s, z) + l * s) : z;
}

/**
 * The rounding error of z = fl(a·b): a·b − z exactly (Dekker's TwoProduct with
 * Veltkamp splitting; exact for |a|, |b| ≤ 2^995; 0 beyond, and for non-finite z).
 */
export function productError(a: number, b: number, z: number): number {
  if (!Number.isFinite(z) || Math.abs(a) > 2 ** 995 || Math.abs(b) > 2 ** 995) return 0;
  const SPLIT = 134217729; // 2^27 + 1
  let c = SPLIT * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLIT * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return ah * bh - z + ah * bl + al * bh + al * bl;
}

/** A Neumaier (Kahan–Babuška) accumulator: value = sum + comp. */
export interface CompensatedSum {
  sum: number;
  comp: number;
}

/**
 * The rounding error of t = fl(a + b): a + b − t exactly (Neumaier's branch of
 * Knuth's TwoSum). The one compensation step: {@link addCompensated} and the loops
 * that keep their sum in locals (sum += v; comp += sumError(sum, v, t)) use it.
 */
export function sumError(a: number, b: number, t: number): number {
  return Math.abs(a) >= Math.abs(b) ? a - t + b : b - t + a;
}

/** Add v to the accumulator in place. */
export function addCompensated(acc: CompensatedSum, v: number): void {
  const s = acc.sum;
  const t = s + v;
  acc.comp += sumError(s, v, t);
  acc.sum = t;
}

/** Σ_{j≠skip} a[o + j] over j in [0, n), Neumaier-compensated. */
export function sumExcept(a: ArrayLike<number>, o: number, n: number, skip: number): number {
  const acc: CompensatedSum = { sum: 0, comp: 0 };
  for (let j = 0; j < n; j++) if (j !== skip) addCompensated(acc, a[o + j]!);
  return acc.sum + acc.comp;
}

/**
 * log(d) for a sum d = sum + comp ≥ 1 whose largest term is 1 (the max's own
 * e^0): through log1p when d < 2 so that log-probabilities near 0 keep their
 * relative accuracy (log(1 + 1e-18) is 1e-18, not 0).
 */
export function logOfSum(sum: number, comp: number): number {
  return sum < 2 ? Math.log1p(sum - 1 + comp) : Math.log(sum + comp);
}
