import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { softmax } from '../../src/normalizers/softmax.js';
import { softplusNorm, softplusNormVjp } from '../../src/normalizers/softplus-norm.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { D, type Dec, dec, relError, ulpError } from '../helpers/reference.js';
import { perSlice } from '../helpers/slices.js';

/** log(1 + u) in 60 digits; the series for tiny u, where 1 + u would round to 1. */
function dlog1p(u: Dec): Dec {
  if (u.gte(1e-10)) return D.ln(u.plus(1));
  let sum = new D(0);
  let p = u;
  for (let k = 1; k <= 6; k++, p = p.times(u))
    sum = k % 2 ? sum.plus(p.div(k)) : sum.minus(p.div(k));
  return sum;
}

/** softplus(x) = max(x, 0) + log(1 + e^(−|x|)) in 60 digits (an identity; no overflow). */
function dsoftplus(x: number): Dec {
  if (x === -Infinity) return new D(0);
  const v = dec(x);
  const e = v.abs().gt(1e5) ? new D(0) : D.exp(v.abs().neg());
  return D.max(v, 0).plus(dlog1p(e));
}

function refSoftplusNorm(x: ArrayLike<number>): Dec[] {
  const s = Array.from(x, dsoftplus);
  const S = s.reduce((a, b) => a.plus(b), new D(0));
  return s.map((t) => t.div(S));
}

const code = (c: string) => expect.objectContaining({ code: c });

function maxRel(y: ArrayLike<number>, ref: readonly Dec[], tiny = 2 ** -1022): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++)
    if (ref[i]!.gte(tiny)) worst = Math.max(worst, relError(y[i]!, ref[i]!));
    else expect(Math.abs(y[i]! - ref[i]!.toNumber())).toBeLessThanOrEqual(tiny);
  return worst;
}

describe('softplusNorm accuracy against 60-digit references', () => {
  it('Float64 ≤ 1e-14 relative on rows of many scales (all-negative rows included)', () => {
    for (const [lo, hi, seed] of [
      [-3, 3, 1],
      [-40, 40, 2],
      [-800, -700, 3], // every softplus underflows unscaled
      [-1e4, -9990, 4],
      [-1e300, 1e300, 5],
      [1e305, 8e307, 6], // the sum would overflow unscaled
      [-60, -20, 7],
    ] as const) {
      const x = randomArray(80, seed, lo, hi);
      expect(maxRel(softplusNorm(x), refSoftplusNorm(x))).toBeLessThanOrEqual(1e-14);
    }
  });

  it('Float32 ≤ 4 ulp, up to ±3e38', () => {
    for (const [lo, hi, seed] of [
      [-2, 2, 8],
      [-100, -50, 9],
      [-3e38, 3e38, 10],
      [1e38, 3e38, 11],
    ] as const) {
      const x = Float32Array.from(randomArray(60, seed, lo, hi));
      const y = softplusNorm(x);
      expect(y).toBeInstanceOf(Float32Array);
      const ref = refSoftplusNorm(x);
      for (let i = 0; i < 60; i++)
        if (ref[i]!.gte(2 ** -126)) expect(ulpError(y[i]!, ref[i]!, true)).toBeLessThanOrEqual(4);
    }
  });

  it('tends to softmax far below 0 (softplus(x) ≈ e^x), as the example says', () => {
    const y = softplusNorm([-800, -801]);
    const s = softmax([-800, -801]);
    expect(Math.abs(y[0]! - s[0]!)).toBeLessThan(1e-15);
    expect(Array.from(softplusNorm([0, 0]))).toEqual([0.5, 0.5]);
  });

  it('length-1 rows give 1, even at ±1e308', () => {
    for (const v of [0, 1e308, -1e308, -800]) expect(softplusNorm([v])[0]).toBe(1);
  });
});

describe('softplusNorm properties (fast-check)', () => {
  const row = fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), {
    minLength: 1,
    maxLength: 40,
  });
  it('is a distribution: entries in (0, 1], sums to one', () => {
    fc.assert(
      fc.property(row, (v) => {
        let s = 0;
        for (const t of softplusNorm(v)) {
          expect(t >= 0 && t <= 1).toBe(true);
          s += t;
        }
        expect(Math.abs(s - 1)).toBeLessThan(1e-14);
      }),
    );
  });
  it('is monotone: a larger entry gets a larger weight', () => {
    fc.assert(
      fc.property(row, (v) => {
        const y = softplusNorm(v);
        for (let i = 1; i < v.length; i++) if (v[i]! > v[0]!) expect(y[i]! >= y[0]!).toBe(true);
      }),
    );
  });
  it('is not shift invariant (documented)', () => {
    expect(softplusNorm([1, 2])).not.toEqual(softplusNorm([2, 3]));
  });
});

