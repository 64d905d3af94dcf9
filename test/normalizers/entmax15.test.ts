import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entmax15, entmax15Vjp, entry } from '../../src/normalizers/entmax15.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { D, type Dec, dec, relError, ulpError } from '../helpers/reference.js';
import { perSlice } from '../helpers/slices.js';

/**
 * 1.5-entmax in 60-digit arithmetic: z = (x − max)/2 sorted decreasingly; for each k
 * the smaller root of k·τ² − 2·S1·τ + S2 − 1 = 0 (S1 = Σz, S2 = Σz² over the
 * top k); the last k whose root is ≤ z_(k) gives τ.
 */
function refEntmax15(x: ArrayLike<number>): Dec[] {
  const v = Array.from(x);
  const m = dec(v.reduce((a, b) => Math.max(a, b), -Infinity)); // shift: keeps 60 digits for z − τ
  const z = v
    .filter((t) => t !== -Infinity)
    .map((t) => dec(t).minus(m).div(2))
    .sort((a, b) => b.comparedTo(a));
  let s1 = new D(0);
  let s2 = new D(0);
  let tau = new D(0);
  z.forEach((zk, i) => {
    const k = i + 1;
    s1 = s1.plus(zk);
    s2 = s2.plus(zk.times(zk));
    const disc = s1.times(s1).minus(s2.minus(1).times(k));
    if (disc.lt(0)) return;
    const t = s1.minus(disc.sqrt()).div(k);
    if (t.lte(zk)) tau = t;
  });
  return v.map((t) => {
    if (t === -Infinity) return new D(0);
    const u = dec(t).minus(m).div(2).minus(tau);
    return u.gt(0) ? u.times(u) : new D(0);
  });
}

/** τ of Σ (x/2 − τ)_+² = 1 by plain bisection in doubles (independent check for long rows). */
function bisectTau(x: Float64Array): number {
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) hi = Math.max(hi, x[i]! / 2);
  let lo = hi - 1;
  for (let it = 0; it < 60; it++) {
    const mid = (lo + hi) / 2;
    let s = 0;
    for (let i = 0; i < x.length; i++) {
      const u = x[i]! / 2 - mid;
      if (u > 0) s += u * u;
    }
    if (s > 1) lo = mid;
    else hi = mid;
  }
  return lo;
}

const code = (c: string) => expect.objectContaining({ code: c });
const EPS = 2 ** -53;
const row = (n: number) =>
  fc
    .array(fc.double({ min: -6, max: 6, noNaN: true }), { minLength: 1, maxLength: n })
    .map((a) => Float64Array.from(a));

describe('entmax15 against the 60-digit closed-form root', () => {
  it('Float64: relative ≤ 4·2^−53 on every non-zero output; zeros exactly where the reference has them', () => {
    let worst = 0;
    for (const [n, lo, hi, seed] of [
      [8, -2, 2, 1],
      [64, -1, 1, 2],
      [300, -0.1, 0.1, 3],
      [40, 1e6, 1e6 + 4, 4],
      [40, -1e-300, 1e-300, 5],
    ] as const) {
      const x = randomArray(n, seed, lo, hi);
      const y = entmax15(x);
      const ref = refEntmax15(x);
      for (let i = 0; i < n; i++) {
        expect(y[i] === 0).toBe(ref[i]!.isZero());
        if (y[i] !== 0) worst = Math.max(worst, relError(y[i]!, ref[i]!));
      }
    }
    expect(worst).toBeLessThanOrEqual(4 * EPS);
  });

  it('outputs just above the threshold keep their relative accuracy', () => {
    for (const x of [
      [0, -2 + 2 ** -30],
      [0, -0.9, -0.9 - 1e-9, 0.1, -1.1],
      [1e9, 1e9 - 1.5, 1e9 - 1.4999],
    ]) {
      const y = entmax15(x);
      const ref = refEntmax15(x);
      for (let i = 0; i < x.length; i++)
        if (ref[i]!.gt(0)) expect(relError(y[i]!, ref[i]!)).toBeLessThanOrEqual(4 * EPS);
    }
  });

  it('Float32: the double result rounded once (≤ 1 ulp)', () => {
    for (const [scale, seed] of [
      [2, 6],
      [3e38, 7],
      [1e-30, 8],
    ] as const) {
      const x = Float32Array.from(randomArray(50, seed, -scale, scale));
      if (scale === 2) x[3] = -Infinity;
      const y = entmax15(x);
      expect(y).toBeInstanceOf(Float32Array);
      const ref = refEntmax15(x);
      for (let i = 0; i < 50; i++) expect(ulpError(y[i]!, ref[i]!, true)).toBeLessThanOrEqual(1);
    }
  });

  it('the examples: [1, 2, 3] and [0, 0, 0, −10]', () => {
    const y = entmax15([1, 2, 3]);
    const ref = refEntmax15([1, 2, 3]);
    expect(y[0]).toBe(0);
    expect(relError(y[1]!, ref[1]!)).toBeLessThan(1e-14);
    expect(y[1]).toBeCloseTo(0.1693, 4);
    expect(y[2]).toBeCloseTo(0.8307, 4);
    const u = entmax15([0, 0, 0, -10]);
    expect(Array.from(u)).toEqual([1 / 3, 1 / 3, 1 / 3, 0]);
  });

  it('a row of 10^5: sums to one and matches an independent bisection', () => {
    const x = randomArray(100_000, 9, -2, 2);
    const y = entmax15(x);
    const tau = bisectTau(x);
    let s = 0;
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      s += y[i]!;
      const u = Math.max(x[i]! / 2 - tau, 0);
      worst = Math.max(worst, Math.abs(y[i]! - u * u));
    }
    expect(worst).toBeLessThan(1e-13);
    expect(Math.abs(s - 1)).toBeLessThan(1e-12);
  });
});

