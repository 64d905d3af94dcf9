import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clippedSoftmax, clippedSoftmaxVjp, entry } from '../../src/normalizers/clipped-softmax.js';
import { normalizers } from '../../src/normalizers/registry.js';
import { softmax, softmaxVjp } from '../../src/normalizers/softmax.js';
import { attentionByNameError } from '../helpers/attention-by-name.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { D, type Dec, dec, refSoftmax } from '../helpers/reference.js';
import { perSlice } from '../helpers/slices.js';

/** clip((ζ − γ)·p + γ, 0, 1) with p the 60-digit softmax. */
function refClipped(x: ArrayLike<number>, zeta: number, gamma: number): Dec[] {
  const w = dec(zeta).minus(dec(gamma));
  return refSoftmax(x).map((p) => D.min(D.max(p.times(w).plus(dec(gamma)), 0), 1));
}

const code = (c: string) => expect.objectContaining({ code: c });
/** Exact bit equality, telling +0 from −0 apart only where both are nonzero. */
const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).every((v, i) => v === b[i] || (Number.isNaN(v) && Number.isNaN(b[i]!)));

describe('clippedSoftmax against 60-digit references', () => {
  for (const [zeta, gamma] of [
    [1, -0.03],
    [1.1, -0.1],
    [1.003, 0],
    [1, -1e-5],
  ] as const)
    it(`Float64 within the absolute bound 2^−52·(4·(ζ − γ)·p + |γ| + |y|), ζ = ${zeta}, γ = ${gamma}`, () => {
      const x = randomArray(40, 1, -4, 4);
      const y = clippedSoftmax(x, { zeta, gamma });
      const ref = refClipped(x, zeta, gamma);
      const p = refSoftmax(x);
      for (let i = 0; i < 40; i++) {
        const bound =
          2 ** -52 * (4 * (zeta - gamma) * p[i]!.toNumber() + Math.abs(gamma) + Math.abs(y[i]!));
        expect(dec(y[i]!).minus(ref[i]!).abs().toNumber()).toBeLessThanOrEqual(bound);
      }
    });

  it('Float32 in, Float32 out: within 1 ulp plus the bound', () => {
    const x = Float32Array.from(randomArray(30, 2, -3, 3));
    const y = clippedSoftmax(x, { gamma: -0.02 });
    expect(y).toBeInstanceOf(Float32Array);
    const ref = refClipped(x, 1, -0.02);
    for (let i = 0; i < 30; i++) {
      const r = ref[i]!.toNumber();
      expect(Math.abs(y[i]! - r)).toBeLessThanOrEqual(2 ** -24 * Math.abs(r) + 2 ** -50);
    }
  });

  it('ζ = 1, γ = 0 (the defaults) is softmax, bit for bit, forward and vjp, Float32 and Float64', () => {
    for (const x of [randomArray(33, 3, -20, 20), Float32Array.from(randomArray(33, 4))]) {
      const dy = randomArray(33, 5);
      expect(same(clippedSoftmax(x), softmax(x, { backend: 'js' }))).toBe(true);
      expect(same(clippedSoftmaxVjp(x, dy), softmaxVjp(x, dy, { backend: 'js' }))).toBe(true);
    }
  });

  it('the doc examples: an exact zero, an exact one', () => {
    const p = softmax([2, 1, -3]);
    const y = clippedSoftmax([2, 1, -3], { gamma: -0.03 });
    expect(y[2]).toBe(0);
    expect(y[0]).toBeCloseTo(1.03 * p[0]! - 0.03, 15);
    expect(Array.from(clippedSoftmax([8, 0, 0], { zeta: 1.01, gamma: -0.01 }))).toEqual([1, 0, 0]);
  });

  it('the cut points: p ≤ −γ/(ζ − γ) gives 0, p ≥ (1 − γ)/(ζ − γ) gives 1', () => {
    // p = [1/2, 1/4, 1/4] exactly: with γ = −1/3, ζ = 1, 1/4·4/3 − 1/3 = 0 exactly
    const x = [Math.log(2), 0, 0];
    const y = clippedSoftmax(x, { gamma: -1 / 3 });
    expect(y[1]!).toBeLessThan(1e-16);
    const z = clippedSoftmax(x, { zeta: 2, gamma: 0 }); // 2·1/2 = 1
    expect(Math.abs(z[0]! - 1)).toBeLessThan(1e-15);
  });
});

