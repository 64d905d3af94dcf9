import { describe, expect, it } from 'vitest';
import { expScaleRows, splitStateRows } from '../../../src/kernels/js/logit-tiles.js';
import { D, dec } from '../../helpers/reference.js';

/** Rows of 7: mixed, one dominant entry (u ≈ 1e−17), tied maxima, a −∞ mask. */
const ROWS = [
  [0.5, -1, 1.5, 0, -2, 1, -0.5],
  [0.5, -1, 40, 0, -2, 1, -0.5],
  [3, 3, -1, 0, 3, -40, 2.75],
  [-Infinity, 2, 1, -Infinity, 0.25, -3, 1.5],
];

describe('logit-tile kernels (JS reference): against 60 digits', () => {
  it('splitStateRows: the max and u = Σ e^(x − m) − 1 to full relative accuracy', () => {
    const x = Float64Array.from(ROWS.flat());
    const m = new Float64Array(4);
    const u = new Float64Array(4);
    splitStateRows({ x, rows: 4, n: 7, m, u });
    ROWS.forEach((row, r) => {
      const mx = Math.max(...row);
      expect(m[r]).toBe(mx);
      let want = new D(-1);
      for (const v of row) if (v !== -Infinity) want = want.plus(D.exp(dec(v).minus(mx)));
      expect(new D(u[r]!).minus(want).abs().div(want).toNumber(), `row ${r}`).toBeLessThan(1e-15);
    });
  });

  it('splitStateRows: u = NaN where the max is not finite; m is that max', () => {
    const x = Float64Array.of(...[-Infinity, -Infinity], ...[1, Infinity], ...[Number.NaN, 2]);
    const m = new Float64Array(3);
    const u = new Float64Array(3);
    splitStateRows({ x, rows: 3, n: 2, m, u });
    expect(Array.from(m)).toEqual([-Infinity, Infinity, Number.NaN]);
    expect(Array.from(u).every(Number.isNaN)).toBe(true);
  });

  it('expScaleRows: e^(x − m_r)·f_r with x − m exact (also in place)', () => {
    const x = Float64Array.from(ROWS.flat());
    const m = Float64Array.of(1.5, 40, 3, 2);
    const f = Float64Array.of(1, 0.5, 3, 1e-3);
    const y = new Float64Array(x.length);
    expScaleRows({ x, y, rows: 4, n: 7, m, f });
    for (let i = 0; i < x.length; i++) {
      const r = Math.floor(i / 7);
      if (x[i] === -Infinity) {
        expect(y[i]).toBe(0);
        continue;
      }
      const want = D.exp(dec(x[i]!).minus(m[r]!)).times(f[r]!);
      expect(new D(y[i]!).minus(want).abs().div(want).toNumber(), `entry ${i}`).toBeLessThan(4e-16);
    }
    expScaleRows({ x, y: x, rows: 4, n: 7, m, f });
    expect(Array.from(x)).toEqual(Array.from(y));
  });
});
