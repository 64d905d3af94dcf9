import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entry, softpick, softpickVjp } from '../../src/normalizers/softpick.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { D, type Dec, dec, relError, ulpError } from '../helpers/reference.js';
import { perSlice } from '../helpers/slices.js';

/** e^x in 60 digits, flushing exponents below −10^5 to 0 (past decimal.js's range). */
function dexp(x: Dec): Dec {
  return x.lt(-1e5) ? new D(0) : D.exp(x);
}

/** e^x − 1 in 60 digits: the series below |x| < 1e−3 (where e^x − 1 would cancel). */
function dexpm1(x: Dec): Dec {
  if (x.abs().gte(1e-3)) return dexp(x).minus(1);
  let term = x;
  let sum = x;
  for (let k = 2; k < 30; k++) {
    term = term.times(x).div(k);
    sum = sum.plus(term);
  }
  return sum;
}

/**
 * relu(e^x − 1)/(Σ_finite |e^x − 1| + ε) in 60-digit arithmetic, with numerator
 * and denominator multiplied by e^(−M), M = max(x, 0) (an exact identity, needed
 * only so that e^(3e38) stays in decimal.js's range):
 * e^(−M)·(e^x − 1) = e^(x − M)·(1 − e^(−x)) for x > 0, e^(−M)·expm1(x) otherwise.
 */
function refSoftpick(x: ArrayLike<number>, eps = 1e-8): Dec[] {
  const v = Array.from(x);
  const M = dec(Math.max(0, ...v));
  const eM = dexp(M.neg());
  const t = v.map((a) => {
    if (a === -Infinity) return new D(0);
    const d = dec(a);
    return a > 0 ? dexp(d.minus(M)).times(dexpm1(d.neg()).neg()) : eM.times(dexpm1(d));
  });
  const S = t.reduce((s, a) => s.plus(a.abs()), new D(0)).plus(dec(eps).times(eM));
  return t.map((a) => (a.isPositive() && !a.isZero() ? a.div(S) : new D(0)));
}

const code = (c: string) => expect.objectContaining({ code: c });

function maxRel(y: ArrayLike<number>, ref: readonly Dec[]): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    if (ref[i]!.isZero()) expect(y[i]).toBe(0);
    else if (ref[i]!.gte(2 ** -1022)) worst = Math.max(worst, relError(y[i]!, ref[i]!));
  }
  return worst;
}

describe('softpick accuracy against 60-digit references', () => {
  it('Float64 ≤ 1e-14 relative on random rows of many scales', () => {
    for (const [lo, hi, seed] of [
      [-3, 3, 1],
      [-30, 30, 2],
      [-1e3, 700, 3],
      [-1e300, 1e300, 4],
      [-5, 0.5, 5],
    ] as const) {
      const x = randomArray(100, seed, lo, hi);
      expect(maxRel(softpick(x), refSoftpick(x))).toBeLessThanOrEqual(1e-14);
    }
  });

  it('keeps full accuracy near x = 0 (expm1, no cancellation)', () => {
    const x = [1e-10, -1e-12, 2e-8, 1e-300, -3e-9, 5e-16, 0];
    const y = softpick(x);
    expect(maxRel(y, refSoftpick(x))).toBeLessThanOrEqual(4 * 2 ** -52);
    // the naive e^x − 1 would be off by ~1e−6 relative here
    expect(y[3]).toBeGreaterThan(0);
  });

  it('the denominator is compensated: 1000 terms each below half an ulp of the first', () => {
    // |t| = e^(−40)·|expm1(−50)| ≈ 4.2e−18 each, beside t_0 = 1 − e^(−40): a plain sum
    // keeps none of them (4.2e−15 in all, 19 ulp of the denominator)
    const x = [40, ...Array.from({ length: 1000 }, () => -50)];
    const y = softpick(x);
    expect(relError(y[0]!, refSoftpick(x)[0]!)).toBeLessThanOrEqual(2e-15);
  });

  it('Float32 ≤ 4 ulp, up to ±3e38', () => {
    for (const [scale, seed] of [
      [1, 6],
      [50, 7],
      [3e38, 8],
    ] as const) {
      const x = Float32Array.from(randomArray(60, seed, -scale, scale));
      const y = softpick(x);
      expect(y).toBeInstanceOf(Float32Array);
      const ref = refSoftpick(x);
      for (let i = 0; i < 60; i++)
        if (ref[i]!.gte(2 ** -126)) expect(ulpError(y[i]!, ref[i]!, true)).toBeLessThanOrEqual(4);
        else expect(Math.abs(y[i]! - ref[i]!.toNumber())).toBeLessThanOrEqual(2 ** -126);
    }
  });

  it('honours eps: the example row and eps = 0', () => {
    const y = softpick([1, 0, -1]);
    const e = Math.E;
    expect(y[0]).toBeCloseTo((e - 1) / (e - 1 + (1 - 1 / e) + 1e-8), 15);
    expect(maxRel(softpick([2, -1], { eps: 0.5 }), refSoftpick([2, -1], 0.5))).toBeLessThan(1e-15);
    expect(maxRel(softpick([2, -1], { eps: 0 }), refSoftpick([2, -1], 0))).toBeLessThan(1e-15);
    expect(Array.from(softpick([0, 0, -Infinity], { eps: 0 }))).toEqual([0, 0, 0]);
    expect(Array.from(softpickVjp([0, 0], [1, 2], { eps: 0 }))).toEqual([0, 0]);
  });

  it('length-1 rows: x/(x + eps)-like for x > 0, 0 otherwise', () => {
    const y = softpick([2]);
    expect(relError(y[0]!, refSoftpick([2])[0]!)).toBeLessThan(1e-15);
    expect(Array.from(softpick([-2]))).toEqual([0]);
    expect(Array.from(softpick([1e308]))).toEqual([1]);
  });
});

