import { describe, expect, it } from 'vitest';
import { normalDensity, upperTail } from '../../../src/kernels/js/normal-tail.js';
import { D, type Dec, dec } from '../../helpers/reference.js';

/** 1 − Φ(z) in 60 digits: erf by its Maclaurin series (alternating, exact enough at 60 digits for |z| ≤ 8). */
function refUpperTail(z: number): Dec {
  const x = dec(z).div(D.sqrt(2));
  let term = x;
  let sum = x;
  for (let n = 1; n < 400; n++) {
    term = term.times(x.times(x).neg()).div(n);
    sum = sum.plus(term.div(2 * n + 1));
  }
  const erf = sum.times(2).div(D.sqrt(D.acos(-1)));
  return new D(1).minus(erf).div(2);
}

describe('normal tails without cancellation', () => {
  it('1 − Φ(z) and Φ(z) = 1 − Φ(−z) against a 60-digit series, z in [−8, 8]', () => {
    // worst just below z = 3√2, where the series' 1 − erf cancels: ≤ 2e-11 relative, ≤ 2^−51 absolute
    for (const z of [...Array.from({ length: 44 }, (_, i) => -8 + 0.37 * i), 4, 4.1, 4.2, 4.24]) {
      const want = refUpperTail(z).toNumber();
      const got = upperTail(z);
      expect(Math.abs(got / want - 1)).toBeLessThan(z < 3 ? 1e-13 : 2e-11);
      expect(Math.abs(got - want)).toBeLessThan(2 ** -51);
    }
    expect(upperTail(0)).toBe(0.5);
    expect(upperTail(Infinity)).toBe(0);
    expect(upperTail(-Infinity)).toBe(1);
  });
  it('the density e^(−z²/2)/√(2π)', () => {
    for (const z of [0, 0.5, -1.3, 4]) {
      const want = D.exp(dec(z).times(dec(z)).div(-2)).div(D.sqrt(D.acos(-1).times(2)));
      expect(Math.abs(normalDensity(z) / want.toNumber() - 1)).toBeLessThan(1e-15);
    }
  });
});