describe('entmax15 properties (fast-check)', () => {
  it('non-negative, sums to one, order preserving, exact zeros below τ', () => {
    fc.assert(
      fc.property(row(40), (x) => {
        const y = entmax15(x);
        let s = 0;
        let tau = Number.NaN;
        for (let i = 0; i < x.length; i++) {
          expect(y[i]).toBeGreaterThanOrEqual(0);
          s += y[i]!;
          if (y[i]! > 0 && Number.isNaN(tau)) tau = x[i]! / 2 - Math.sqrt(y[i]!);
          if (i > 0 && x[i]! > x[i - 1]!) expect(y[i]).toBeGreaterThanOrEqual(y[i - 1]!);
        }
        expect(Math.abs(s - 1)).toBeLessThanOrEqual(x.length * 4 * EPS);
        for (let i = 0; i < x.length; i++) {
          if (x[i]! / 2 < tau - 1e-12) expect(y[i]).toBe(0);
          if (x[i]! / 2 > tau + 1e-12) expect(y[i]).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('is shift invariant', () => {
    fc.assert(
      fc.property(row(30), fc.double({ min: -1e3, max: 1e3, noNaN: true }), (x, c) => {
        const y = entmax15(x);
        const ys = entmax15(x.map((v) => v + c));
        for (let i = 0; i < x.length; i++)
          expect(Math.abs(ys[i]! - y[i]!)).toBeLessThanOrEqual(16 * EPS * (6 + Math.abs(c)));
      }),
    );
  });

  it('a row with one entry ahead by ≥ 2 is one-hot', () => {
    fc.assert(
      fc.property(
        row(30),
        fc.nat(29),
        fc.double({ min: 2.001, max: 1e6, noNaN: true }),
        (x, j, d) => {
          const k = j % x.length;
          let others = -Infinity;
          for (let i = 0; i < x.length; i++) if (i !== k) others = Math.max(others, x[i]!);
          if (x.length > 1) x[k] = others + d;
          const y = entmax15(x);
          for (let i = 0; i < x.length; i++) expect(y[i]).toBe(i === k ? 1 : 0);
        },
      ),
    );
  });
});

describe('entmax15Vjp', () => {
  it('agrees with a Float64 central difference away from support changes', () => {
    let checked = 0;
    for (let seed = 1; checked < 20; seed++) {
      const n = 2 + (seed % 9);
      const x = randomArray(n, seed, -2, 2);
      const y = entmax15(x);
      let tau = 0;
      for (let i = 0; i < n; i++) if (y[i]! > 0) tau = x[i]! / 2 - Math.sqrt(y[i]!);
      if (x.some((v) => Math.abs(v / 2 - tau) < 1e-3)) continue;
      const dy = randomArray(n, seed + 100);
      const dx = entmax15Vjp(x, dy);
      expect(
        gradError(
          dx,
          fdVjp((t) => entmax15(t), x, dy),
        ),
      ).toBeLessThanOrEqual(1e-6);
      checked++;
    }
  });

  it('is g ⊙ dy − g·⟨g, dy⟩/Σg with g = √y', () => {
    const dx = entmax15Vjp([0, 0, 0, -10], [1, 2, 3, 4]);
    const g = 1 / Math.sqrt(3);
    expect(dx[0]).toBeCloseTo(-g, 15);
    expect(dx[1]).toBeCloseTo(0, 15);
    expect(dx[2]).toBeCloseTo(g, 15);
    expect(dx[3]).toBe(0);
  });
});

describe('entmax15 edges', () => {
  it('any axis of a 3-D tensor equals the per-slice result (forward and vjp)', () => {
    const shape = [3, 4, 5];
    const x = randomArray(60, 11, -2, 2);
    const dy = randomArray(60, 12);
    for (const axis of [0, 1, 2, -1, -2]) {
      expect(Array.from(entmax15(x, { shape, axis }))).toEqual(
        Array.from(perSlice((r) => entmax15(r), [x], shape, axis)),
      );
      expect(Array.from(entmax15Vjp(x, dy, { shape, axis }))).toEqual(
        Array.from(perSlice((r, g) => entmax15Vjp(r, g), [x, dy], shape, axis)),
      );
    }
  });

  it('length-1 rows give 1 and a zero gradient', () => {
    expect(Array.from(entmax15([-7, 3e300], { shape: [2, 1] }))).toEqual([1, 1]);
    expect(Array.from(entmax15Vjp([5], [2]))).toEqual([0]);
  });

  it('−∞ entries are 0 with gradient 0, as if the row were truncated', () => {
    const x = [0.3, -Infinity, 0.1, -Infinity, 0.25];
    const t = entmax15([0.3, 0.1, 0.25]);
    expect(Array.from(entmax15(x))).toEqual([t[0], 0, t[1], 0, t[2]]);
    const dx = entmax15Vjp(x, [1, 5, 2, 7, 3]);
    const dt = entmax15Vjp([0.3, 0.1, 0.25], [1, 2, 3]);
    expect(Array.from(dx)).toEqual([dt[0], 0, dt[1], 0, dt[2]]);
  });

  it('a fully masked row gives zeros in forward and vjp; NaN stays in its row', () => {
    const x = [-Infinity, -Infinity, 1, Number.NaN, 0, 0];
    const y = entmax15(x, { shape: [3, 2] });
    expect(Array.from(y.subarray(0, 2))).toEqual([0, 0]);
    expect(y.subarray(2, 4).every(Number.isNaN)).toBe(true);
    expect(y[4]).toBeCloseTo(0.5, 15);
    expect(y[5]).toBe(y[4]);
    const dx = entmax15Vjp(x, [1, 2, 3, 4, 5, 6], { shape: [3, 2] });
    expect(Array.from(dx.subarray(0, 2))).toEqual([0, 0]);
    expect(dx.subarray(2, 4).every(Number.isNaN)).toBe(true);
    expect(dx[4]).toBeCloseTo(-Math.SQRT1_2 / 2, 15);
  });

  it('+∞ entries share the mass equally (the limit), with a finite gradient', () => {
    const x = [Infinity, 2, Infinity, Infinity];
    expect(Array.from(entmax15(x))).toEqual([1 / 3, 0, 1 / 3, 1 / 3]);
    expect(Array.from(entmax15([1e300, 2, 1e300, 1e300]))).toEqual([1 / 3, 0, 1 / 3, 1 / 3]);
    const dx = entmax15Vjp(x, [1, 2, 3, 5]);
    expect(dx[1]).toBe(0);
    expect(Math.abs(dx[0]! + dx[2]! + dx[3]!)).toBeLessThan(16 * EPS);
  });

  it('keeps the element type; number[] gives Float64Array; honours out', () => {
    expect(entmax15(new Float32Array([1, 2]))).toBeInstanceOf(Float32Array);
    expect(entmax15([1, 2])).toBeInstanceOf(Float64Array);
    const out = new Float32Array(3);
    expect(entmax15(new Float32Array([0, 0, -5]), { out })).toBe(out);
    expect(Array.from(out)).toEqual([0.5, 0.5, 0]);
  });

  it('does not mutate its inputs', () => {
    const x = randomArray(12, 13);
    const dy = randomArray(12, 14);
    const x0 = Float64Array.from(x);
    const dy0 = Float64Array.from(dy);
    entmax15(x, { shape: [3, 4], axis: 0 });
    entmax15Vjp(x, dy, { shape: [3, 4], axis: 0 });
    expect(x).toEqual(x0);
    expect(dy).toEqual(dy0);
  });

  it('throws SoftmaxKitError with the right code on bad input', () => {
    expect(() => entmax15([])).toThrow(code('EMPTY_AXIS'));
    expect(() => entmax15([1, 2], { shape: [1, 2], axis: -3 })).toThrow(code('AXIS_OUT_OF_RANGE'));
    expect(() => entmax15([1, 2], { shape: [3] })).toThrow(code('SHAPE_MISMATCH'));
    expect(() => entmax15({} as never)).toThrow(code('INVALID_INPUT'));
    expect(() => entmax15([1, 2], { out: new Float64Array(3) })).toThrow(code('INVALID_OUT'));
    expect(() => entmax15Vjp([1, 2], [1, 2], { backend: 'wasm' })).toThrow(
      code('BACKEND_UNAVAILABLE'),
    );
    expect(() => entmax15Vjp([1, 2], [1, 2, 3])).toThrow(code('SHAPE_MISMATCH'));
  });
});

describe('entmax15: messages and registry entry', () => {
  it('errors name the public function', () => {
    expect(() => entmax15([1, 2], { axis: 2 })).toThrow(/^entmax15: /);
    expect(() => entmax15Vjp([1, 2], [1, 2], { axis: 2 })).toThrow(/^entmax15Vjp: /);
  });

  it('registers entmax15 with its vjp', () => {
    expect(entry.name).toBe('entmax15');
    expect(entry.forward).toBe(entmax15);
    expect(entry.vjp).toBe(entmax15Vjp);
  });
});
