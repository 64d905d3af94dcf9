import { describe, expect, it } from 'vitest';
import { fillPolicyRow, newRowScan, scanRow } from '../../../src/kernels/js/row-policy.js';

const inf = Number.POSITIVE_INFINITY;

describe('scanRow', () => {
  it('classifies a row by its NaN, its +∞, its mask, else finite, reading only [o, o + n)', () => {
    const s = newRowScan();
    // neighbours outside the row are NaN / +∞: they must not leak in
    const x = new Float64Array([Number.NaN, 3, -1, 7, -inf, inf]);
    expect(scanRow(x, 1, 4, s)).toBe('finite');
    expect(s).toEqual({ kind: 'finite', max: 7, posInf: 0 });
    expect(scanRow(new Float64Array([inf, -inf, -inf, inf]), 1, 2, s)).toBe('masked');
    expect(s).toEqual({ kind: 'masked', max: -inf, posInf: 0 });
  });
  it('counts the +∞ entries; NaN wins over +∞ wherever it sits', () => {
    const s = newRowScan();
    expect(scanRow(new Float64Array([inf, 1, inf, -inf]), 0, 4, s)).toBe('posInf');
    expect([s.max, s.posInf]).toEqual([inf, 2]);
    expect(scanRow(new Float64Array([inf, Number.NaN]), 0, 2, s)).toBe('nan');
    expect(scanRow(new Float64Array([Number.NaN, inf]), 0, 2, s)).toBe('nan');
    expect(scanRow(new Float64Array([Number.NaN, 5, 2]), 0, 3, s)).toBe('nan');
    expect(s.max).toBe(5); // the max ignores NaN
    expect(scanRow(new Float32Array([-2, Number.NaN]), 0, 2, s)).toBe('nan');
    expect(s.max).toBe(-2);
  });
  it('a new scan record starts empty', () => {
    expect(newRowScan()).toEqual({ kind: 'finite', max: -inf, posInf: 0 });
  });
});

describe('fillPolicyRow', () => {
  const run = (x: number[], mode: 'mass' | 'log' | 'gradient') => {
    const xs = new Float64Array([0, ...x]);
    const s = newRowScan();
    scanRow(xs, 1, x.length, s);
    // padding on both sides, longer after the row than the row itself
    const y = new Float64Array(x.length + 1 + 4).fill(42);
    fillPolicyRow(xs, 1, x.length, s, y, 1, mode);
    return Array.from(y.subarray(0, x.length + 2));
  };
  it('NaN rows are NaN in every mode, and nothing outside [yo, yo + n) is written', () => {
    for (const mode of ['mass', 'log', 'gradient'] as const)
      expect(run([1, Number.NaN], mode)).toEqual([42, Number.NaN, Number.NaN, 42]);
  });
  it('a fully masked row gives zeros, forward and gradient', () => {
    for (const mode of ['mass', 'log', 'gradient'] as const)
      expect(run([-inf, -inf], mode)).toEqual([42, 0, 0, 42]);
  });
  it('+∞ entries share mass 1 (log −log c); the gradient is 0', () => {
    expect(run([inf, 1, inf, -inf], 'mass')).toEqual([42, 0.5, 0, 0.5, 0, 42]);
    expect(run([inf, 1, inf, inf], 'mass')).toEqual([42, 1 / 3, 0, 1 / 3, 1 / 3, 42]);
    expect(run([inf, 1, inf, -inf], 'log')).toEqual([
      42,
      -Math.log(2),
      -inf,
      -Math.log(2),
      -inf,
      42,
    ]);
    expect(run([2, inf], 'log')).toEqual([42, -inf, -0, 42]);
    expect(run([inf, 1, inf], 'gradient')).toEqual([42, 0, 0, 0, 42]);
  });
});
