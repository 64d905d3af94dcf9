import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entry, softmax, softmaxVjp } from '../../src/normalizers/softmax.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { maxUlpError, refSoftmax, refSoftmaxGrouped, ulpError } from '../helpers/reference.js';

const ALGORITHMS = ['three-pass', 'two-pass', 'online'] as const;

/** ulp error ignoring outputs below the smallest normal (subnormal results round coarsely). */
function maxUlpNormal(
  y: ArrayLike<number>,
  ref: ReturnType<typeof refSoftmax>,
  f32: boolean,
): number {
  const tiny = f32 ? 2 ** -126 : 2 ** -1022;
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    if (ref[i]!.abs().lt(tiny)) {
      expect(Math.abs(y[i]! - ref[i]!.toNumber())).toBeLessThanOrEqual(tiny);
      continue;
    }
    worst = Math.max(worst, ulpError(y[i]!, ref[i]!, f32));
  }
  return worst;
}

describe('softmax accuracy against 60-digit references', () => {
  for (const algorithm of ALGORITHMS) {
    it(`Float64 ≤ 4 ulp on random rows of many scales (${algorithm})`, () => {
      for (const [scale, seed] of [
        [1, 1],
        [30, 2],
        [700, 3],
        [1e5, 4],
        [1e300, 5],
      ] as const) {
        const x = randomArray(257, seed, -scale, scale);
        expect(maxUlpNormal(softmax(x, { algorithm }), refSoftmax(x), false)).toBeLessThanOrEqual(
          4,
        );
      }
    });

    it(`Float32 ≤ 4 ulp, up to ±3e38 (${algorithm})`, () => {
      for (const [scale, seed] of [
        [1, 6],
        [80, 7],
        [3e38, 8],
      ] as const) {
        const x = Float32Array.from(randomArray(300, seed, -scale, scale));
        const y = softmax(x, { algorithm });
        expect(y).toBeInstanceOf(Float32Array);
        expect(maxUlpNormal(y, refSoftmax(x), true)).toBeLessThanOrEqual(4);
      }
    });

    it(`−∞ masks give exactly 0 and the rest matches the filtered row (${algorithm})`, () => {
      const x = randomArray(64, 9, -5, 5);
      for (let i = 0; i < 64; i += 3) x[i] = -Infinity;
      const y = softmax(x, { algorithm });
      const ref = refSoftmax(x);
      for (let i = 0; i < 64; i += 3) expect(y[i]).toBe(0);
      expect(maxUlpError(y, ref, false)).toBeLessThanOrEqual(4);
    });

    it(`a row of 10^6 (1000 distinct values, shuffled) stays within 4 ulp (${algorithm})`, () => {
      const values = Array.from(randomArray(1000, 10, -20, 20));
      const counts = values.map(() => 1000);
      const x = new Float64Array(1e6);
      for (let i = 0; i < 1e6; i++) x[i] = values[(i * 7919) % 1000]!;
      const ref = refSoftmaxGrouped(values, counts);
      const y = softmax(x, { algorithm });
      let worst = 0;
      // position j holds values[(j·7919) mod 1000]
      for (let j = 0; j < 1000; j++)
        worst = Math.max(worst, ulpError(y[j]!, ref[(j * 7919) % 1000]!, false));
      // every occurrence of a value gets the same output
      for (let i = 0; i < 1e6; i += 9973) expect(y[i]).toBe(y[i % 1000]);
      expect(worst).toBeLessThanOrEqual(4);
    });

    it(`temperature T matches softmax(x/T) within 4 + |x − max|/(2T) ulp (${algorithm})`, () => {
      // The one rounding of 1/T is the documented extra error.
      const x = randomArray(100, 11, -10, 10);
      const T = 0.3;
      const y = softmax(x, { algorithm, temperature: T });
      const ref = refSoftmax(x, T);
      const max = Math.max(...x);
      for (let i = 0; i < 100; i++)
        expect(ulpError(y[i]!, ref[i]!, false)).toBeLessThanOrEqual(4 + (max - x[i]!) / (2 * T));
    });
  }

  it('length-1 rows are 1, even at ±1e308', () => {
    for (const v of [0, 1e308, -1e308, 5e-324]) expect(softmax([v])[0]).toBe(1);
  });
});