describe('clippedSoftmaxVjp', () => {
  for (const [zeta, gamma] of [
    [1, -0.05],
    [1.2, -0.2],
    [1, 0],
  ] as const)
    it(`agrees with central finite differences (ζ = ${zeta}, γ = ${gamma}; clipped entries included)`, () => {
      const x = randomArray(12, 6, -3, 3);
      const dy = randomArray(12, 7);
      const y = clippedSoftmax(x, { zeta, gamma });
      if (gamma < 0) expect(Array.from(y).some((v) => v === 0)).toBe(true);
      const fd = fdVjp((z) => clippedSoftmax(z, { zeta, gamma }), x, dy);
      expect(gradError(clippedSoftmaxVjp(x, dy, { zeta, gamma }), fd)).toBeLessThan(1e-8);
    });

  it('an entry clipped at 1 passes no gradient of its own', () => {
    const x = [8, 0, 0];
    const o = { zeta: 1.01, gamma: -0.01 };
    const fd = fdVjp((z) => clippedSoftmax(z, o), Float64Array.from(x), [1, 0, 0]);
    expect(Array.from(fd)).toEqual([0, 0, 0]); // y is constant near x
    expect(Array.from(clippedSoftmaxVjp(x, [1, 0, 0], o))).toEqual([0, 0, 0]);
  });
});

describe('clippedSoftmax non-finite policy and edges', () => {
  it('−∞ masks give exact 0 and gradient 0; the rest is the filtered row', () => {
    const o = { gamma: -0.01 };
    const y = clippedSoftmax([-Infinity, 1, 2, -Infinity], o);
    const f = clippedSoftmax([1, 2], o);
    expect(Array.from(y)).toEqual([0, f[0], f[1], 0]);
    const dx = clippedSoftmaxVjp([-Infinity, 1, 2], [9, 1, 2], o);
    const df = clippedSoftmaxVjp([1, 2], [1, 2], o);
    expect(Array.from(dx)).toEqual([0, df[0], df[1]]);
  });

  it('fully masked rows give zeros; NaN stays in its row; +∞ entries clip their share', () => {
    const x = [-Infinity, -Infinity, Number.NaN, 1, Infinity, Infinity, 0, 0];
    const o = { shape: [4, 2], zeta: 1.5, gamma: -0.5 };
    const y = clippedSoftmax(x, o);
    expect(Array.from(y.subarray(0, 2))).toEqual([0, 0]);
    expect(Number.isNaN(y[2]!) && Number.isNaN(y[3]!)).toBe(true);
    expect(Array.from(y.subarray(4, 6))).toEqual([0.5, 0.5]); // 2·½ − ½
    expect(Array.from(y.subarray(6))).toEqual([0.5, 0.5]);
    const dx = clippedSoftmaxVjp(x, [1, 2, 3, 4, 5, 6, 7, 8], o);
    expect(Array.from(dx.subarray(0, 2))).toEqual([0, 0]);
    expect(Number.isNaN(dx[2]!)).toBe(true);
    expect(Array.from(dx.subarray(4, 6))).toEqual([0, 0]);
  });

  it('length-1 rows give clip(ζ) = 1; long rows cut most entries to exact 0', () => {
    expect(Array.from(clippedSoftmax([3], { zeta: 1.2, gamma: -0.1 }))).toEqual([1]);
    const long = randomArray(100_000, 8, -2, 2);
    const y = clippedSoftmax(long, { gamma: -1e-5 });
    // p ≈ 1e-5 on average: about half the entries fall under −γ/(ζ − γ) ≈ 1e-5
    const zeros = y.reduce((c, v) => c + (v === 0 ? 1 : 0), 0);
    expect(zeros).toBeGreaterThan(30_000);
    expect(zeros).toBeLessThan(90_000);
  });

  it('huge magnitudes stay finite', () => {
    expect(Array.from(clippedSoftmax([1e300, -1e300], { gamma: -0.1 }))).toEqual([1, 0]);
  });
});