describe('softpick properties (fast-check)', () => {
  const row = fc.array(fc.double({ min: -40, max: 40, noNaN: true }), {
    minLength: 1,
    maxLength: 40,
  });
  it('outputs lie in [0, 1], sum to ≤ 1, and are 0 exactly where x ≤ 0', () => {
    fc.assert(
      fc.property(row, (v) => {
        const y = softpick(v);
        let s = 0;
        for (let i = 0; i < v.length; i++) {
          expect(y[i]! >= 0 && y[i]! <= 1).toBe(true);
          if (v[i]! <= 0) expect(y[i]).toBe(0);
          s += y[i]!;
        }
        expect(s).toBeLessThanOrEqual(1 + 1e-15);
      }),
    );
  });
  it('an all-nonpositive row is all zeros with zero gradient', () => {
    const neg = fc.array(fc.double({ min: -1e6, max: 0, noNaN: true }), {
      minLength: 1,
      maxLength: 20,
    });
    fc.assert(
      fc.property(neg, (v) => {
        expect(softpick(v).every((t) => t === 0)).toBe(true);
        expect(
          softpickVjp(
            v,
            v.map(() => 1),
          ).every((t) => t === 0),
        ).toBe(true);
      }),
    );
  });
  it('is not shift invariant (documented): shifting a row changes the result', () => {
    expect(softpick([1, 2])).not.toEqual(softpick([2, 3]));
  });
  it('is monotone in each positive entry', () => {
    fc.assert(
      fc.property(row, (v) => {
        const y = softpick(v);
        for (let i = 0; i < v.length; i++)
          for (let j = 0; j < v.length; j++)
            if (v[i]! > 0 && v[i]! < v[j]!) expect(y[i]! <= y[j]!).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});

describe('softpickVjp', () => {
  it('agrees with central finite differences in Float64 (away from the kink at 0)', () => {
    for (const [eps, seed] of [
      [1e-8, 9],
      [0.3, 10],
      [0, 11],
    ] as const) {
      const x = randomArray(16, seed, -3, 3).map((v) => (Math.abs(v) < 0.01 ? v + 0.5 : v));
      const dy = randomArray(16, seed + 20);
      const fd = fdVjp((z) => softpick(z, { eps }), x, dy);
      expect(gradError(softpickVjp(x, dy, { eps }), fd)).toBeLessThan(1e-6);
    }
  });
  it('agrees with finite differences on a huge row (scaled form)', () => {
    const x = Float64Array.from([800, 799.5, -2, 798]);
    const dy = [0.3, -1, 2, 0.5];
    const fd = fdVjp((z) => softpick(z), x, dy, 1e-5);
    expect(gradError(softpickVjp(x, dy), fd)).toBeLessThan(1e-6);
  });
  it('takes the subgradient 0 at x = 0', () => {
    expect(softpickVjp([0, 1], [5, 1])[0]).toBe(0);
  });
});

describe('softpick non-finite policy', () => {
  it('−∞ is a mask: the row equals the filtered row', () => {
    const y = softpick([-Infinity, 1, -2, -Infinity, 0.5]);
    const f = softpick([1, -2, 0.5]);
    expect(Array.from(y)).toEqual([0, f[0]!, f[1]!, 0, f[2]!]);
    const dx = softpickVjp([-Infinity, 1, -2], [7, -1, 2]); // ⟨dy, y⟩ < 0: no −0 at the mask
    const df = softpickVjp([1, -2], [-1, 2]);
    expect(Array.from(dx)).toEqual([0, df[0]!, df[1]!]);
  });
  it('a fully masked row gives zeros and zero gradient; NaN stays in its row', () => {
    const x = [-Infinity, -Infinity, Number.NaN, 1, 0, 1];
    const y = softpick(x, { shape: [3, 2] });
    expect(Array.from(y.subarray(0, 2))).toEqual([0, 0]);
    expect(Number.isNaN(y[2]!) && Number.isNaN(y[3]!)).toBe(true);
    expect(Array.from(y.subarray(4))).toEqual(Array.from(softpick([0, 1])));
    const dx = softpickVjp(x, [1, 2, 3, 4, 5, 6], { shape: [3, 2] });
    expect(Array.from(dx.subarray(0, 2))).toEqual([0, 0]);
    expect(Number.isNaN(dx[2]!) && Number.isNaN(dx[3]!)).toBe(true);
  });
  it('+∞ entries share the mass, gradient 0', () => {
    expect(Array.from(softpick([Infinity, 0, Infinity, 3]))).toEqual([0.5, 0, 0.5, 0]);
    expect(Array.from(softpickVjp([Infinity, 2], [1, 2]))).toEqual([0, 0]);
  });
});

describe('softpick on any axis', () => {
  const shape = [3, 4, 5];
  const x = randomArray(60, 12);
  const dy = randomArray(60, 13);
  for (const axis of [0, 1, 2, -1]) {
    it(`axis ${axis} equals the per-slice result, forward and vjp`, () => {
      const a = axis < 0 ? axis + 3 : axis;
      expect(softpick(x, { shape, axis })).toEqual(perSlice((r) => softpick(r), [x], shape, a));
      expect(softpickVjp(x, dy, { shape, axis })).toEqual(
        perSlice((r, g) => softpickVjp(r, g!), [x, dy], shape, a),
      );
    });
  }
});

describe('softpick validation and purity', () => {
  it('bad eps and inputs throw with their codes', () => {
    expect(() => softpick([1, 2], { eps: -1 })).toThrow(code('INVALID_PARAMETER'));
    expect(() => softpick([1, 2], { eps: Number.NaN })).toThrow(code('NON_FINITE_PARAMETER'));
    expect(() => softpickVjp([1, 2], [1], {})).toThrow(code('SHAPE_MISMATCH'));
    expect(() => softpick([1, 2], { shape: [2], axis: -2 })).toThrow(code('AXIS_OUT_OF_RANGE'));
    expect(() => softpick([1, 2], { backend: 'gpu' as never })).toThrow(code('INVALID_PARAMETER'));
  });
  it('does not mutate its inputs', () => {
    const x = Float64Array.from([3, -1, 2]);
    const dy = Float64Array.from([1, 2, 3]);
    softpick(x);
    softpickVjp(x, dy);
    expect(Array.from(x)).toEqual([3, -1, 2]);
    expect(Array.from(dy)).toEqual([1, 2, 3]);
  });
});

describe('softpick: messages and registry entry', () => {
  it('errors name the public function', () => {
    expect(() => softpick([1, 2], { axis: 2 })).toThrow(/^softpick: /);
    expect(() => softpickVjp([1, 2], [1, 2], { axis: 2 })).toThrow(/^softpickVjp: /);
  });

  it('registers softpick with its vjp', () => {
    expect(entry.name).toBe('softpick');
    expect(entry.forward).toBe(softpick);
    expect(entry.vjp).toBe(softpickVjp);
  });
});
