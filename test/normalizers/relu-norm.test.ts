import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reluNorm, reluNormVjp } from '../../src/normalizers/relu-norm.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { D, type Dec, DW, dec, refVjpByDifferences, ulpError } from '../helpers/reference.js';
import { perSlice } from '../helpers/slices.js';

function refReluNorm(x: ArrayLike<number>): Dec[] {
  const r = Array.from(x, (v) => (v > 0 ? dec(v) : new D(0)));
  const S = r.reduce((a, b) => a.plus(b), new D(0));
  return r.map((t) => (S.isZero() ? S : t.div(S)));
}

const code = (c: string) => expect.objectContaining({ code: c });

function maxUlp(y: ArrayLike<number>, ref: readonly Dec[], f32: boolean): number {
  const tiny = f32 ? 2 ** -126 : 2 ** -1022;
  let worst = 0;
  for (let i = 0; i < ref.length; i++)
    if (ref[i]!.isZero()) expect(y[i]).toBe(0);
    else if (ref[i]!.gte(tiny)) worst = Math.max(worst, ulpError(y[i]!, ref[i]!, f32));
  return worst;
}

describe('reluNorm accuracy against 60-digit references', () => {
  it('Float64 ≤ 3 ulp on rows of many scales', () => {
    for (const [lo, hi, seed] of [
      [-3, 3, 1],
      [-1e5, 1e5, 2],
      [-1e-300, 1e-300, 3],
      [1e305, 8e307, 4], // the sum would overflow unscaled
      [-1, 5e-324, 5],
    ] as const) {
      const x = randomArray(100, seed, lo, hi);
      expect(maxUlp(reluNorm(x), refReluNorm(x), false)).toBeLessThanOrEqual(3);
    }
  });
  it('Float32 ≤ 1 ulp, up to 3e38', () => {
    for (const [lo, hi, seed] of [
      [-2, 2, 6],
      [1e38, 3e38, 7],
    ] as const) {
      const x = Float32Array.from(randomArray(100, seed, lo, hi));
      const y = reluNorm(x);
      expect(y).toBeInstanceOf(Float32Array);
      expect(maxUlp(y, refReluNorm(x), true)).toBeLessThanOrEqual(1);
    }
  });
  it('the examples and length-1 rows', () => {
    expect(Array.from(reluNorm([1, -2, 3]))).toEqual([0.25, 0, 0.75]);
    expect(Array.from(reluNorm([-1, -2]))).toEqual([0, 0]);
    expect(Array.from(reluNorm([1e308]))).toEqual([1]);
    expect(Array.from(reluNorm([0]))).toEqual([0]);
  });
});

describe('reluNorm properties (fast-check)', () => {
  const row = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), {
    minLength: 1,
    maxLength: 40,
  });
  it('sums to one when some entry is positive, else is all zeros; zero exactly where x ≤ 0', () => {
    fc.assert(
      fc.property(row, (v) => {
        const y = reluNorm(v);
        let s = 0;
        for (let i = 0; i < v.length; i++) {
          if (v[i]! <= 0) expect(y[i]).toBe(0);
          s += y[i]!;
        }
        if (v.some((t) => t > 0)) expect(Math.abs(s - 1)).toBeLessThan(1e-14);
        else expect(s).toBe(0);
      }),
    );
  });
  it('is scale invariant (power-of-two scales: exact)', () => {
    fc.assert(
      fc.property(row, fc.integer({ min: -60, max: 60 }), (row0, e) => {
        const v = row0.map((t) => (Math.abs(t) < 1e-200 ? 0 : t)); // keep t·2^e exact
        expect(reluNorm(v.map((t) => t * 2 ** e))).toEqual(reluNorm(v));
      }),
    );
  });
  it('is not shift invariant (documented)', () => {
    expect(reluNorm([1, 2])).not.toEqual(reluNorm([2, 3]));
  });
});

describe('reluNormVjp', () => {
  it('agrees with central finite differences in Float64 (away from the kink at 0)', () => {
    for (const seed of [8, 9, 10]) {
      const x = randomArray(16, seed).map((v) => (Math.abs(v) < 0.01 ? v + 0.5 : v));
      const dy = randomArray(16, seed + 40);
      const fd = fdVjp((z) => reluNorm(z), x, dy);
      expect(gradError(reluNormVjp(x, dy), fd)).toBeLessThan(1e-6);
    }
  });
  it('is zero where x ≤ 0 and for rows with no positive entry', () => {
    const dx = reluNormVjp([0, 2, -1, 3], [5, 1, 7, 2]);
    expect(dx[0]).toBe(0);
    expect(dx[2]).toBe(0);
    expect(Array.from(reluNormVjp([-1, 0], [1, 2]))).toEqual([0, 0]);
  });
});