describe('clippedSoftmax on any axis', () => {
  const shape = [3, 4, 5];
  const x = randomArray(60, 9, -2, 2);
  const dy = randomArray(60, 10);
  const o = { zeta: 1.05, gamma: -0.05 };
  for (const axis of [0, 1, 2, -1])
    it(`axis ${axis} equals the per-slice result, forward and vjp`, () => {
      const a = axis < 0 ? axis + 3 : axis;
      expect(clippedSoftmax(x, { ...o, shape, axis })).toEqual(
        perSlice((r) => clippedSoftmax(r, o), [x], shape, a),
      );
      expect(clippedSoftmaxVjp(x, dy, { ...o, shape, axis })).toEqual(
        perSlice((r, g) => clippedSoftmaxVjp(r, g!, o), [x, dy], shape, a),
      );
    });
});

describe('clippedSoftmax properties (fast-check)', () => {
  const row = fc.array(fc.double({ min: -30, max: 30, noNaN: true }), {
    minLength: 1,
    maxLength: 40,
  });
  const gamma = fc.double({ min: -0.5, max: 0, noNaN: true });
  const zeta = fc.double({ min: 1, max: 1.5, noNaN: true });
  it('outputs lie in [0, 1], are monotone in the logits’ order and shift invariant', () => {
    fc.assert(
      fc.property(row, zeta, gamma, (v, z, g) => {
        const y = clippedSoftmax(v, { zeta: z, gamma: g });
        const w = clippedSoftmax(
          v.map((t) => t + 1),
          { zeta: z, gamma: g },
        );
        for (let i = 0; i < v.length; i++) {
          expect(y[i]).toBeGreaterThanOrEqual(0);
          expect(y[i]).toBeLessThanOrEqual(1);
          expect(Math.abs(y[i]! - w[i]!)).toBeLessThan(1e-13);
          for (let j = 0; j < v.length; j++)
            if (v[i]! > v[j]!) expect(y[i]).toBeGreaterThanOrEqual(y[j]!);
        }
      }),
    );
  });
});

describe('clippedSoftmax options, registry and purity', () => {
  it('bad options throw SoftmaxKitError naming the function', () => {
    expect(() => clippedSoftmax([1, 2], { zeta: 0.9 })).toThrow(code('INVALID_PARAMETER'));
    expect(() => clippedSoftmax([1, 2], { gamma: 0.1 })).toThrow(code('INVALID_PARAMETER'));
    expect(() => clippedSoftmax([1, 2], { gamma: Number.NaN })).toThrow(
      code('NON_FINITE_PARAMETER'),
    );
    expect(() => clippedSoftmax([1, 2], { eta: 1.1 } as never)).toThrow(
      /^clippedSoftmax: unknown option 'eta'/,
    );
    expect(() => clippedSoftmaxVjp([1, 2], [1], {})).toThrow(code('SHAPE_MISMATCH'));
    expect(() => clippedSoftmax([1, 2], { axis: 1 })).toThrow(code('AXIS_OUT_OF_RANGE'));
  });
  it('attention takes it by name (block-materialized), as its definition', () => {
    expect(attentionByNameError('clippedSoftmax', (s) => clippedSoftmax(s))).toBeLessThan(1e-15);
  });
  it('the registry entry is the pair', () => {
    expect(normalizers.clippedSoftmax.forward).toBe(clippedSoftmax);
    expect(normalizers.clippedSoftmax.vjp).toBe(clippedSoftmaxVjp);
  });
  it('does not mutate its inputs', () => {
    const x = Float32Array.from([3, 1, 2]);
    const dy = Float32Array.from([1, 2, 3]);
    clippedSoftmax(x, { gamma: -0.1 });
    expect(clippedSoftmaxVjp(x, dy, { gamma: -0.1 })).toBeInstanceOf(Float32Array);
    expect(Array.from(x)).toEqual([3, 1, 2]);
    expect(Array.from(dy)).toEqual([1, 2, 3]);
  });
});

describe('clippedSoftmax: messages and registry entry', () => {
  it('errors name the public function', () => {
    expect(() => clippedSoftmax([1, 2], { axis: 2 })).toThrow(/^clippedSoftmax: /);
    expect(() => clippedSoftmaxVjp([1, 2], [1, 2], { axis: 2 })).toThrow(/^clippedSoftmaxVjp: /);
  });
  it('the entry is named', () => {
    expect(entry.name).toBe('clippedSoftmax');
  });
});