describe('softplusNormVjp', () => {
  it('agrees with central finite differences in Float64', () => {
    for (const [lo, hi, seed] of [
      [-3, 3, 12],
      [-30, 30, 13],
      [-760, -750, 14], // the scaled path
    ] as const) {
      const x = randomArray(14, seed, lo, hi);
      const dy = randomArray(14, seed + 40);
      const fd = fdVjp((z) => softplusNorm(z), x, dy, 1e-5);
      expect(gradError(softplusNormVjp(x, dy), fd)).toBeLessThan(1e-6);
    }
  });
});

describe('softplusNorm non-finite policy', () => {
  it('−∞ entries get 0 and the rest equals the filtered row', () => {
    const y = softplusNorm([-Infinity, 1, -2, -Infinity]);
    const f = softplusNorm([1, -2]);
    expect(Array.from(y)).toEqual([0, f[0]!, f[1]!, 0]);
    const dx = softplusNormVjp([-Infinity, 1, -2], [9, 1, 2]);
    const df = softplusNormVjp([1, -2], [1, 2]);
    expect(Array.from(dx)).toEqual([0, df[0]!, df[1]!]);
  });
  it('a fully masked row gives zeros and zero gradient; NaN stays in its row', () => {
    const x = [-Infinity, -Infinity, Number.NaN, 1, 0, 1];
    const y = softplusNorm(x, { shape: [3, 2] });
    expect(Array.from(y.subarray(0, 2))).toEqual([0, 0]);
    expect(Number.isNaN(y[2]!) && Number.isNaN(y[3]!)).toBe(true);
    expect(Array.from(y.subarray(4))).toEqual(Array.from(softplusNorm([0, 1])));
    const dx = softplusNormVjp(x, [1, 2, 3, 4, 5, 6], { shape: [3, 2] });
    expect(Array.from(dx.subarray(0, 2))).toEqual([0, 0]);
    expect(Number.isNaN(dx[2]!) && Number.isNaN(dx[3]!)).toBe(true);
    expect(Array.from(dx.subarray(4))).toEqual(Array.from(softplusNormVjp([0, 1], [5, 6])));
  });
  it('+∞ entries share the mass, gradient 0', () => {
    expect(Array.from(softplusNorm([Infinity, 0, Infinity, -Infinity]))).toEqual([0.5, 0, 0.5, 0]);
    expect(Array.from(softplusNormVjp([Infinity, 2], [1, 2]))).toEqual([0, 0]);
  });
});

describe('softplusNorm on any axis', () => {
  const shape = [3, 4, 5];
  const x = randomArray(60, 15);
  const dy = randomArray(60, 16);
  for (const axis of [0, 1, 2, -1]) {
    it(`axis ${axis} equals the per-slice result, forward and vjp`, () => {
      const a = axis < 0 ? axis + 3 : axis;
      expect(softplusNorm(x, { shape, axis })).toEqual(
        perSlice((r) => softplusNorm(r), [x], shape, a),
      );
      expect(softplusNormVjp(x, dy, { shape, axis })).toEqual(
        perSlice((r, g) => softplusNormVjp(r, g!), [x, dy], shape, a),
      );
    });
  }
});

describe('softplusNorm validation and purity', () => {
  it('bad inputs throw with their codes', () => {
    expect(() => softplusNorm([])).toThrow(code('EMPTY_AXIS'));
    expect(() => softplusNormVjp([1, 2], [1])).toThrow(code('SHAPE_MISMATCH'));
    expect(() => softplusNorm([1, 2], { axis: 1 })).toThrow(code('AXIS_OUT_OF_RANGE'));
    expect(() => softplusNorm([1, 2], { shape: [-2] })).toThrow(code('INVALID_SHAPE'));
    expect(() => softplusNorm([1, 2], { backend: 'bogus' as never })).toThrow(
      code('INVALID_PARAMETER'),
    );
  });
  it('does not mutate its inputs', () => {
    const x = Float32Array.from([3, -1, 2]);
    const dy = Float32Array.from([1, 2, 3]);
    softplusNorm(x);
    expect(softplusNormVjp(x, dy)).toBeInstanceOf(Float32Array);
    expect(Array.from(x)).toEqual([3, -1, 2]);
    expect(Array.from(dy)).toEqual([1, 2, 3]);
  });
});
