import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entry, saSoftmax, saSoftmaxVjp } from '../../src/normalizers/sa-softmax.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import {
  D,
  type Dec,
  dec,
  refSoftmax,
  refSoftmaxWide,
  refVjpByDifferences,
  relError,
  ulpError,
} from '../helpers/reference.js';
import { perSlice } from '../helpers/slices.js';
import { registerCountingWasmStandIn } from '../helpers/wasm-stand-in.js';

/** w ⊙ softmax(x) in 60 digits, w = x or (x − min(x_min, 0))/(max(0, x_max) − min(x_min, 0)). */
function refSa(x: ArrayLike<number>, normalized: boolean): Dec[] {
  const v = Array.from(x);
  const p = refSoftmax(v);
  const finite = v.filter((t) => t !== -Infinity);
  const a = dec(Math.min(0, ...finite));
  const b = dec(Math.max(0, ...finite));
  return v.map((t, i) => {
    if (t === -Infinity) return new D(0);
    const w = normalized ? dec(t).minus(a).div(b.minus(a)) : dec(t);
    return w.times(p[i]!);
  });
}

const code = (c: string) => expect.objectContaining({ code: c });

function maxRel(y: ArrayLike<number>, ref: readonly Dec[], tiny = 2 ** -1022): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++)
    if (ref[i]!.abs().gte(tiny)) worst = Math.max(worst, relError(y[i]!, ref[i]!));
    else expect(Math.abs(y[i]! - ref[i]!.toNumber())).toBeLessThanOrEqual(tiny);
  return worst;
}

describe('saSoftmax accuracy against 60-digit references', () => {
  for (const normalized of [false, true]) {
    it(`Float64 ≤ 1e-14 relative on rows of many scales (normalized: ${normalized})`, () => {
      for (const [lo, hi, seed] of [
        [-3, 3, 1],
        [-40, 40, 2],
        [0.5, 9, 3],
        [-9, -0.5, 4],
        [-1e5, 1e5, 5],
        [-8e307, 8e307, 6],
      ] as const) {
        const x = randomArray(80, seed, lo, hi);
        expect(maxRel(saSoftmax(x, { normalized }), refSa(x, normalized))).toBeLessThanOrEqual(
          1e-14,
        );
      }
    });

    it(`Float32 ≤ 4 ulp, up to ±3e38 (normalized: ${normalized})`, () => {
      for (const [scale, seed] of [
        [1, 7],
        [60, 8],
        [3e38, 9],
      ] as const) {
        const x = Float32Array.from(randomArray(60, seed, -scale, scale));
        const y = saSoftmax(x, { normalized });
        expect(y).toBeInstanceOf(Float32Array);
        const ref = refSa(x, normalized);
        for (let i = 0; i < 60; i++)
          if (ref[i]!.abs().gte(2 ** -126))
            expect(ulpError(y[i]!, ref[i]!, true)).toBeLessThanOrEqual(4);
      }
    });
  }

  it('the examples', () => {
    const x = [-1, 0, 1];
    const y = saSoftmax(x, { normalized: true });
    expect(y[0]).toBe(0);
    expect(maxRel(y, refSa(x, true))).toBeLessThan(1e-15);
    expect(maxRel(saSoftmax([1, 2, 3]), refSa([1, 2, 3], false))).toBeLessThan(1e-15);
  });

  it('length-1 rows: x (plain), 1 or 0 (normalized)', () => {
    expect(Array.from(saSoftmax([-2.5]))).toEqual([-2.5]);
    expect(Array.from(saSoftmax([7], { normalized: true }))).toEqual([1]);
    expect(Array.from(saSoftmax([-7], { normalized: true }))).toEqual([0]);
  });
});

