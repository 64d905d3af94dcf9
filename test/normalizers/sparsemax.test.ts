import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entry, sparsemax, sparsemaxVjp } from '../../src/normalizers/sparsemax.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { D, type Dec, dec, relError, ulpError } from '../helpers/reference.js';
import { perSlice } from '../helpers/slices.js';

/** Sparsemax by the sort formula in 60-digit arithmetic on x − max (−∞ entries dropped). */
function refSparsemax(x: ArrayLike<number>): Dec[] {
  const v = Array.from(x);
  const m = dec(v.reduce((a, b) => Math.max(a, b), -Infinity)); // shift: keeps 60 digits for z − τ
  const z = v
    .filter((t) => t !== -Infinity)
    .map((t) => dec(t).minus(m))
    .sort((a, b) => b.comparedTo(a));
  let sum = new D(0);
  let tau = new D(0);
  z.forEach((zk, i) => {
    sum = sum.plus(zk);
    const t = sum.minus(1).div(i + 1);
    if (zk.gt(t)) tau = t;
  });
  return v.map((t) => (t === -Infinity ? new D(0) : D.max(dec(t).minus(m).minus(tau), 0)));
}

/** τ by plain bisection on Σ max(x − τ, 0) = 1 (an independent double check for long rows). */
function bisectTau(x: Float64Array): number {
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) hi = Math.max(hi, x[i]!);
  let lo = hi - 1;
  for (let it = 0; it < 60; it++) {
    const mid = (lo + hi) / 2;
    let s = 0;
    for (let i = 0; i < x.length; i++) if (x[i]! > mid) s += x[i]! - mid;
    if (s > 1) lo = mid;
    else hi = mid;
  }
  return lo;
}

const code = (c: string) => expect.objectContaining({ code: c });
const EPS = 2 ** -53;
const row = (n: number) =>
  fc
    .array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 1, maxLength: n })
    .map((a) => Float64Array.from(a));

describe('sparsemax against the 60-digit sort formula', () => {
  it('Float64: relative ≤ 2·2^−53 on every non-zero output; zeros exactly where the reference has them', () => {
    let worst = 0;
    for (const [n, lo, hi, seed] of [
      [8, -1, 1, 1],
      [64, -0.5, 0.5, 2],
      [300, -0.05, 0.05, 3],
      [40, 1e6, 1e6 + 2, 4],
      [40, -1e-300, 1e-300, 5],
    ] as const) {
      const x = randomArray(n, seed, lo, hi);
      const y = sparsemax(x);
      const ref = refSparsemax(x);
      for (let i = 0; i < n; i++) {
        expect(y[i] === 0).toBe(ref[i]!.isZero());
        if (y[i] !== 0) worst = Math.max(worst, relError(y[i]!, ref[i]!));
      }
    }
    expect(worst).toBeLessThanOrEqual(2 * EPS);
  });

  it('an output of 2^−41 just above the threshold is exact', () => {
    expect(Array.from(sparsemax([0, -1 + 2 ** -40]))).toEqual([1 - 2 ** -41, 2 ** -41]);
    expect(Array.from(sparsemax([5e8, 5e8 - 1 + 2 ** -24]))).toEqual([1 - 2 ** -25, 2 ** -25]);
  });

  it('Float32: the double result rounded once (≤ 1 ulp)', () => {
    for (const [scale, seed] of [
      [1, 6],
      [3e38, 7],
      [1e-30, 8],
    ] as const) {
      const x = Float32Array.from(randomArray(50, seed, -scale, scale));
      if (scale === 1) x[3] = -Infinity;
      const y = sparsemax(x);
      expect(y).toBeInstanceOf(Float32Array);
      const ref = refSparsemax(x);
      for (let i = 0; i < 50; i++) expect(ulpError(y[i]!, ref[i]!, true)).toBeLessThanOrEqual(1);
    }
  });

  it('the examples: [1, 2, 3] → [0, 0, 1]; [0.1, 0.5, 0.9] → [0, 0.3, 0.7]', () => {
    expect(Array.from(sparsemax([1, 2, 3]))).toEqual([0, 0, 1]);
    const y = sparsemax([0.1, 0.5, 0.9]);
    expect(y[0]).toBe(0);
    expect(y[1]).toBeCloseTo(0.3, 15);
    expect(y[2]).toBeCloseTo(0.7, 15);
    const z = sparsemax(new Float32Array([1, 2, 3, 4]), { shape: [2, 2], axis: 0 });
    expect(Array.from(z)).toEqual([0, 0, 1, 1]);
  });

  it('a row of 10^5: sums to one and matches an independent bisection', () => {
    const x = randomArray(100_000, 9, -3, 3);
    const y = sparsemax(x);
    const tau = bisectTau(x);
    let s = 0;
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      s += y[i]!;
      worst = Math.max(worst, Math.abs(y[i]! - Math.max(x[i]! - tau, 0)));
    }
    expect(worst).toBeLessThan(1e-13);
    expect(Math.abs(s - 1)).toBeLessThan(1e-12);
  });
});

