import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { softmax } from '../../src/normalizers/softmax.js';
import { entry, sparseSoftmax, sparseSoftmaxVjp } from '../../src/normalizers/sparse-softmax.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { refSoftmax, ulpError } from '../helpers/reference.js';
import { perSlice } from '../helpers/slices.js';
import { registerCountingWasmStandIn } from '../helpers/wasm-stand-in.js';

/** The top-k indices by (value descending, index ascending): an independent selection. */
function topK(x: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: x.length }, (_, i) => i);
  idx.sort((a, b) => x[b]! - x[a]! || a - b);
  return idx.slice(0, k).sort((a, b) => a - b);
}

const code = (c: string) => expect.objectContaining({ code: c });

describe('sparseSoftmax accuracy against 60-digit references', () => {
  it('Float64 ≤ 4 ulp on random rows (k = 1, 5, n/2, n)', () => {
    const x = randomArray(64, 1, -20, 20);
    for (const k of [1, 5, 32, 64]) {
      const y = sparseSoftmax(x, { k });
      const K = topK(x, k);
      const ref = refSoftmax(K.map((i) => x[i]!));
      const inK = new Set(K);
      for (let i = 0; i < 64; i++) if (!inK.has(i)) expect(y[i]).toBe(0);
      K.forEach((i, j) => {
        expect(ulpError(y[i]!, ref[j]!, false)).toBeLessThanOrEqual(4);
      });
    }
  });

  it('Float32 ≤ 4 ulp, up to ±3e38', () => {
    for (const scale of [1, 80, 3e38]) {
      const x = Float32Array.from(randomArray(100, 2, -scale, scale));
      const y = sparseSoftmax(x, { k: 7 });
      expect(y).toBeInstanceOf(Float32Array);
      const K = topK(x, 7);
      const ref = refSoftmax(K.map((i) => x[i]!));
      K.forEach((i, j) => {
        if (ref[j]!.gte(2 ** -126)) expect(ulpError(y[i]!, ref[j]!, true)).toBeLessThanOrEqual(4);
      });
    }
  });

  it('k = n is softmax exactly', () => {
    const x = randomArray(33, 3);
    expect(sparseSoftmax(x, { k: 33 })).toEqual(softmax(x));
  });

  it('the example: softmax of the top 2 of [1, 3, 2, 0]', () => {
    const y = sparseSoftmax([1, 3, 2, 0], { k: 2 });
    const ref = refSoftmax([3, 2]);
    expect(y[0]).toBe(0);
    expect(y[3]).toBe(0);
    expect(ulpError(y[1]!, ref[0]!, false)).toBeLessThanOrEqual(4);
    expect(ulpError(y[2]!, ref[1]!, false)).toBeLessThanOrEqual(4);
  });

  it('length-1 rows give 1', () => {
    expect(Array.from(sparseSoftmax([-1e308], { k: 1 }))).toEqual([1]);
  });
});

describe('sparseSoftmax ties', () => {
  it('lowest indices win at the k-th value', () => {
    expect(Array.from(sparseSoftmax([1, 1, 1], { k: 2 }))).toEqual([0.5, 0.5, 0]);
    const y = sparseSoftmax([0, 2, 1, 2, 1, 1], { k: 4 });
    // support: both 2s, then the first two 1s (indices 2 and 4)
    expect(y[0]).toBe(0);
    expect(y[5]).toBe(0);
    expect(y[2]).toBe(y[4]);
    expect(y[1]).toBe(y[3]);
  });
});

describe('sparseSoftmax properties (fast-check)', () => {
  const row = fc.array(fc.double({ min: -50, max: 50, noNaN: true }), {
    minLength: 1,
    maxLength: 40,
  });
  it('sums to one with exactly k nonzeros at the top-k', () => {
    fc.assert(
      fc.property(row, fc.nat(), (v, kk) => {
        const k = 1 + (kk % v.length);
        const y = sparseSoftmax(v, { k });
        let s = 0;
        for (const t of y) s += t;
        expect(Math.abs(s - 1)).toBeLessThan(1e-14 * k);
        const K = new Set(topK(v, k));
        for (let i = 0; i < v.length; i++) if (!K.has(i)) expect(y[i]).toBe(0);
      }),
    );
  });
  it('is shift invariant (integer rows and shifts: exact, so the support is unchanged)', () => {
    const ints = fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(ints, fc.integer({ min: -1000, max: 1000 }), (v, c) => {
        const k = Math.ceil(v.length / 2);
        const a = sparseSoftmax(v, { k });
        const b = sparseSoftmax(
          v.map((t) => t + c),
          { k },
        );
        for (let i = 0; i < v.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-15);
      }),
      { numRuns: 50 },
    );
  });
});