describe('softmax on any axis', () => {
  const shape = [3, 4, 5];
  const x = randomArray(60, 12, -4, 4);
  /** Reference by explicit slicing: along `axis`, every other index fixed. */
  function sliced(axis: number): Float64Array {
    const y = new Float64Array(60);
    const strides = [20, 5, 1];
    const n = shape[axis]!;
    for (let flat = 0; flat < 60; flat++) {
      const idx = [Math.floor(flat / 20), Math.floor(flat / 5) % 4, flat % 5];
      if (idx[axis] !== 0) continue;
      const row = Array.from({ length: n }, (_, i) => x[flat + i * strides[axis]!]!);
      const ref = refSoftmax(row);
      for (let i = 0; i < n; i++) y[flat + i * strides[axis]!] = ref[i]!.toNumber();
    }
    return y;
  }
  for (const axis of [0, 1, 2, -1, -2, -3]) {
    it(`axis ${axis} matches per-slice references`, () => {
      const y = softmax(x, { shape, axis });
      const ref = sliced(axis < 0 ? axis + 3 : axis);
      for (let i = 0; i < 60; i++)
        expect(Math.abs(y[i]! - ref[i]!)).toBeLessThanOrEqual(4 * 2 ** -52 * ref[i]!);
    });
  }
});

describe('softmax non-finite policy', () => {
  it('a fully masked row gives zeros, other rows unaffected', () => {
    const y = softmax([-Infinity, -Infinity, 1, 2], { shape: [2, 2] });
    expect(Array.from(y.subarray(0, 2))).toEqual([0, 0]);
    expect(y[2]! + y[3]!).toBeCloseTo(1, 15);
  });
  it('NaN stays in its row', () => {
    const y = softmax([Number.NaN, 1, 2, 3], { shape: [2, 2] });
    expect(Number.isNaN(y[0]!) && Number.isNaN(y[1]!)).toBe(true);
    expect(Number.isFinite(y[2]!) && Number.isFinite(y[3]!)).toBe(true);
  });
  it('+∞ entries share the mass equally (the limit)', () => {
    for (const algorithm of ALGORITHMS)
      expect(Array.from(softmax([Infinity, 3, Infinity, -Infinity], { algorithm }))).toEqual([
        0.5, 0, 0.5, 0,
      ]);
  });
  it('vjp of masked and +∞ rows is zero, of −∞ entries zero', () => {
    expect(Array.from(softmaxVjp([-Infinity, -Infinity], [1, 2]))).toEqual([0, 0]);
    expect(Array.from(softmaxVjp([Infinity, 1], [1, 2]))).toEqual([0, 0]);
    expect(softmaxVjp([-Infinity, 1, 2], [5, 1, 2])[0]).toBe(0);
  });
});