describe('sparsemax properties (fast-check)', () => {
  it('non-negative, sums to one, exact zeros below τ', () => {
    fc.assert(
      fc.property(row(40), (x) => {
        const y = sparsemax(x);
        let s = 0;
        let tau = Number.NaN;
        for (let i = 0; i < x.length; i++) {
          expect(y[i]).toBeGreaterThanOrEqual(0);
          s += y[i]!;
          if (y[i]! > 0 && Number.isNaN(tau)) tau = x[i]! - y[i]!;
        }
        expect(Math.abs(s - 1)).toBeLessThanOrEqual(x.length * 4 * EPS);
        for (let i = 0; i < x.length; i++) {
          if (x[i]! < tau - 1e-12) expect(y[i]).toBe(0);
          if (x[i]! > tau + 1e-12) expect(y[i]).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('is shift invariant', () => {
    fc.assert(
      fc.property(row(30), fc.double({ min: -1e3, max: 1e3, noNaN: true }), (x, c) => {
        const y = sparsemax(x);
        const ys = sparsemax(x.map((v) => v + c));
        for (let i = 0; i < x.length; i++)
          expect(Math.abs(ys[i]! - y[i]!)).toBeLessThanOrEqual(8 * EPS * (4 + Math.abs(c)));
      }),
    );
  });

  it('a row with one entry ahead by ≥ 1 is one-hot', () => {
    fc.assert(
      fc.property(
        row(30),
        fc.nat(29),
        fc.double({ min: 1.001, max: 1e6, noNaN: true }),
        (x, j, d) => {
          const k = j % x.length;
          let others = -Infinity;
          for (let i = 0; i < x.length; i++) if (i !== k) others = Math.max(others, x[i]!);
          x[k] = x.length === 1 ? x[k]! : others + d;
          const y = sparsemax(x);
          for (let i = 0; i < x.length; i++) expect(y[i]).toBe(i === k ? 1 : 0);
        },
      ),
    );
  });
});

describe('sparsemaxVjp', () => {
  it('agrees with a Float64 central difference away from support changes', () => {
    let checked = 0;
    for (let seed = 1; checked < 20; seed++) {
      const n = 2 + (seed % 9);
      const x = randomArray(n, seed, -1, 1);
      const y = sparsemax(x);
      let tau = 0;
      for (let i = 0; i < n; i++) if (y[i]! > 0) tau = x[i]! - y[i]!;
      if (x.some((v) => Math.abs(v - tau) < 1e-4)) continue;
      const dy = randomArray(n, seed + 100);
      const dx = sparsemaxVjp(x, dy);
      expect(
        gradError(
          dx,
          fdVjp((t) => sparsemax(t), x, dy),
        ),
      ).toBeLessThanOrEqual(1e-6);
      checked++;
    }
  });

  it('is s ⊙ (dy − mean of dy over the support)', () => {
    const x = [0.1, 0.5, 0.9, -3];
    const dy = [1, 2, 4, 8];
    expect(Array.from(sparsemaxVjp(x, dy))).toEqual([0, -1, 1, 0]);
  });
});

describe('sparsemax edges', () => {
  it('any axis of a 3-D tensor equals the per-slice result (forward and vjp)', () => {
    const shape = [3, 4, 5];
    const x = randomArray(60, 11, -1, 1);
    const dy = randomArray(60, 12);
    for (const axis of [0, 1, 2, -1, -3]) {
      expect(Array.from(sparsemax(x, { shape, axis }))).toEqual(
        Array.from(perSlice((r) => sparsemax(r), [x], shape, axis)),
      );
      expect(Array.from(sparsemaxVjp(x, dy, { shape, axis }))).toEqual(
        Array.from(perSlice((r, g) => sparsemaxVjp(r, g), [x, dy], shape, axis)),
      );
    }
  });

  it('length-1 rows give 1 and a zero gradient', () => {
    expect(Array.from(sparsemax([-7, 3e300], { shape: [2, 1] }))).toEqual([1, 1]);
    expect(Array.from(sparsemaxVjp([5], [2]))).toEqual([0]);
  });

  it('−∞ entries are 0 with gradient 0, as if the row were truncated', () => {
    const x = [0.3, -Infinity, 0.1, -Infinity, 0.25];
    const y = sparsemax(x);
    const t = sparsemax([0.3, 0.1, 0.25]);
    expect(Array.from(y)).toEqual([t[0], 0, t[1], 0, t[2]]);
    const dx = sparsemaxVjp(x, [1, 5, 2, 7, 3]);
    const dt = sparsemaxVjp([0.3, 0.1, 0.25], [1, 2, 3]);
    expect(Array.from(dx)).toEqual([dt[0], 0, dt[1], 0, dt[2]]);
  });

  it('a fully masked row gives zeros in forward and vjp; NaN stays in its row', () => {
    const x = [-Infinity, -Infinity, 1, Number.NaN, 0, 0.5];
    const y = sparsemax(x, { shape: [3, 2] });
    expect(Array.from(y.subarray(0, 2))).toEqual([0, 0]);
    expect(y.subarray(2, 4).every(Number.isNaN)).toBe(true);
    expect(Array.from(y.subarray(4))).toEqual([0.25, 0.75]);
    const dx = sparsemaxVjp(x, [1, 2, 3, 4, 5, 6], { shape: [3, 2] });
    expect(Array.from(dx.subarray(0, 2))).toEqual([0, 0]);
    expect(dx.subarray(2, 4).every(Number.isNaN)).toBe(true);
    expect(Array.from(dx.subarray(4))).toEqual([-0.5, 0.5]);
  });

  it('+∞ entries share the mass equally (the limit), with a finite gradient', () => {
    const x = [Infinity, 2, Infinity, -Infinity];
    expect(Array.from(sparsemax(x))).toEqual([0.5, 0, 0.5, 0]);
    expect(Array.from(sparsemax([1e300, 2, 1e300, -1e300]))).toEqual([0.5, 0, 0.5, 0]);
    expect(Array.from(sparsemaxVjp(x, [1, 2, 3, 4]))).toEqual([-1, 0, 1, 0]);
  });

  it('keeps the element type; number[] gives Float64Array; honours out', () => {
    expect(sparsemax(new Float32Array([1, 2]))).toBeInstanceOf(Float32Array);
    expect(sparsemax([1, 2])).toBeInstanceOf(Float64Array);
    const out = new Float64Array(2);
    expect(sparsemax([1, 1.5], { out })).toBe(out);
    expect(Array.from(out)).toEqual([0.25, 0.75]);
    const dxOut = new Float32Array(2);
    expect(sparsemaxVjp(new Float32Array([1, 1.5]), [1, 0], { out: dxOut })).toBe(dxOut);
    expect(Array.from(dxOut)).toEqual([0.5, -0.5]);
  });

  it('does not mutate its inputs', () => {
    const x = randomArray(12, 13);
    const dy = randomArray(12, 14);
    const x0 = Float64Array.from(x);
    const dy0 = Float64Array.from(dy);
    sparsemax(x, { shape: [3, 4], axis: 0 });
    sparsemaxVjp(x, dy, { shape: [3, 4], axis: 0 });
    expect(x).toEqual(x0);
    expect(dy).toEqual(dy0);
  });

  it('throws SoftmaxKitError with the right code on bad input', () => {
    expect(() => sparsemax([])).toThrow(code('EMPTY_AXIS'));
    expect(() => sparsemax([1, 2], { axis: 1 })).toThrow(code('AXIS_OUT_OF_RANGE'));
    expect(() => sparsemax([1, 2], { shape: [3] })).toThrow(code('SHAPE_MISMATCH'));
    expect(() => sparsemax([1, 2], { shape: [-2] })).toThrow(code('INVALID_SHAPE'));
    expect(() => sparsemax('ab' as never)).toThrow(code('INVALID_INPUT'));
    expect(() => sparsemax([1, 2], { out: new Float32Array(2) })).toThrow(code('INVALID_OUT'));
    expect(() => sparsemax([1, 2], { backend: 'wasm' })).toThrow(code('BACKEND_UNAVAILABLE'));
    expect(() => sparsemax([1, 2], { backend: 'gpu' as never })).toThrow(code('INVALID_PARAMETER'));
    expect(() => sparsemaxVjp([1, 2], [1])).toThrow(code('SHAPE_MISMATCH'));
    expect(() => sparsemaxVjp([1, 2], [1, 'a'] as never)).toThrow(code('INVALID_INPUT'));
  });
});

describe('sparsemax: messages and registry entry', () => {
  it('errors name the public function', () => {
    expect(() => sparsemax([1, 2], { axis: 2 })).toThrow(/^sparsemax: /);
    expect(() => sparsemaxVjp([1, 2], [1, 2], { axis: 2 })).toThrow(/^sparsemaxVjp: /);
  });

  it('registers sparsemax with its vjp', () => {
    expect(entry.name).toBe('sparsemax');
    expect(entry.forward).toBe(sparsemax);
    expect(entry.vjp).toBe(sparsemaxVjp);
  });
});