describe('saSoftmax properties (fast-check)', () => {
  const row = fc.array(fc.double({ min: -30, max: 30, noNaN: true }), {
    minLength: 1,
    maxLength: 30,
  });
  it('normalized: 0 ≤ y ≤ softmax(x), the row sums to ≤ 1', () => {
    fc.assert(
      fc.property(row, (v) => {
        const y = saSoftmax(v, { normalized: true });
        const p = refSoftmax(v).map((t) => t.toNumber());
        let s = 0;
        for (let i = 0; i < v.length; i++) {
          expect(y[i]! >= 0 && y[i]! <= p[i]! * (1 + 1e-14)).toBe(true);
          s += y[i]!;
        }
        expect(s).toBeLessThanOrEqual(1 + 1e-14);
      }),
    );
  });
  it('plain: the sign of y is the sign of x', () => {
    fc.assert(
      fc.property(row, (v) => {
        const y = saSoftmax(v);
        for (let i = 0; i < v.length; i++)
          expect(Math.sign(y[i]!) === Math.sign(v[i]!) || y[i] === 0).toBe(true);
      }),
    );
  });
  it('neither form is shift invariant (documented)', () => {
    expect(saSoftmax([1, 2])).not.toEqual(saSoftmax([2, 3]));
    expect(saSoftmax([1, 2], { normalized: true })).not.toEqual(
      saSoftmax([2, 3], { normalized: true }),
    );
  });
});

describe('saSoftmaxVjp', () => {
  for (const normalized of [false, true]) {
    it(`agrees with central finite differences in Float64 (normalized: ${normalized})`, () => {
      for (const [lo, hi, seed] of [
        [-3, 3, 10],
        [0.5, 4, 11], // all positive: a = 0 is constant
        [-4, -0.5, 12], // all negative: b = 0 is constant
      ] as const) {
        const x = randomArray(12, seed, lo, hi);
        const dy = randomArray(12, seed + 30);
        const fd = fdVjp((z) => saSoftmax(z, { normalized }), x, dy);
        expect(gradError(saSoftmaxVjp(x, dy, { normalized }), fd)).toBeLessThan(1e-6);
      }
    });
  }
  it('takes the min/max subgradient at the first active element on ties', () => {
    // x_min = −2 at indices 0 and 2: only index 0 carries ∂a
    const x = [-2, 1, -2, 3];
    const dy = [0, 0, 0, 1];
    const dx = saSoftmaxVjp(x, dy, { normalized: true });
    const base = saSoftmaxVjp([-2, 1, -1.999999, 3], dy, { normalized: true });
    expect(Math.abs(dx[0]! - base[0]!)).toBeLessThan(1e-5);
  });
});

describe('saSoftmax non-finite policy', () => {
  it('−∞ entries get 0, take no part in min/max, and the rest equals the filtered row', () => {
    for (const normalized of [false, true]) {
      const y = saSoftmax([-Infinity, 1, -2, -Infinity], { normalized });
      const f = saSoftmax([1, -2], { normalized });
      expect(Array.from(y)).toEqual([0, f[0]!, f[1]!, 0]);
      const dx = saSoftmaxVjp([-Infinity, 1, -2], [9, 1, 2], { normalized });
      const df = saSoftmaxVjp([1, -2], [1, 2], { normalized });
      expect(Array.from(dx)).toEqual([0, df[0]!, df[1]!]);
    }
  });
  it('a fully masked row gives zeros and zero gradient; NaN stays in its row', () => {
    for (const normalized of [false, true]) {
      const x = [-Infinity, -Infinity, Number.NaN, 1, 0, 1];
      const y = saSoftmax(x, { shape: [3, 2], normalized });
      expect(Array.from(y.subarray(0, 2))).toEqual([0, 0]);
      expect(Number.isNaN(y[2]!) && Number.isNaN(y[3]!)).toBe(true);
      expect(Array.from(y.subarray(4))).toEqual(Array.from(saSoftmax([0, 1], { normalized })));
      const dx = saSoftmaxVjp(x, [1, 2, 3, 4, 5, 6], { shape: [3, 2], normalized });
      expect(Array.from(dx.subarray(0, 2))).toEqual([0, 0]);
      expect(Number.isNaN(dx[2]!) && Number.isNaN(dx[3]!)).toBe(true);
    }
  });
  it('normalized: an all-zero row (0/0) gives zeros and zero gradient', () => {
    expect(Array.from(saSoftmax([0, 0, 0], { normalized: true }))).toEqual([0, 0, 0]);
    expect(Array.from(saSoftmaxVjp([0, 0, -Infinity], [1, 2, 3], { normalized: true }))).toEqual([
      0, 0, 0,
    ]);
    // plain: x·softmax(x) = 0 there too, with gradient p ⊙ dy
    expect(Array.from(saSoftmaxVjp([0, 0], [1, 3]))).toEqual([0.5, 1.5]);
  });
  it('+∞: y = +∞ (plain) or 1/c (normalized) there, 0 elsewhere, gradient 0', () => {
    expect(Array.from(saSoftmax([Infinity, 2, Infinity]))).toEqual([Infinity, 0, Infinity]);
    expect(Array.from(saSoftmax([Infinity, -2, Infinity], { normalized: true }))).toEqual([
      0.5, 0, 0.5,
    ]);
    expect(Array.from(saSoftmaxVjp([Infinity, 2], [1, 1]))).toEqual([0, 0]);
  });
});

