import { describe, expect, it } from 'vitest';
import { quickstart } from '../examples/quickstart.js';

describe('README examples run and say what the README says', () => {
  it('quickstart', () => {
    const r = quickstart() as Record<string, Float64Array & Float32Array & number & string>;
    expect(Array.from(r.p, (v) => +v.toFixed(4))).toEqual([0.09, 0.2447, 0.6652]);
    expect(r.q).toBeInstanceOf(Float32Array);
    expect(Array.from(r.masked)).toEqual([0.5, 0, 0.5, 0, 0, 0]);
    expect(r.lp[0]).toBeCloseTo(-4.248354255291589e-18, 30);
    expect(r.lse).toBeCloseTo(r.lseDirect, 14);
    expect(r.code).toBe('SHAPE_MISMATCH');
  });
});