describe('sparseSoftmaxVjp', () => {
  it('agrees with central finite differences in Float64 (distinct values, away from ties)', () => {
    for (const [k, seed] of [
      [1, 4],
      [3, 5],
      [10, 6],
      [12, 7],
    ] as const) {
      const x = randomArray(12, seed, -3, 3);
      const dy = randomArray(12, seed + 100);
      const dx = sparseSoftmaxVjp(x, dy, { k });
      const fd = fdVjp((z) => sparseSoftmax(z, { k }), x, dy);
      expect(gradError(dx, fd)).toBeLessThan(1e-6);
    }
  });

  it('is zero off the support', () => {
    const dx = sparseSoftmaxVjp([1, 3, 2, 0], [1, 1, 5, 7], { k: 2 });
    expect(dx[0]).toBe(0);
    expect(dx[3]).toBe(0);
  });
});

describe('sparseSoftmax non-finite policy', () => {
  it('−∞ entries get 0 and the rest matches the filtered row', () => {
    const y = sparseSoftmax([-Infinity, 1, -Infinity, 2, 0], { k: 2 });
    const ref = refSoftmax([1, 2]);
    expect(y[0]).toBe(0);
    expect(y[2]).toBe(0);
    expect(y[4]).toBe(0);
    expect(ulpError(y[1]!, ref[0]!, false)).toBeLessThanOrEqual(4);
    expect(ulpError(y[3]!, ref[1]!, false)).toBeLessThanOrEqual(4);
    // fewer finite entries than k: the −∞ are selected but get 0
    expect(Array.from(sparseSoftmax([-Infinity, 1, -Infinity], { k: 2 }))).toEqual([0, 1, 0]);
  });
  it('a fully masked row gives zeros and zero gradient; other rows unaffected', () => {
    const x = [-Infinity, -Infinity, -Infinity, 1, 2, 3];
    const y = sparseSoftmax(x, { shape: [2, 3], k: 2 });
    expect(Array.from(y.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(y[4]! + y[5]!).toBeCloseTo(1, 15);
    const dx = sparseSoftmaxVjp(x, [1, 2, 3, 4, 5, 6], { shape: [2, 3], k: 2 });
    expect(Array.from(dx.subarray(0, 3))).toEqual([0, 0, 0]);
  });
  it('NaN makes its row NaN and no other', () => {
    const x = [1, Number.NaN, 0, 1, 2, 3];
    const y = sparseSoftmax(x, { shape: [2, 3], k: 1 });
    expect(Array.from(y.subarray(0, 3)).every(Number.isNaN)).toBe(true);
    expect(Array.from(y.subarray(3))).toEqual([0, 0, 1]);
    const dx = sparseSoftmaxVjp(x, [1, 1, 1, 1, 1, 1], { shape: [2, 3], k: 1 });
    expect(Array.from(dx.subarray(0, 3)).every(Number.isNaN)).toBe(true);
    expect(Array.from(dx.subarray(3))).toEqual([0, 0, 0]);
  });
  it('+∞ entries in the support share the mass', () => {
    expect(Array.from(sparseSoftmax([Infinity, 0, Infinity, 5], { k: 3 }))).toEqual([
      0.5, 0, 0.5, 0,
    ]);
  });
});

describe('sparseSoftmax on any axis', () => {
  const shape = [3, 4, 5];
  const x = randomArray(60, 8, -4, 4);
  const dy = randomArray(60, 9);
  for (const axis of [0, 1, 2, -1]) {
    it(`axis ${axis} equals the per-slice result, forward and vjp`, () => {
      const a = axis < 0 ? axis + 3 : axis;
      const k = 2;
      expect(sparseSoftmax(x, { shape, axis, k })).toEqual(
        perSlice((r) => sparseSoftmax(r, { k }), [x], shape, a),
      );
      expect(sparseSoftmaxVjp(x, dy, { shape, axis, k })).toEqual(
        perSlice((r, g) => sparseSoftmaxVjp(r, g!, { k }), [x, dy], shape, a),
      );
    });
  }
});

describe('sparseSoftmax validation and purity', () => {
  it('k must be an integer in [1, n]', () => {
    for (const k of [0, 4, 1.5, -1, Number.NaN, undefined])
      expect(() => sparseSoftmax([1, 2, 3], { k })).toThrow(code('K_OUT_OF_RANGE'));
    expect(() => sparseSoftmaxVjp([1, 2, 3], [1, 2, 3], { k: 9 })).toThrow(code('K_OUT_OF_RANGE'));
    expect(() => sparseSoftmax([1, 2, 3, 4], { k: 3, shape: [2, 2] })).toThrow(
      code('K_OUT_OF_RANGE'),
    );
  });
  it('bad shapes, axes, dy and out throw with their codes', () => {
    expect(() => sparseSoftmax([], { k: 1 })).toThrow(code('EMPTY_AXIS'));
    expect(() => sparseSoftmax([1, 2], { k: 1, axis: 1 })).toThrow(code('AXIS_OUT_OF_RANGE'));
    expect(() => sparseSoftmax([1, 2], { k: 1, shape: [3] })).toThrow(code('SHAPE_MISMATCH'));
    expect(() => sparseSoftmaxVjp([1, 2], [1], { k: 1 })).toThrow(code('SHAPE_MISMATCH'));
    expect(() => sparseSoftmax(new Float32Array(2), { k: 1, out: new Float64Array(2) })).toThrow(
      code('INVALID_OUT'),
    );
    expect(() => sparseSoftmax('x' as never, { k: 1 })).toThrow(code('INVALID_INPUT'));
  });
  it('does not mutate its inputs; writes into out when given', () => {
    const x = Float64Array.from([3, 1, 2]);
    const dy = Float64Array.from([1, 2, 3]);
    sparseSoftmax(x, { k: 2 });
    sparseSoftmaxVjp(x, dy, { k: 2 });
    expect(Array.from(x)).toEqual([3, 1, 2]);
    expect(Array.from(dy)).toEqual([1, 2, 3]);
    const out = new Float64Array(3);
    expect(sparseSoftmax(x, { k: 2, out })).toBe(out);
  });
});

describe('sparseSoftmax selection (mutation-testing pins)', () => {
  it('a tie at the k-th value before a larger entry: the larger entry keeps its place', () => {
    // t = 1, one entry above it: K = {2 (the 3), 0 (the first 1)}, not the two 1s
    const y = sparseSoftmax([1, 1, 3], { k: 2 });
    const ref = refSoftmax([1, 3]);
    expect(y[1]).toBe(0);
    expect(ulpError(y[0]!, ref[0]!, false)).toBeLessThanOrEqual(4);
    expect(ulpError(y[2]!, ref[1]!, false)).toBeLessThanOrEqual(4);
    const dx = sparseSoftmaxVjp([1, 1, 3], [5, 7, 11], { k: 2 });
    expect(dx[1]).toBe(0);
    expect(dx[0]).not.toBe(0);
  });
  it('a NaN at the start of the next row does not reach this row', () => {
    const y = sparseSoftmax([1, 2, 3, Number.NaN, 0, 1], { shape: [2, 3], k: 2 });
    const ref = refSoftmax([2, 3]);
    expect(ulpError(y[1]!, ref[0]!, false)).toBeLessThanOrEqual(4);
    expect(ulpError(y[2]!, ref[1]!, false)).toBeLessThanOrEqual(4);
    expect(Array.from(y.subarray(3)).every(Number.isNaN)).toBe(true);
  });
});

describe('sparseSoftmax: messages, registry entry and backend choice', () => {
  it('errors name the public function and the bound of k', () => {
    expect(() => sparseSoftmax([1, 2], { k: 1, axis: 2 })).toThrow(/^sparseSoftmax: /);
    expect(() => sparseSoftmaxVjp([1, 2], [1, 2], { k: 1, axis: 2 })).toThrow(
      /^sparseSoftmaxVjp: /,
    );
    expect(() => sparseSoftmax([1, 2, 3], { k: 0 })).toThrow(
      'sparseSoftmax: expected k to be an integer >= 1, got 0',
    );
    expect(() => sparseSoftmax([1, 2, 3], { k: 4 })).toThrow(
      'sparseSoftmax: expected k to be an integer in [1, 3], got 4',
    );
    expect(() => sparseSoftmaxVjp([1, 2, 3], [1, 2, 3], { k: 4 })).toThrow(
      /^sparseSoftmaxVjp: expected k to be an integer in \[1, 3\]/,
    );
  });
  it('the registry entry is the pair, with k among its rules', () => {
    expect(entry.name).toBe('sparseSoftmax');
    expect(entry.forward).toBe(sparseSoftmax);
    expect(entry.vjp).toBe(sparseSoftmaxVjp);
    expect(Object.keys(entry.rules ?? {})).toEqual(expect.arrayContaining(['shape', 'axis', 'k']));
  });
  it('the backend is chosen for the Float64 copies of the top-k, whatever the input type', () => {
    const standIn = registerCountingWasmStandIn();
    sparseSoftmax(Float32Array.from([1, 2, 3]), { k: 2 });
    sparseSoftmax([1, 2, 3], { k: 2 });
    expect(standIn.calls).toBe(0);
    sparseSoftmax([1, 2, 3], { k: 2, backend: 'wasm' });
    expect(standIn.calls).toBe(1);
  });
});