describe('saSoftmax on any axis', () => {
  const shape = [3, 4, 5];
  const x = randomArray(60, 13);
  const dy = randomArray(60, 14);
  for (const axis of [0, 1, 2, -1]) {
    it(`axis ${axis} equals the per-slice result, forward and vjp`, () => {
      const a = axis < 0 ? axis + 3 : axis;
      for (const normalized of [false, true]) {
        expect(saSoftmax(x, { shape, axis, normalized })).toEqual(
          perSlice((r) => saSoftmax(r, { normalized }), [x], shape, a),
        );
        expect(saSoftmaxVjp(x, dy, { shape, axis, normalized })).toEqual(
          perSlice((r, g) => saSoftmaxVjp(r, g!, { normalized }), [x, dy], shape, a),
        );
      }
    });
  }
});

describe('saSoftmax validation and purity', () => {
  it('bad options and inputs throw with their codes', () => {
    expect(() => saSoftmax([1, 2], { normalized: 'yes' as never })).toThrow(
      code('INVALID_PARAMETER'),
    );
    expect(() => saSoftmaxVjp([1, 2], [1, 2, 3])).toThrow(code('SHAPE_MISMATCH'));
    expect(() => saSoftmax([1, 2], { shape: [2, 1], axis: 2 })).toThrow(code('AXIS_OUT_OF_RANGE'));
    expect(() => saSoftmax([1, 2], { backend: 'wasm' })).toThrow();
  });
  it('does not mutate its inputs', () => {
    const x = Float64Array.from([3, -1, 2]);
    const dy = Float64Array.from([1, 2, 3]);
    saSoftmax(x, { normalized: true });
    saSoftmaxVjp(x, dy, { normalized: true });
    expect(Array.from(x)).toEqual([3, -1, 2]);
    expect(Array.from(dy)).toEqual([1, 2, 3]);
  });
});

describe('saSoftmaxVjp at the edge of the range (regression, issue 15)', () => {
  it('rows near ±1e308 keep a finite gradient equal to the 700-digit central difference', () => {
    const sa = (x: Parameters<typeof refSoftmaxWide>[0]) =>
      refSoftmaxWide(x).map((p, i) => p.times(x[i]!));
    const cases: [number[], number[]][] = [
      [
        [-1e308, -1e308],
        [-2, 3],
      ], // was NaN: dy·x overflowed before the product with p
      [
        [1e308, 1e308],
        [1.5, -1],
      ],
      [
        [-1.7e308, -1.7e308, -1.7e308],
        [1, -1, 0.5],
      ],
    ];
    for (const [x, dy] of cases) {
      const got = saSoftmaxVjp(x, dy);
      const want = refVjpByDifferences(sa, x, dy, 1e-30);
      for (let i = 0; i < x.length; i++) {
        expect(Number.isFinite(got[i]!)).toBe(true);
        expect(relError(got[i]!, new D(want[i]!.toString()))).toBeLessThan(1e-14);
      }
    }
  });
});

