import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addCompensated,
  type CompensatedSum,
  expDiff,
  expScaledDiff,
  logOfSum,
  productError,
  scaledDiff,
  sumExcept,
} from '../../../src/kernels/js/exact.js';
import { D, dec, ulpError } from '../../helpers/reference.js';

/** Pairs (a, m) whose difference is not a double: the rounded a − m is off by up to |a − m|·2^−53. */
const inexactPairs: [number, number][] = [
  [0.1, 700.3],
  [-1e-9, 31.7],
  [3.3, 3.3 + 2 ** -30],
  [-123.456789, 0.987654321],
  [1e-300, 5.5],
];

describe('expDiff', () => {
  it('is e^(a − m) to within 1 ulp, the difference taken exactly (60-digit reference)', () => {
    for (const [a, m] of inexactPairs) {
      const ref = D.exp(dec(a).minus(dec(m)));
      expect(ulpError(expDiff(a, m), ref, false), `${a} ${m}`).toBeLessThanOrEqual(1);
    }
    fc.assert(
      fc.property(
        fc.double({ min: -700, max: 0, noNaN: true }),
        fc.double({ min: -300, max: 300, noNaN: true }),
        (h, m) => {
          const a = m + h;
          expect(ulpError(expDiff(a, m), D.exp(dec(a).minus(dec(m))), false)).toBeLessThanOrEqual(
            1,
          );
        },
      ),
    );
  });
  it('the rounded difference alone would be hundreds of ulps off: the correction is needed', () => {
    const [a, m] = [0.1, 700.3];
    const ref = D.exp(dec(a).minus(dec(m)));
    expect(ulpError(Math.exp(a - m), ref, false)).toBeGreaterThan(10);
  });
  it('−∞ − m is 0 and NaN stays NaN', () => {
    expect(expDiff(Number.NEGATIVE_INFINITY, 3)).toBe(0);
    expect(expDiff(Number.NaN, 3)).toBeNaN();
    expect(expDiff(5, 5)).toBe(1);
  });
});

describe('expScaledDiff', () => {
  it('is e^(s·(a − m)) to within 1 ulp (difference and product error-free)', () => {
    for (const s of [1, 0.5, 1 / 0.7, 3.3, 1 / 3e-4])
      for (const [a, m] of inexactPairs) {
        const exact = dec(s).times(dec(a).minus(dec(m)));
        if (exact.lt(-740)) continue;
        const ref = D.exp(exact);
        expect(ulpError(expScaledDiff(a, m, s), ref, false), `${s} ${a} ${m}`).toBeLessThanOrEqual(
          1,
        );
      }
  });
  it("the product's rounding matters: without TwoProduct the error is many ulps", () => {
    const [a, m, s] = [-123.456789, 0.987654321, 1 / 0.7];
    const ref = D.exp(dec(s).times(dec(a).minus(dec(m))));
    expect(ulpError(Math.exp((a - m) * s), ref, false)).toBeGreaterThan(3);
    expect(ulpError(expScaledDiff(a, m, s), ref, false)).toBeLessThanOrEqual(1);
  });
  it('a product beyond the double range gives 0, never NaN', () => {
    expect(expScaledDiff(-1e300, 1e300, 1e10)).toBe(0);
    expect(expScaledDiff(Number.NEGATIVE_INFINITY, 0, 2)).toBe(0);
    expect(expScaledDiff(Number.NaN, 0, 2)).toBeNaN();
  });
});

