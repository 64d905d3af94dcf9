/**
 * The filters' shared row plumbing, driven by its own cut (keep the candidates at or
 * above a bound): kept entries bit for bit, removed ones −∞, along any axis; NaN
 * rows as given, masked rows −∞, a +∞ logit an INVALID_INPUT naming its row.
 */
import { describe, expect, it } from 'vitest';
import { keepWhere } from '../../src/kernels/sampling-candidates.js';
import { filterRows, positiveInfinity } from '../../src/sampling/filter-rows.js';
import { FILTER_ROW_RULES } from '../../src/sampling/options.js';
import { numberRule } from '../../src/tensor/options.js';
import { errorCode } from '../losses/class-loss-checks.js';

const RULES = { ...FILTER_ROW_RULES, bound: numberRule({ default: 0 }) } as const;
const atLeast = (x: ArrayLike<number>, options?: object) =>
  filterRows('f', x as number[], options, RULES, (c, o) => keepWhere(c, c.val, o.bound, Infinity));

describe('filterRows', () => {
  it('keeps what the cut keeps, bit for bit, and masks the rest', () => {
    const x = new Float32Array([0.1, -2, 3.3, -0.5]);
    const y = atLeast(x);
    expect(y).toBeInstanceOf(Float32Array);
    expect(Array.from(y)).toEqual([x[0], -Infinity, x[2], -Infinity]);
    expect(Array.from(atLeast([1, 2, 3], { bound: 2 }))).toEqual([-Infinity, 2, 3]);
  });
  it('works along a non-last axis', () => {
    // shape [2, 2], axis 0: columns (1, −1) and (−2, 4)
    expect(Array.from(atLeast([1, -2, -1, 4], { shape: [2, 2], axis: 0 }))).toEqual([
      1,
      -Infinity,
      -Infinity,
      4,
    ]);
  });
  it('returns NaN rows as given, keeps masked rows −∞, rejects +∞', () => {
    const y = atLeast([Number.NaN, -3, -Infinity, -Infinity], { shape: [2, 2] });
    expect(Array.from(y)).toEqual([Number.NaN, -3, -Infinity, -Infinity]);
    expect(() => atLeast([1, 2, 3, Infinity], { shape: [2, 2] })).toThrow(
      /f: expected logits in row 1 to be finite or -Infinity, got Infinity at index 1/,
    );
    expect(positiveInfinity('g', 0, 2).code).toBe('INVALID_INPUT');
    expect(errorCode(() => atLeast([1], { bond: 1 }))).toBe('INVALID_PARAMETER');
  });
});
