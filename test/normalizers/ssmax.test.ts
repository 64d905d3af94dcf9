import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { softmax, softmaxVjp } from '../../src/normalizers/softmax.js';
import { entry, ssmax, ssmaxVjp } from '../../src/normalizers/ssmax.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { D, type Dec, dec, relError, ulpError } from '../helpers/reference.js';
import { perSlice } from '../helpers/slices.js';

/** softmax(s·ln(n)·x) in 60-digit arithmetic (ln n in decimal, not the double log). */
function refSsmax(x: ArrayLike<number>, s: number, n: number): Dec[] {
  const c = dec(s).times(D.ln(dec(n)));
  const v = Array.from(x);
  const m = dec(Math.max(...v.filter((t) => t !== -Infinity)));
  const e = v.map((t) => (t === -Infinity ? new D(0) : D.exp(dec(t).minus(m).times(c))));
  const sum = e.reduce((a, b) => a.plus(b), new D(0));
  return e.map((t) => t.div(sum));
}

const code = (c: string) => expect.objectContaining({ code: c });

describe('ssmax accuracy against 60-digit references', () => {
  it('Float64 within the documented bound and ≤ 1e-14 relative', () => {
    for (const [s, n, seed] of [
      [1, undefined, 1],
      [0.43, 4096, 2],
      [2.5, 7, 3],
    ] as const) {
      const x = randomArray(64, seed, -2, 2);
      const y = ssmax(x, { s, n });
      const nn = n ?? 64;
      const ref = refSsmax(x, s, nn);
      const c = s * Math.log(nn);
      const max = Math.max(...x);
      for (let i = 0; i < 64; i++) {
        const bound = 4 * 2 ** -52 + 3 * 2 ** -53 * c * (max - x[i]!);
        expect(relError(y[i]!, ref[i]!)).toBeLessThanOrEqual(bound);
        expect(relError(y[i]!, ref[i]!)).toBeLessThanOrEqual(1e-14);
      }
    }
  });

  it('Float32 ≤ 4 ulp, up to ±3e38', () => {
    for (const [scale, seed] of [
      [1, 4],
      [30, 5],
      [3e38, 6],
    ] as const) {
      const x = Float32Array.from(randomArray(50, seed, -scale, scale));
      const y = ssmax(x, { s: 0.7 });
      expect(y).toBeInstanceOf(Float32Array);
      const ref = refSsmax(x, 0.7, 50);
      for (let i = 0; i < 50; i++)
        if (ref[i]!.gte(2 ** -126)) expect(ulpError(y[i]!, ref[i]!, true)).toBeLessThanOrEqual(4);
    }
  });

  it('the example: ssmax([1, 2, 3]) = [1, 3, 9]/13', () => {
    const y = ssmax([1, 2, 3]);
    [1, 3, 9].forEach((v, i) => {
      expect(relError(y[i]!, new D(v).div(13))).toBeLessThan(1e-15);
    });
  });

  it('is softmax with temperature 1/(s·log n)', () => {
    const x = randomArray(10, 7);
    const c = 1.5 * Math.log(10);
    const a = ssmax(x, { s: 1.5 });
    const b = softmax(x, { temperature: 1 / c });
    for (let i = 0; i < 10; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-15);
  });
});

describe('ssmax at n = 1 (log 1 = 0)', () => {
  it('length-1 rows give 1 (0 for −∞, NaN for NaN)', () => {
    expect(Array.from(ssmax([1e308]))).toEqual([1]);
    expect(Array.from(ssmax([-Infinity]))).toEqual([0]);
    expect(Number.isNaN(ssmax([Number.NaN])[0]!)).toBe(true);
  });
  it('n = 1 gives the uniform distribution over unmasked entries and zero gradient', () => {
    expect(Array.from(ssmax([5, -Infinity, Infinity, 1], { n: 1 }))).toEqual([
      1 / 3,
      0,
      1 / 3,
      1 / 3,
    ]);
    expect(Array.from(ssmaxVjp([5, -Infinity, 2], [1, 2, 3], { n: 1 }))).toEqual([0, 0, 0]);
    const nanRow = ssmaxVjp([Number.NaN, 1, 2, 3], [1, 1, 1, 1], { n: 1, shape: [2, 2] });
    expect(Number.isNaN(nanRow[0]!) && Number.isNaN(nanRow[1]!)).toBe(true);
    expect(Array.from(nanRow.subarray(2))).toEqual([0, 0]);
  });
});