describe('saSoftmax: the weight scale, the ties and the policy (mutation-testing pins)', () => {
  it('plain rows whose products a_i·w_i overflow: the weights are scaled by σ = 2^−k first', () => {
    // Q = Σ dy·p·x = 1e308 + 2e308 overflows unless the weights are scaled
    const sa = (x: Parameters<typeof refSoftmaxWide>[0]) =>
      refSoftmaxWide(x).map((p, i) => p.times(x[i]!));
    for (const [x, dy] of [
      [
        [1e308, 1e308],
        [2, 4],
      ],
      [
        [0, 1e308, 1e308],
        [7, -3, -3.5],
      ],
    ]) {
      const got = saSoftmaxVjp(x!, dy!);
      const want = refVjpByDifferences(sa, x!, dy!, 1e-30);
      for (let i = 0; i < x!.length; i++)
        expect(relError(got[i]!, new D(want[i]!.toString()))).toBeLessThan(1e-14);
    }
  });
  it('regression: a huge dy on a row at or below 2^500 is scaled too (a_i·w_i overflowed: NaN)', () => {
    const sa = (x: Parameters<typeof refSoftmaxWide>[0]) =>
      refSoftmaxWide(x).map((p, i) => p.times(x[i]!));
    for (const [x, dy] of [
      [
        [2 ** 500, 2 ** 500],
        [1.1e158, 1.1e158],
      ],
      [
        [2 ** 499, 2 ** 499],
        [1.1e158, 1.3e158],
      ],
    ]) {
      const got = saSoftmaxVjp(x!, dy!);
      const want = refVjpByDifferences(sa, x!, dy!, 1e-30);
      for (let i = 0; i < x!.length; i++)
        expect(relError(got[i]!, new D(want[i]!.toString()))).toBeLessThan(1e-14);
    }
  });
  it('normalized rows beyond ±1e300 on one side only are halved: b − a does not overflow', () => {
    // p = [1, 0]: y = [1, 0] with the weight (x − a)/(b − a) = 1 at the max
    expect(Array.from(saSoftmax([Number.MAX_VALUE, -1e300], { normalized: true }))).toEqual([1, 0]);
    expect(Array.from(saSoftmax([1e300, -Number.MAX_VALUE], { normalized: true }))).toEqual([1, 0]);
    expect(Array.from(saSoftmax([1e308, 1e308, -1e308], { normalized: true }))).toEqual([
      0.5, 0.5, 0,
    ]);
  });
  it('ties at the min and at the max: the first index is the active one (one-sided differences)', () => {
    const o = { normalized: true };
    const dy = [1, -2, 0.5, 3, -1];
    const f = (z: Float64Array) => saSoftmax(z, o);
    // min −½ at indices 0 and 2, max ½ at indices 1 and 3 (D = 1, the ∂a and ∂b terms
    // ≈ 0.1 and 0.2); moving the second of each tie inward by 1e-3 leaves the first
    // active, and the gradient there is smooth
    const x = [-0.5, 0.5, -0.5, 0.5, 0];
    const inward = Float64Array.from([-0.5, 0.5, -0.5 + 1e-3, 0.5 - 1e-3, 0]);
    const dx = saSoftmaxVjp(x, dy, o);
    const fd = fdVjp(f, inward, dy, 1e-7);
    for (let i = 0; i < 5; i++) expect(Math.abs(dx[i]! - fd[i]!)).toBeLessThan(1e-2);
  });
  it('NaN stays in its row next to +∞, and in a normalized row of zeros', () => {
    const dx = saSoftmaxVjp([Infinity, Number.NaN, 0, 1], [1, 1, 1, 1], { shape: [2, 2] });
    expect(Number.isNaN(dx[0]!) && Number.isNaN(dx[1]!)).toBe(true);
    expect(Array.from(saSoftmax([Number.NaN, 0], { normalized: true })).every(Number.isNaN)).toBe(
      true,
    );
  });
  it('a fully masked row has gradient 0 even against an infinite dy', () => {
    for (const normalized of [false, true])
      expect(
        Array.from(saSoftmaxVjp([-Infinity, -Infinity], [Infinity, 1], { normalized })),
      ).toEqual([0, 0]);
  });
});

describe('saSoftmax: messages and backend choice', () => {
  it('errors name the public function', () => {
    expect(() => saSoftmax([1, 2], { axis: 2 })).toThrow(/^saSoftmax: /);
    expect(() => saSoftmaxVjp([1, 2], [1, 2], { axis: 2 })).toThrow(/^saSoftmaxVjp: /);
  });
  it('the registry entry is the pair, with normalized among its rules', () => {
    expect(entry.name).toBe('saSoftmax');
    expect(entry.forward).toBe(saSoftmax);
    expect(entry.vjp).toBe(saSoftmaxVjp);
    expect(Object.keys(entry.rules ?? {})).toEqual(
      expect.arrayContaining(['shape', 'axis', 'normalized']),
    );
  });
  it('the backend is chosen for the Float64 rows it computes, whatever the input type', () => {
    const standIn = registerCountingWasmStandIn();
    saSoftmax(Float32Array.from([1, 2, 3]));
    saSoftmaxVjp(Float32Array.from([1, 2, 3]), [1, 2, 3]);
    expect(standIn.calls).toBe(0);
    saSoftmax([1, 2, 3], { backend: 'wasm' });
    expect(standIn.calls).toBe(1);
  });
});
