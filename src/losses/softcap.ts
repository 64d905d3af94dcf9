/**
 * Logit soft-capping (Gemma 2; Bello et al. 2016, arXiv:1611.09940):
 * cap(x) = c·tanh(x / c), with cap′(x) = 1 − tanh²(x / c) = sech²(x / c).
 *
 * Stability: with u = |x|/c, tanh u = −e / (2 + e) from e = expm1(−2u) ∈ (−1, 0]
 * (no 1 − e^(−2u) cancellation for tiny u), and sech² u = 4E / (1 + E)² from
 * E = e^(−2u) itself (1 + expm1(−2u) would cancel for large u: at u = 14 it kept
 * 4 digits). Both to a few ulp beyond the rounding of x/c (sech²'s condition number
 * is 2u·tanh u); for huge u sech² underflows to 0 and tanh goes to ±1.
 * cap(±∞) = ±c with derivative 0; NaN stays NaN.
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

/** d/dx c·tanh(x / c) = sech²(x / c) = 4E/(1 + E)², E = e^(−2|x|/c). */
export function softcapSlope(x: number, c: number): number {
  const E = Math.exp((-2 * Math.abs(x)) / c);
  const q = 1 + E;
  return (4 * E) / (q * q);
}

/** dst[i] = c·tanh(src[i] / c) for i < length (dst in double). */
export function softcapRows(src: ArrayLike<number>, dst: Float64Array, length: number, c: number) {
  for (let i = 0; i < length; i++) dst[i] = softcapValue(src[i]!, c);
}