describe('softmax properties (fast-check)', () => {
  const row = fc.array(fc.double({ min: -50, max: 50, noNaN: true }), {
    minLength: 1,
    maxLength: 40,
  });
  it('sums to one, in [0, 1], shift invariant, algorithms agree', () => {
    fc.assert(
      fc.property(row, fc.double({ min: -1e3, max: 1e3, noNaN: true }), (v, c) => {
        const y = softmax(v);
        let s = 0;
        for (const p of y) {
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
          s += p;
        }
        expect(Math.abs(s - 1)).toBeLessThan(1e-14 * v.length + 1e-15);
        const shifted = softmax(v.map((a) => a + c));
        const ref = refSoftmax(v);
        for (let i = 0; i < v.length; i++) {
          // shifting rounds x + c, so compare against the exact function at the shifted inputs
          expect(Math.abs(shifted[i]! - y[i]!)).toBeLessThanOrEqual(
            1e-12 * Math.max(1, Math.abs(c)),
          );
          for (const algorithm of ALGORITHMS)
            expect(ulpError(softmax(v, { algorithm })[i]!, ref[i]!, false)).toBeLessThanOrEqual(4);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('softmaxVjp', () => {
  it('matches a central finite difference (Float64, any axis, temperature)', () => {
    const x = randomArray(24, 13, -2, 2);
    const dy = randomArray(24, 14, -1, 1);
    for (const options of [
      {},
      { shape: [2, 3, 4], axis: 1 },
      { shape: [4, 6], axis: 0, temperature: 0.7 },
    ]) {
      const g = softmaxVjp(x, dy, options);
      const fd = fdVjp((z) => softmax(z, options), x, dy);
      expect(gradError(g, fd)).toBeLessThan(1e-6);
    }
  });
});

describe('softmax input checks', () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(SoftmaxKitError);
      return (e as SoftmaxKitError).code;
    }
    return 'no error';
  };
  it('throws the documented codes', () => {
    expect(code(() => softmax([]))).toBe('EMPTY_AXIS');
    expect(code(() => softmax([1, 2, 3], { shape: [2, 2] }))).toBe('SHAPE_MISMATCH');
    expect(code(() => softmax([1, 2], { shape: [2], axis: 1 }))).toBe('AXIS_OUT_OF_RANGE');
    expect(code(() => softmax([1, 2], { axis: 0.5 }))).toBe('AXIS_OUT_OF_RANGE');
    expect(code(() => softmax([1, 2], { shape: [-2] }))).toBe('INVALID_SHAPE');
    expect(code(() => softmax([1, 2], { temperature: 0 }))).toBe('INVALID_PARAMETER');
    expect(code(() => softmax([1, 2], { temperature: Number.NaN }))).toBe('NON_FINITE_PARAMETER');
    expect(code(() => softmax([1, 2], { algorithm: 'fast' as never }))).toBe('INVALID_PARAMETER');
    expect(code(() => softmax('12' as never))).toBe('INVALID_INPUT');
    expect(code(() => softmax([1, 'a' as never]))).toBe('INVALID_INPUT');
    expect(code(() => softmax([1, 2], { out: new Float32Array(2) }))).toBe('INVALID_OUT');
    expect(code(() => softmaxVjp([1, 2], [1]))).toBe('SHAPE_MISMATCH');
    expect(code(() => softmax([1, 2], { backend: 'gpu' as never }))).toBe('INVALID_PARAMETER');
  });
  it('does not mutate its inputs; writes to out when given, in place allowed', () => {
    const x = new Float32Array([1, 2, 3]);
    const dy = new Float32Array([1, 0, 0]);
    softmax(x);
    softmaxVjp(x, dy);
    expect(Array.from(x)).toEqual([1, 2, 3]);
    expect(Array.from(dy)).toEqual([1, 0, 0]);
    const out = new Float32Array(3);
    expect(softmax(x, { out })).toBe(out);
    const inPlace = Float64Array.from([1, 2, 3]);
    const expected = softmax(inPlace);
    softmax(inPlace, { out: inPlace });
    expect(Array.from(inPlace)).toEqual(Array.from(expected));
  });
  it('number[] gives Float64Array', () => {
    expect(softmax([1, 2])).toBeInstanceOf(Float64Array);
  });
});

describe('softmax at a temperature where 1/T overflows (regression, issue 15)', () => {
  it('T = 1e−310 gives the 60-digit reference (the T → 0 limit), not NaN, on both backends', async () => {
    await import('../../src/kernels/wasm/index.js');
    for (const backend of ['js', 'wasm'] as const)
      for (const x of [
        [1, 2, 3],
        [1, 3, 3],
        [-Infinity, 0, -5, 0],
      ]) {
        const y = softmax(x, { temperature: 1e-310, backend });
        const ref = refSoftmax(x, 1e-310);
        expect(Array.from(y)).toEqual(ref.map((r) => r.toNumber()));
        const f32 = softmax(Float32Array.from(x), { temperature: 1e-310, backend });
        expect(Array.from(f32)).toEqual(ref.map((r) => r.toNumber()));
      }
  });
});

describe('softmax: names in messages and the registry', () => {
  it('softmaxVjp names itself and dy', () => {
    expect(() => softmaxVjp([1, 2, 3], [1, 2])).toThrow(
      'softmaxVjp: expected dy to have length 3, got 2',
    );
    expect(() => softmaxVjp([1, 2], [1, 2], { temprature: 1 } as never)).toThrow(
      /^softmaxVjp: unknown option 'temprature'/,
    );
    expect(() => softmax('ab' as never)).toThrow(/^softmax: expected x to be a Float32Array/);
  });
  it('its registry entry is named softmax', () => {
    expect(entry.name).toBe('softmax');
  });
});
