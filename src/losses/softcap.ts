/**
 * Logit soft-capping (Gemma 2; Bello et al. 2016, arXiv:1611.09940):
 * cap(x) = c·tanh(x / c), with cap′(x) = 1 − tanh²(x / c) = sech²(x / c).
 *
 * Stability: both come from one expm1: with u = |x|/c and e = expm1(−2u) ∈ (−1, 0],
 * tanh u = −e / (2 + e) and sech² u = 4(1 + e) / (2 + e)², accurate to a few
 * ulp for tiny u (no 1 − e cancellation) and for huge u (sech² underflows to
 * 0, tanh to ±1). cap(±∞) = ±c with derivative 0; NaN stays NaN.
 *
 * @example
 * softcapValue(100, 30);  // 30·tanh(10/3) ≈ 29.92
 */

/** c·tanh(x / c). */
export function softcapValue(x: number, c: number): number {
  const u = Math.abs(x) / c;
  const e = Math.expm1(-2 * u);
  const t = -e / (2 + e);
  return x < 0 ? -c * t : x > 0 ? c * t : x;
}

/** d/dx c·tanh(x / c) = sech²(x / c). */
export function softcapSlope(x: number, c: number): number {
  const e = Math.expm1((-2 * Math.abs(x)) / c);
  const q = 2 + e;
  return (4 * (1 + e)) / (q * q);
}

/** dst[i] = c·tanh(src[i] / c) for i < length (dst in double). */
export function softcapRows(src: ArrayLike<number>, dst: Float64Array, length: number, c: number) {
  for (let i = 0; i < length; i++) dst[i] = softcapValue(src[i]!, c);
}