describe('ssmax properties (fast-check)', () => {
  const row = fc.array(fc.double({ min: -30, max: 30, noNaN: true }), {
    minLength: 2,
    maxLength: 40,
  });
  it('sums to one', () => {
    fc.assert(
      fc.property(row, fc.double({ min: 0.01, max: 5, noNaN: true }), (v, s) => {
        let t = 0;
        for (const p of ssmax(v, { s })) t += p;
        expect(Math.abs(t - 1)).toBeLessThan(1e-14);
      }),
    );
  });
  it('is shift invariant', () => {
    fc.assert(
      fc.property(row, fc.double({ min: -100, max: 100, noNaN: true }), (v, a) => {
        const y = ssmax(v);
        const z = ssmax(v.map((t) => t + a));
        // x + a rounds: the exponent moves by ≤ c·ulp(|x| + |a|)
        for (let i = 0; i < v.length; i++)
          expect(Math.abs(y[i]! - z[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(y[i]!, 1e-300));
      }),
      { numRuns: 50 },
    );
  });
  it("the largest probability does not fade with n when rows repeat (the paper's motivation)", () => {
    // one logit 1 above n − 1 zeros: softmax's max → 0, ssmax's max stays n/(n + n − 1) → 1/2.
    for (const n of [10, 1000, 100000]) {
      const x = new Float64Array(n);
      x[0] = 1;
      expect(ssmax(x)[0]).toBeCloseTo(n / (2 * n - 1), 12);
    }
  });
});

describe('ssmaxVjp', () => {
  it('agrees with central finite differences in Float64', () => {
    for (const [s, n, seed] of [
      [1, undefined, 8],
      [0.3, 500, 9],
    ] as const) {
      const x = randomArray(16, seed);
      const dy = randomArray(16, seed + 50);
      const fd = fdVjp((z) => ssmax(z, { s, n }), x, dy);
      expect(gradError(ssmaxVjp(x, dy, { s, n }), fd)).toBeLessThan(1e-6);
    }
  });
  it('is softmax’s vjp scaled by c = s·log n', () => {
    const x = randomArray(8, 10);
    const dy = randomArray(8, 11);
    const c = 2 * Math.log(8);
    const a = ssmaxVjp(x, dy, { s: 2 });
    const b = softmaxVjp(x, dy, { temperature: 1 / c });
    for (let i = 0; i < 8; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-14);
  });
});

describe('ssmax non-finite policy', () => {
  it('−∞ masks give 0 and the rest equals the filtered row with the same n', () => {
    const y = ssmax([-Infinity, 1, 2, -Infinity], { n: 4 });
    const f = ssmax([1, 2], { n: 4 });
    expect(Array.from(y)).toEqual([0, f[0]!, f[1]!, 0]);
  });
  it('a fully masked row gives zeros and zero gradient; NaN stays in its row', () => {
    const x = [-Infinity, -Infinity, Number.NaN, 1, 0, 1];
    const y = ssmax(x, { shape: [3, 2] });
    expect(Array.from(y.subarray(0, 2))).toEqual([0, 0]);
    expect(Number.isNaN(y[2]!) && Number.isNaN(y[3]!)).toBe(true);
    expect(Array.from(y.subarray(4))).toEqual(Array.from(ssmax([0, 1])));
    const dx = ssmaxVjp(x, [1, 2, 3, 4, 5, 6], { shape: [3, 2] });
    expect(Array.from(dx.subarray(0, 2))).toEqual([0, 0]);
  });
  it('+∞ entries share the mass with zero gradient', () => {
    expect(Array.from(ssmax([Infinity, 0, Infinity]))).toEqual([0.5, 0, 0.5]);
    expect(Array.from(ssmaxVjp([Infinity, 0], [1, 2]))).toEqual([0, 0]);
  });
});

describe('ssmax on any axis', () => {
  const shape = [3, 4, 5];
  const x = randomArray(60, 12);
  const dy = randomArray(60, 13);
  for (const axis of [0, 1, 2, -1]) {
    it(`axis ${axis} equals the per-slice result (n = that axis's length), forward and vjp`, () => {
      const a = axis < 0 ? axis + 3 : axis;
      expect(ssmax(x, { shape, axis, s: 0.8 })).toEqual(
        perSlice((r) => ssmax(r, { s: 0.8 }), [x], shape, a),
      );
      expect(ssmaxVjp(x, dy, { shape, axis, s: 0.8 })).toEqual(
        perSlice((r, g) => ssmaxVjp(r, g!, { s: 0.8 }), [x, dy], shape, a),
      );
    });
  }
});

describe('ssmax validation and purity', () => {
  it('bad s and n throw with their codes', () => {
    expect(() => ssmax([1, 2], { s: 0 })).toThrow(code('INVALID_PARAMETER'));
    expect(() => ssmax([1, 2], { s: -1 })).toThrow(code('INVALID_PARAMETER'));
    expect(() => ssmax([1, 2], { s: Number.NaN })).toThrow(code('NON_FINITE_PARAMETER'));
    expect(() => ssmax([1, 2], { n: 0.5 })).toThrow(code('INVALID_PARAMETER'));
    expect(() => ssmax([1, 2], { n: Infinity })).toThrow(code('NON_FINITE_PARAMETER'));
    expect(() => ssmaxVjp([1, 2], [1, 2], { s: '1' as never })).toThrow(code('INVALID_PARAMETER'));
    expect(() => ssmaxVjp([1, 2], [1], {})).toThrow(code('SHAPE_MISMATCH'));
    expect(() => ssmax([1, 2], { axis: 2 })).toThrow(code('AXIS_OUT_OF_RANGE'));
  });
  it('does not mutate its inputs', () => {
    const x = Float32Array.from([3, 1, 2]);
    const dy = Float32Array.from([1, 2, 3]);
    ssmax(x);
    expect(ssmaxVjp(x, dy)).toBeInstanceOf(Float32Array);
    expect(Array.from(x)).toEqual([3, 1, 2]);
    expect(Array.from(dy)).toEqual([1, 2, 3]);
  });
});

describe('ssmax at n = 1: rows and masks (mutation-testing pins)', () => {
  it('every row is uniform over its own unmasked entries', () => {
    const y = ssmax([4, -Infinity, 0, 1, -Infinity, 2], { n: 1, shape: [2, 3] });
    expect(Array.from(y)).toEqual([0.5, 0, 0.5, 0.5, 0, 0.5]);
    // −∞ is not counted, +∞ is: one mask and one +∞ in a row of three
    expect(Array.from(ssmax([-Infinity, 0, 1], { n: 1 }))).toEqual([0, 0.5, 0.5]);
    expect(Array.from(ssmax([Infinity, 0, 1], { n: 1 }))).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });
});

describe('ssmax: messages and registry entry', () => {
  it('errors name the public function', () => {
    expect(() => ssmax([1, 2], { axis: 2 })).toThrow(/^ssmax: /);
    expect(() => ssmaxVjp([1, 2], [1, 2], { axis: 2 })).toThrow(/^ssmaxVjp: /);
    // the backend is resolved under the function's name too ('wasm' is not loaded in this suite)
    expect(() => ssmax([1, 2], { backend: 'wasm' })).toThrow(/^ssmax: expected backend 'wasm'/);
    expect(() => ssmaxVjp([1, 2], [1, 2], { backend: 'wasm' })).toThrow(
      /^ssmaxVjp: expected backend 'wasm'/,
    );
  });
  it('the registry entry is the pair, with s and n among its rules', () => {
    expect(entry.name).toBe('ssmax');
    expect(entry.forward).toBe(ssmax);
    expect(entry.vjp).toBe(ssmaxVjp);
    expect(Object.keys(entry.rules ?? {})).toEqual(
      expect.arrayContaining(['shape', 'axis', 's', 'n']),
    );
  });
});
