import { describe, expect, it } from 'vitest';
import { entropy } from '../../src/calibration/entropy.js';
import { D, dec } from '../helpers/reference.js';

describe('entropy', () => {
  it('matches closed forms: uniform gives log n, one-hot gives 0', () => {
    for (const n of [1, 2, 7, 1000])
      expect(entropy(new Float64Array(n).fill(1 / n))[0]).toBeCloseTo(Math.log(n), 13);
    expect(entropy([0, 1, 0])[0]).toBe(0);
  });
  it('matches a 60-digit reference, 0·log 0 = 0, any axis', () => {
    const p = [0.1, 0.2, 0, 0.7];
    const ref = p.reduce((s, v) => (v === 0 ? s : s.minus(dec(v).times(D.ln(dec(v))))), new D(0));
    expect(Math.abs(entropy(p)[0]! - ref.toNumber())).toBeLessThan(1e-16);
    const e = entropy([0.5, 1, 0.5, 0], { shape: [2, 2], axis: 0 });
    expect(e[0]).toBeCloseTo(Math.LN2, 15);
    expect(e[1]).toBe(0);
  });
  it('NaN stays in its row', () => {
    const e = entropy([Number.NaN, 1, 0.5, 0.5], { shape: [2, 2] });
    expect(Number.isNaN(e[0]!)).toBe(true);
    expect(e[1]).toBeCloseTo(Math.LN2, 15);
  });
});