describe('reluNorm non-finite policy', () => {
  it('−∞ entries get 0; fully masked rows zeros; NaN stays in its row', () => {
    const x = [-Infinity, -Infinity, Number.NaN, 1, -Infinity, 2];
    const y = reluNorm(x, { shape: [3, 2] });
    expect(Array.from(y.subarray(0, 2))).toEqual([0, 0]);
    expect(Number.isNaN(y[2]!) && Number.isNaN(y[3]!)).toBe(true);
    expect(Array.from(y.subarray(4))).toEqual([0, 1]);
    const dx = reluNormVjp(x, [1, 2, 3, 4, 5, 6], { shape: [3, 2] });
    expect(Array.from(dx.subarray(0, 2))).toEqual([0, 0]);
    expect(Number.isNaN(dx[2]!) && Number.isNaN(dx[3]!)).toBe(true);
    expect(Array.from(dx.subarray(4))).toEqual([0, 0]);
  });
  it('+∞ entries share the mass, gradient 0', () => {
    expect(Array.from(reluNorm([Infinity, 5, Infinity]))).toEqual([0.5, 0, 0.5]);
    expect(Array.from(reluNormVjp([Infinity, 2], [1, 2]))).toEqual([0, 0]);
  });
});

describe('reluNorm on any axis', () => {
  const shape = [3, 4, 5];
  const x = randomArray(60, 11);
  const dy = randomArray(60, 12);
  for (const axis of [0, 1, 2, -1]) {
    it(`axis ${axis} equals the per-slice result, forward and vjp`, () => {
      const a = axis < 0 ? axis + 3 : axis;
      expect(reluNorm(x, { shape, axis })).toEqual(perSlice((r) => reluNorm(r), [x], shape, a));
      expect(reluNormVjp(x, dy, { shape, axis })).toEqual(
        perSlice((r, g) => reluNormVjp(r, g!), [x, dy], shape, a),
      );
    });
  }
});

describe('reluNorm validation and purity', () => {
  it('bad inputs throw with their codes', () => {
    expect(() => reluNorm([])).toThrow(code('EMPTY_AXIS'));
    expect(() => reluNormVjp([1, 2], [1, 2, 3])).toThrow(code('SHAPE_MISMATCH'));
    expect(() => reluNorm([1, 'a'] as never)).toThrow(code('INVALID_INPUT'));
    expect(() => reluNorm([1, 2], { out: new Float64Array(3) })).toThrow(code('INVALID_OUT'));
  });
  it('does not mutate its inputs; writes into out when given', () => {
    const x = Float64Array.from([3, -1, 2]);
    const dy = Float64Array.from([1, 2, 3]);
    reluNorm(x);
    reluNormVjp(x, dy);
    expect(Array.from(x)).toEqual([3, -1, 2]);
    expect(Array.from(dy)).toEqual([1, 2, 3]);
    const out = new Float64Array(3);
    expect(reluNorm(x, { out })).toBe(out);
    expect(Array.from(out)).toEqual([0.6, 0, 0.4]);
  });
});

describe('reluNormVjp on subnormal rows (regression, issue 15)', () => {
  it('equals the 700-digit central difference, 0 where it is 0 (was ∞·0 = NaN)', () => {
    const rn = (x: Parameters<Parameters<typeof refVjpByDifferences>[0]>[0]) => {
      const r = x.map((v) => (v.gt(0) ? v : new DW(0)));
      const S = r.reduce((a, b) => a.plus(b), new DW(0));
      return r.map((t) => t.div(S));
    };
    const cases: [number[], number[]][] = [
      [[5e-324], [1]],
      [
        [5e-324, 1e-323],
        [2, 2],
      ],
      [
        [5e-324, -1, 1e-323],
        [0.5, 3, 0.5],
      ],
    ];
    for (const [x, dy] of cases) {
      const got = reluNormVjp(x, dy);
      const want = refVjpByDifferences(rn, x, dy, '1e-340');
      for (let i = 0; i < x.length; i++) expect(got[i]).toBe(want[i]!.toNumber()); // 0 to double precision
    }
    // a gradient beyond the double range is ±∞, as the reference says, never NaN
    const big = reluNormVjp([5e-324, 5e-324], [1, 0]);
    const ref = refVjpByDifferences(rn, [5e-324, 5e-324], [1, 0], '1e-340');
    expect(ref[0]!.gt(Number.MAX_VALUE)).toBe(true);
    expect(Array.from(big)).toEqual([Infinity, -Infinity]);
  });
});
