/**
 * The standard normal's tails Φ(z) and 1 − Φ(z), each without cancellation, and
 * its density φ. erfc on the side where it is small: for x < 3 the
 * positive-term series erf x = (2/√π)·e^{−x²}·Σ 2^k x^{2k+1}/(2k+1)!!, beyond it
 * Lentz's continued fraction erfc x = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + …))).
 * Error against a 60-digit reference (test/kernels/js/normal-tail.test.ts):
 * ≤ 2^−51 absolute everywhere; relative ≤ 1e-13 for z < 3 and ≤ 2e-11 in the
 * upper tail, worst just below z = 3√2 where the series' 1 − erf cancels.
 */

const SQRT1_2 = Math.SQRT1_2;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** erfc(x) for x ≥ 0: series below 3, continued fraction above. */
function erfcPositive(x: number): number {
  if (x < 3) {
    // erf x = (2/√π) e^{−x²} Σ_k 2^k x^{2k+1} / (1·3·…·(2k+1)): positive terms.
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let k = 1; term > sum * 1e-17; k++) {
      term *= (2 * x2) / (2 * k + 1);
      sum += term;
    }
    return 1 - TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  // erfc x = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), Lentz's method.
  // Every partial numerator k/2 and denominator x ≥ 3 is positive, so D = 1/(x + a·D)
  // and C = x + a/C stay positive (C ≥ x, D ≤ 1/x): Lentz's guards against a zero
  // denominator are not needed.
  let f = x;
  let C = x;
  let D = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    D = 1 / (x + a * D);
    C = x + a / C;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/** The upper tail 1 − Φ(z) of the standard normal (Φ(z) = upperTail(−z)), without cancellation. */
export function upperTail(z: number): number {
  if (z === Infinity || z === -Infinity) return z > 0 ? 0 : 1;
  return z >= 0 ? 0.5 * erfcPositive(z * SQRT1_2) : 1 - 0.5 * erfcPositive(-z * SQRT1_2);
}

/** The standard normal density φ(z) = e^(−z²/2) / √(2π). */
export function normalDensity(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}
