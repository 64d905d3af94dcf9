/**
 * Logit soft-capping c·tanh(x/c) and its slope sech²(x/c) against 60-digit
 * references (decimal.js), from tiny to huge |x|/c, and its limits.
 */
import { describe, expect, it } from 'vitest';
import { softcapRows, softcapSlope, softcapValue } from '../../src/losses/softcap.js';
import { D, dec, relError } from '../helpers/reference.js';

const refValue = (x: number, c: number) => dec(c).times(D.tanh(dec(x).div(dec(c))));
const refSlope = (x: number, c: number) => {
  const ch = D.cosh(dec(x).div(dec(c)));
  return new D(1).div(ch.times(ch));
};

const CASES: [number, number][] = [
  [1e-300, 30],
  [1e-9, 30],
  [-0.5, 30],
  [3, 30],
  [-100, 30],
  [40, 1],
  [1e-3, 1e-6],
  [700, 50],
];

describe('softcapValue and softcapSlope', () => {
  it('match c·tanh(x/c) and sech²(x/c) to a few ulp (the slope within its condition 2u)', () => {
    for (const [x, c] of CASES) {
      expect(relError(softcapValue(x, c), refValue(x, c))).toBeLessThan(4e-16);
      // sech²(u)'s relative condition number is 2u·tanh u: x/c's rounding alone costs that
      const u = Math.abs(x / c);
      const s = refSlope(x, c);
      if (s.gt(1e-300))
        expect(relError(softcapSlope(x, c), s)).toBeLessThan((2 * u + 4) * 2 ** -52);
    }
  });
  it('is odd, keeps ±0 and NaN, and caps ±∞ at ±c with slope 0', () => {
    expect(softcapValue(-2, 5)).toBe(-softcapValue(2, 5));
    expect(Object.is(softcapValue(-0, 5), -0)).toBe(true);
    expect(softcapValue(Infinity, 5)).toBe(5);
    expect(softcapValue(-Infinity, 5)).toBe(-5);
    expect(softcapSlope(Infinity, 5)).toBe(0);
    expect(softcapSlope(0, 5)).toBe(1);
    expect(softcapValue(Number.NaN, 5)).toBeNaN();
  });
  it('softcapRows caps the first `length` entries into a double row', () => {
    const dst = new Float64Array(3).fill(7);
    softcapRows(new Float32Array([1, -50, 9]), dst, 2, 10);
    expect(dst[0]).toBe(softcapValue(1, 10));
    expect(dst[1]).toBe(softcapValue(-50, 10));
    expect(dst[2]).toBe(7);
  });
});