describe('scaledDiff', () => {
  it('is s·(a − m) rounded once (≤ ½ ulp against the exact product)', () => {
    for (const s of [1, 0.5, 1 / 0.7, 3.3])
      for (const [a, m] of inexactPairs) {
        const ref = dec(s).times(dec(a).minus(dec(m)));
        expect(ulpError(scaledDiff(a, m, s), ref, false), `${s} ${a} ${m}`).toBeLessThanOrEqual(
          0.5,
        );
      }
  });
  it('an overflowing difference is halved first: finite for s < 1, −∞ for s = 1', () => {
    const [a, m] = [-1.5e308, 1.5e308];
    expect(scaledDiff(a, m, 0.25)).toBe(-0.75e308);
    expect(scaledDiff(m, a, 0.25)).toBe(0.75e308);
    expect(scaledDiff(a, m, 1)).toBe(Number.NEGATIVE_INFINITY);
    expect(scaledDiff(Number.NEGATIVE_INFINITY, 0, 0.5)).toBe(Number.NEGATIVE_INFINITY);
    expect(scaledDiff(Number.NaN, 0, 0.5)).toBeNaN();
    // a masked entry at s = 1: −∞ itself (its error term l is NaN and not added)
    expect(scaledDiff(Number.NEGATIVE_INFINITY, 3, 1)).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('productError', () => {
  it('is a·b − fl(a·b) exactly (TwoProduct)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e100, max: 1e100, noNaN: true }),
        fc.double({ min: -1e100, max: 1e100, noNaN: true }),
        (a, b) => {
          const z = a * b;
          const exact = dec(a).times(dec(b)).minus(dec(z));
          // the error of a product is itself a double (when nothing underflows)
          if (Math.abs(z) > 1e-200) expect(productError(a, b, z)).toBe(exact.toNumber());
        },
      ),
    );
    expect(productError(1 + 2 ** -30, 1 + 2 ** -30, (1 + 2 ** -30) ** 2)).toBe(2 ** -60);
  });
  it('is 0 beyond the splitting range and for a non-finite product', () => {
    expect(productError(2 ** 996, 1.5, 2 ** 996 * 1.5)).toBe(0);
    expect(productError(1.5, 2 ** 996, 2 ** 996 * 1.5)).toBe(0);
    expect(productError(1e300, 1e300, Number.POSITIVE_INFINITY)).toBe(0);
    expect(productError(2 ** 995, 1 + 2 ** -52, 2 ** 995 * (1 + 2 ** -52))).toBe(0);
    // past 2^995 Veltkamp's split overflows (2^27·a = ∞, ∞ − ∞ = NaN): the guard gives 0
    const big = 2 ** 1000 * (1 + 2 ** -52);
    const near1 = 1 + 2 ** -52;
    expect(productError(big, near1, big * near1)).toBe(0);
    expect(productError(near1, big, big * near1)).toBe(0);
  });
});

describe('addCompensated (Neumaier)', () => {
  const sum = (xs: number[]) => {
    const acc: CompensatedSum = { sum: 0, comp: 0 };
    for (const x of xs) addCompensated(acc, x);
    return acc.sum + acc.comp;
  };
  it('recovers what plain and Kahan summation lose: 1 + 1e100 + 1 − 1e100 = 2', () => {
    expect(sum([1, 1e100, 1, -1e100])).toBe(2);
    expect(sum([1e100, 1, -1e100])).toBe(1);
    expect(sum([1, 1e100, -1e100])).toBe(1);
  });
  it('a long sum of positive terms is within 1 ulp of the exact sum', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { maxLength: 200 }),
        (xs) => {
          const exact = xs.reduce((s, x) => s.plus(dec(x)), new D(0));
          expect(ulpError(sum(xs), exact, false)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});

describe('sumExcept', () => {
  it('sums the row at offset o without entry skip', () => {
    const a = [9, 0.1, 0.2, 0.7, 9];
    const exact = (...xs: number[]) => xs.reduce((t, x) => t.plus(dec(x)), new D(0)).toNumber();
    expect(sumExcept(a, 1, 3, 2)).toBe(exact(0.1, 0.2));
    expect(sumExcept(a, 1, 3, 0)).toBe(exact(0.2, 0.7));
    expect(sumExcept(a, 1, 3, 1)).toBe(exact(0.1, 0.7));
    expect(sumExcept(a, 1, 3, -1)).toBe(exact(0.1, 0.2, 0.7));
  });
  it('keeps 1 − p_t accurate as p_t → 1 (no cancellation against 1)', () => {
    const tiny = [3e-18, 1 - 4e-18, 1e-18];
    const exact = dec(3e-18).plus(dec(1e-18));
    expect(ulpError(sumExcept(tiny, 0, 3, 1), exact, false)).toBeLessThanOrEqual(1);
  });
  it('is compensated: small terms after a large one are not lost', () => {
    expect(sumExcept([1e100, 1, -1e100, 5], 0, 4, 3)).toBe(1);
  });
});

describe('logOfSum', () => {
  it('keeps log(1 + δ) = δ for a tiny compensation (log would give 0)', () => {
    expect(logOfSum(1, 1e-18)).toBe(1e-18);
    expect(logOfSum(1 + 2 ** -40, 0)).toBe(Math.log1p(2 ** -40));
  });
  it('is log(sum + comp) to within 1 ulp on both sides of 2', () => {
    for (const [s, c] of [
      [1.5, 1e-17],
      [1.999, 3e-17],
      [2, 1e-16],
      [2, 3e-16], // the compensation moves the sum by an ulp of 2: its sign matters
      [7.25, -2e-16],
      [1e6, 1e-11],
    ] as const)
      expect(
        ulpError(logOfSum(s, c), D.ln(dec(s).plus(dec(c))), false),
        `${s}`,
      ).toBeLessThanOrEqual(1);
  });
});
