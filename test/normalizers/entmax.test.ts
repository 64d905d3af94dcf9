import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entmax, entmaxAlphaGrad, entmaxVjp, entry } from '../../src/normalizers/entmax.js';
import { entmax15 } from '../../src/normalizers/entmax15.js';
import { softmax } from '../../src/normalizers/softmax.js';
import { sparsemax } from '../../src/normalizers/sparsemax.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { D, type Dec, dec, ulpError } from '../helpers/reference.js';
import { perSliceIndexed as perSlice } from '../helpers/slices.js';

/**
 * α-entmax in 60-digit arithmetic: z = (α−1)(x − max); τ of Σ (z − τ)_+^(1/(α−1)) = 1
 * located by bisection in doubles, then polished by four Newton steps in 60 digits
 * (quadratic convergence from ~1e-16: far below 2^−53 of the result).
 */
function refEntmax(x: ArrayLike<number>, alpha: number): Dec[] {
  const v = Array.from(x);
  const max = v.reduce((a, b) => Math.max(a, b), -Infinity);
  let lo = -1;
  let hi = 0;
  for (let it = 0; it < 200; it++) {
    const mid = (lo + hi) / 2;
    let f = -1;
    for (const t of v) f += Math.max((alpha - 1) * (t - max) - mid, 0) ** (1 / (alpha - 1));
    if (f > 0) lo = mid;
    else hi = mid;
  }
  const s = dec(alpha).minus(1);
  const beta = new D(1).div(s);
  const z = v.map((t) => (t === -Infinity ? undefined : dec(t).minus(dec(max)).times(s)));
  const p = (tau: Dec) =>
    z.map((zi) => {
      const u = zi === undefined ? new D(0) : zi.minus(tau);
      return u.gt(0) ? u.pow(beta) : new D(0);
    });
  let tau = dec(lo);
  for (let it = 0; it < 4; it++) {
    const y = p(tau);
    let f = new D(-1);
    let df = new D(0);
    y.forEach((yi, i) => {
      if (!yi.gt(0)) return;
      f = f.plus(yi);
      df = df.minus(beta.times(yi).div(z[i]!.minus(tau)));
    });
    tau = tau.minus(f.div(df));
  }
  return p(tau);
}

/** Central difference of ⟨dy, entmax(x; α)⟩ in α. */
function fdAlpha(x: Float64Array, dy: Float64Array, alpha: number, h = 1e-5): number {
  const yp = entmax(x, { alpha: alpha + h });
  const ym = entmax(x, { alpha: alpha - h });
  let s = 0;
  for (let i = 0; i < x.length; i++) s += dy[i]! * (yp[i]! - ym[i]!);
  return s / (2 * h);
}

/** min_i |(α−1)(x_i − max) − τ| over finite entries, τ read off a support entry. */
function distanceToThreshold(x: Float64Array, y: ArrayLike<number>, alpha: number): number {
  const m = Math.max(...x);
  let tau = 0;
  for (let i = 0; i < x.length; i++)
    if (y[i]! > 0) tau = (alpha - 1) * (x[i]! - m) - y[i]! ** (alpha - 1);
  return Math.min(...Array.from(x, (v) => Math.abs((alpha - 1) * (v - m) - tau)));
}

const code = (c: string) => expect.objectContaining({ code: c });
const EPS = 2 ** -53;
const row = (n: number) =>
  fc
    .array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 1, maxLength: n })
    .map((a) => Float64Array.from(a));

describe('entmax against 60-digit bisection', () => {
  it('Float64: ≤ 2^−50 absolute for α from 1.01 to 3', () => {
    for (const [alpha, seed] of [
      [1.01, 1],
      [1.25, 2],
      [1.75, 3],
      [2.5, 4],
      [3, 5],
    ] as const) {
      const x = randomArray(10, seed, -2, 2);
      x[seed] = -Infinity;
      const y = entmax(x, { alpha });
      const ref = refEntmax(x, alpha);
      for (let i = 0; i < 10; i++)
        expect(dec(y[i]!).minus(ref[i]!).abs().toNumber()).toBeLessThanOrEqual(8 * EPS);
    }
  });

  it('Float32 (40 steps): ≤ 1 ulp where y ≥ 1e-4', () => {
    for (const [alpha, scale, seed] of [
      [1.2, 2, 6],
      [1.5, 3e38, 7],
      [2.7, 1e-30, 8],
    ] as const) {
      const x = Float32Array.from(randomArray(10, seed, -scale, scale));
      const y = entmax(x, { alpha });
      expect(y).toBeInstanceOf(Float32Array);
      const ref = refEntmax(x, alpha);
      for (let i = 0; i < 10; i++)
        if (ref[i]!.gte(1e-4)) expect(ulpError(y[i]!, ref[i]!, true)).toBeLessThanOrEqual(1);
        else expect(Math.abs(y[i]! - ref[i]!.toNumber())).toBeLessThanOrEqual(1e-7);
    }
  });

  it('exact vs bisection: α = 2 is sparsemax and α = 1.5 is entmax15 (to 1e-12)', () => {
    fc.assert(
      fc.property(row(40), (x) => {
        const a = entmax(x, { alpha: 2 });
        const b = sparsemax(x);
        const c = entmax(x, { alpha: 1.5 });
        const d = entmax15(x);
        for (let i = 0; i < x.length; i++) {
          expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-12);
          expect(Math.abs(c[i]! - d[i]!)).toBeLessThanOrEqual(1e-12);
        }
      }),
    );
  });

  it('α → 1 tends to softmax (α = 1.0001 within 1e-3, α = 1 + 1e-8 within 1e-7)', () => {
    const x = randomArray(50, 9, -3, 3);
    const p = softmax(x);
    for (const [alpha, tol] of [
      [1.0001, 1e-3],
      [1 + 1e-8, 1e-7],
    ] as const) {
      const y = entmax(x, { alpha });
      for (let i = 0; i < 50; i++) expect(Math.abs(y[i]! - p[i]!)).toBeLessThanOrEqual(tol);
    }
  });

  it('a row of 10^5 sums to one', () => {
    const y = entmax(randomArray(100_000, 10, -3, 3), { alpha: 1.3 });
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i]!;
    expect(Math.abs(s - 1)).toBeLessThan(1e-12);
  });
});

describe('entmax properties (fast-check)', () => {
  const alphaArb = fc.double({ min: 1.05, max: 4, noNaN: true });

  it('non-negative, sums to one, shift invariant, zero below the threshold', () => {
    fc.assert(
      fc.property(row(30), alphaArb, fc.double({ min: -100, max: 100, noNaN: true }), (x, a, c) => {
        const y = entmax(x, { alpha: a });
        const ys = entmax(
          x.map((v) => v + c),
          { alpha: a },
        );
        let s = 0;
        for (let i = 0; i < x.length; i++) {
          expect(y[i]).toBeGreaterThanOrEqual(0);
          expect(Math.abs(ys[i]! - y[i]!)).toBeLessThanOrEqual(1e-9);
          s += y[i]!;
        }
        expect(Math.abs(s - 1)).toBeLessThanOrEqual(x.length * 4 * EPS);
        // an entry 1/(α−1) below the max is always outside the support
        const m = Math.max(...x);
        for (let i = 0; i < x.length; i++) if ((a - 1) * (m - x[i]!) >= 1) expect(y[i]).toBe(0);
      }),
    );
  });
});

describe('entmaxVjp', () => {
  it('agrees with a Float64 central difference away from support changes', () => {
    for (const alpha of [1.25, 1.5, 2.5, 3]) {
      let checked = 0;
      for (let seed = 1; checked < 6; seed++) {
        const n = 2 + (seed % 7);
        const x = randomArray(n, seed, -2, 2);
        if (distanceToThreshold(x, entmax(x, { alpha }), alpha) < 1e-2) continue;
        const dy = randomArray(n, seed + 100);
        const dx = entmaxVjp(x, dy, { alpha });
        const fd = fdVjp((t) => entmax(t, { alpha }), x, dy);
        expect(gradError(dx, fd)).toBeLessThanOrEqual(1e-6);
        checked++;
      }
    }
  });

  it('is g ⊙ dy − g·⟨g, dy⟩/Σg with g = y^(2−α)', () => {
    const x = [0, 0, -10];
    const dx = entmaxVjp(x, [1, 3, 5], { alpha: 3 });
    const g = 0.5 ** -1; // y = [½, ½, 0]
    expect(dx[0]).toBeCloseTo(-g, 12);
    expect(dx[1]).toBeCloseTo(g, 12);
    expect(dx[2]).toBe(0);
  });
});

describe('entmaxAlphaGrad', () => {
  it('agrees with a central difference in α', () => {
    for (const alpha of [1.1, 1.3, 1.5, 2, 2.5]) {
      for (let seed = 1; seed <= 4; seed++) {
        const n = 3 + seed * 2;
        const x = randomArray(n, seed, -2, 2);
        const dy = randomArray(n, seed + 50);
        const g = entmaxAlphaGrad(x, dy, { alpha });
        expect(g.length).toBe(1);
        expect(gradError(g, [fdAlpha(x, dy, alpha)])).toBeLessThanOrEqual(1e-6);
      }
    }
  });

  it('per-row α on any axis: the reduced shape, each row its own α', () => {
    const shape = [3, 4, 5];
    const x = randomArray(60, 21, -2, 2);
    const dy = randomArray(60, 22);
    for (const axis of [0, 1, -1]) {
      const reduced = shape.filter((_, i) => i !== (axis + 3) % 3);
      const alpha = randomArray(
        reduced.reduce((p, q) => p * q),
        23 + axis,
        1.1,
        2.8,
      );
      const g = entmaxAlphaGrad(x, dy, { shape, axis, alpha });
      const ref = perSlice(
        (r, t, d) => entmaxAlphaGrad(t, d, { alpha: alpha[r]! }),
        [x, dy],
        shape,
        axis,
        true,
      );
      expect(Array.from(g)).toEqual(Array.from(ref));
      const r0 = perSlice((r, t, d) => [fdAlpha(t, d, alpha[r]!)], [x, dy], shape, axis, true);
      expect(gradError(g, r0)).toBeLessThanOrEqual(1e-6);
    }
  });

  it('is 0 for masked, length-1 and +∞ rows, NaN for a NaN row', () => {
    const x = [-Infinity, -Infinity, 1, Number.NaN, Infinity, 0, 7, 7];
    const g = entmaxAlphaGrad(x, [1, 2, 3, 4, 5, 6, 7, 8], { shape: [4, 2], alpha: 1.7 });
    expect(g[0]).toBe(0);
    expect(g[1]).toBeNaN();
    expect(Math.abs(g[2]!)).toBeLessThanOrEqual(1e-15);
    expect(Math.abs(g[3]!)).toBeLessThanOrEqual(1e-14);
    expect(Array.from(entmaxAlphaGrad([3], [2], { alpha: 1.2 }))).toEqual([0]);
    expect(entmaxAlphaGrad(new Float32Array([1, 2]), [1, 0])).toBeInstanceOf(Float32Array);
  });
});

describe('entmax options and edges', () => {
  it('per-row α on any axis of a 3-D tensor equals per-slice calls (forward and vjp)', () => {
    const shape = [3, 4, 5];
    const x = randomArray(60, 31, -2, 2);
    const dy = randomArray(60, 32);
    for (const axis of [0, 1, 2, -1]) {
      const rows = 60 / shape[(axis + 3) % 3]!;
      const alpha = randomArray(rows, 33 + axis, 1.1, 3);
      expect(Array.from(entmax(x, { shape, axis, alpha }))).toEqual(
        Array.from(perSlice((r, t) => entmax(t, { alpha: alpha[r]! }), [x], shape, axis)),
      );
      expect(Array.from(entmaxVjp(x, dy, { shape, axis, alpha: Array.from(alpha) }))).toEqual(
        Array.from(
          perSlice((r, t, d) => entmaxVjp(t, d, { alpha: alpha[r]! }), [x, dy], shape, axis),
        ),
      );
    }
  });

  it('nIter and tolerance trade accuracy for time; the result still sums to one', () => {
    const x = randomArray(20, 41, -2, 2);
    const exact = entmax(x, { alpha: 1.4 });
    expect(Array.from(entmax(x, { alpha: 1.4, nIter: 500 }))).toEqual(Array.from(exact));
    for (const opts of [{ nIter: 3 }, { tolerance: 1e-3 }]) {
      const y = entmax(x, { alpha: 1.4, ...opts });
      let s = 0;
      let err = 0;
      for (let i = 0; i < 20; i++) {
        s += y[i]!;
        err = Math.max(err, Math.abs(y[i]! - exact[i]!));
      }
      expect(Math.abs(s - 1)).toBeLessThanOrEqual(20 * EPS);
      expect(err).toBeGreaterThan(0);
      expect(err).toBeLessThan(0.1);
    }
  });

  it('−∞ entries are 0 with gradient 0, as if the row were truncated', () => {
    const x = [0.3, -Infinity, 0.1, -Infinity, 0.25];
    const t = entmax([0.3, 0.1, 0.25], { alpha: 1.2 });
    expect(Array.from(entmax(x, { alpha: 1.2 }))).toEqual([t[0], 0, t[1], 0, t[2]]);
    const dx = entmaxVjp(x, [1, 5, 2, 7, 3], { alpha: 1.2 });
    const dt = entmaxVjp([0.3, 0.1, 0.25], [1, 2, 3], { alpha: 1.2 });
    expect(Array.from(dx)).toEqual([dt[0], 0, dt[1], 0, dt[2]]);
  });

  it('masked rows → zeros, NaN stays in its row, +∞ shares the mass, length 1 → 1', () => {
    const x = [-Infinity, -Infinity, 1, Number.NaN, Infinity, 3, 1, 1];
    const y = entmax(x, { shape: [4, 2], alpha: 2.5 });
    expect(Array.from(y.subarray(0, 2))).toEqual([0, 0]);
    expect(y.subarray(2, 4).every(Number.isNaN)).toBe(true);
    expect(Array.from(y.subarray(4))).toEqual([1, 0, 0.5, 0.5]);
    const dx = entmaxVjp(x, [1, 2, 3, 4, 5, 6, 7, 8], { shape: [4, 2], alpha: 2.5 });
    expect(Array.from(dx.subarray(0, 2))).toEqual([0, 0]);
    expect(dx.subarray(2, 4).every(Number.isNaN)).toBe(true);
    expect(Array.from(dx.subarray(4, 6))).toEqual([0, 0]);
    expect(Array.from(entmax([-3e300, 3e300], { shape: [2, 1] }))).toEqual([1, 1]);
  });

  it('keeps the element type, honours out, does not mutate its inputs', () => {
    expect(entmax(new Float32Array([1, 2]))).toBeInstanceOf(Float32Array);
    expect(entmax([1, 2])).toBeInstanceOf(Float64Array);
    const out = new Float64Array(2);
    expect(entmaxVjp([1, 2], [3, 4], { out })).toBe(out);
    const x = randomArray(12, 43);
    const dy = randomArray(12, 44);
    const alpha = new Float64Array([1.3, 1.6, 2.2]);
    const [x0, dy0, a0] = [x, dy, alpha].map((a) => Float64Array.from(a));
    const opts = { shape: [4, 3], axis: 0, alpha };
    entmax(x, opts);
    entmaxVjp(x, dy, opts);
    entmaxAlphaGrad(x, dy, opts);
    expect([x, dy, alpha]).toEqual([x0, dy0, a0]);
  });

  it('throws SoftmaxKitError with the right code on bad input', () => {
    expect(() => entmax([1, 2], { alpha: Number.NaN })).toThrow(code('NON_FINITE_PARAMETER'));
    expect(() => entmax([1, 2], { alpha: Infinity })).toThrow(code('NON_FINITE_PARAMETER'));
    expect(() => entmax([1, 2], { alpha: 1 })).toThrow(code('INVALID_PARAMETER'));
    expect(() => entmaxVjp([1, 2], [1, 2], { alpha: 0.5 })).toThrow(code('INVALID_PARAMETER'));
    expect(() => entmax([1, 2], { alpha: '2' as never })).toThrow(code('INVALID_PARAMETER'));
    expect(() => entmax([1, 2, 3, 4], { shape: [2, 2], alpha: [1.5] })).toThrow(
      code('SHAPE_MISMATCH'),
    );
    expect(() => entmax([1, 2, 3, 4], { shape: [2, 2], alpha: [1.5, Number.NaN] })).toThrow(
      code('NON_FINITE_PARAMETER'),
    );
    expect(() =>
      entmaxAlphaGrad([1, 2, 3, 4], [1, 2, 3, 4], { shape: [2, 2], alpha: [1.5, 1] }),
    ).toThrow(code('INVALID_PARAMETER'));
    expect(() => entmax([1, 2], { nIter: 0 })).toThrow(code('INVALID_PARAMETER'));
    expect(() => entmax([1, 2], { nIter: 2.5 })).toThrow(code('INVALID_PARAMETER'));
    expect(() => entmax([1, 2], { tolerance: -1 })).toThrow(code('INVALID_PARAMETER'));
    expect(() => entmax([1, 2], { tolerance: Number.NaN })).toThrow(code('NON_FINITE_PARAMETER'));
    expect(() => entmax([])).toThrow(code('EMPTY_AXIS'));
    expect(() => entmax([1, 2], { axis: 2 })).toThrow(code('AXIS_OUT_OF_RANGE'));
    expect(() => entmax([1, 2], { backend: 'wasm' })).toThrow(code('BACKEND_UNAVAILABLE'));
    expect(() => entmaxAlphaGrad([1, 2], [1])).toThrow(code('SHAPE_MISMATCH'));
    expect(() => entmaxAlphaGrad([1, 2], [1, 2], { out: new Float64Array(2) })).toThrow(
      code('INVALID_OUT'),
    );
  });
});

describe('entmax bisection steps (α = 2: f(t) = Σ (1 + z_j − t)_+ − 1, linear)', () => {
  // x = [0, −¼]: two candidates, t ∈ [0, ½], f(t) = ¾ − 2t, root t = ⅜ (sparsemax: [⅝, ⅜])
  it('nIter: 1 is one step: t = ¼ (f(¼) > 0 moves the lower end), y ∝ (1 − t, ¾ − t)', () => {
    const y = entmax([0, -0.25], { alpha: 2, nIter: 1 });
    expect(y[0]).toBeCloseTo(0.6, 15);
    expect(y[1]).toBeCloseTo(0.4, 15);
  });
  it('an exact zero of f stops the bisection there (|f| ≤ tolerance = 0)', () => {
    // the second midpoint is the root: without the stop the third step would move below it
    const y = entmax([0, -0.25], { alpha: 2, nIter: 3 });
    expect(Array.from(y)).toEqual([0.625, 0.375]);
  });
});

describe('entmax: messages and registry entry', () => {
  it('each error names the public function and the argument', () => {
    expect(() => entmax([1, 2], { alpha: 1 })).toThrow(/^entmax: /);
    expect(() => entmaxVjp([1, 2], [1, 2], { alpha: 1 })).toThrow(/^entmaxVjp: /);
    expect(() => entmax([1, 2], { backend: 'wasm' })).toThrow(/^entmax: /);
    expect(() => entmaxVjp([1, 2], [1, 2], { backend: 'wasm' })).toThrow(/^entmaxVjp: /);
    expect(() => entmax([1, 2, 3, 4], { shape: [2, 2], alpha: [1.5] })).toThrow(/^entmax: .*alpha/);
    expect(() => entmaxAlphaGrad([1, 2], [1])).toThrow(/^entmaxAlphaGrad: .*dy/);
    expect(() => entmaxAlphaGrad([1, 2], [1, 2], { alpha: 1 })).toThrow(/^entmaxAlphaGrad: /);
    const x = Float64Array.of(1, 2, 3, 4);
    const dy = Float64Array.of(1, 0, 0, 1);
    const opts = { shape: [2, 2] };
    expect(() => entmaxAlphaGrad(x, dy, { ...opts, out: x.subarray(0, 2) })).toThrow(
      /^entmaxAlphaGrad: .*\bx\b/,
    );
    expect(() => entmaxAlphaGrad(x, dy, { ...opts, out: dy.subarray(2) })).toThrow(
      /^entmaxAlphaGrad: .*\bdy\b/,
    );
  });

  it('registers entmax with its vjp and rules', () => {
    expect(entry.name).toBe('entmax');
    expect(entry.forward).toBe(entmax);
    expect(entry.vjp).toBe(entmaxVjp);
    expect(Object.keys(entry.rules ?? {})).toEqual(
      expect.arrayContaining(['alpha', 'nIter', 'tolerance']),
    );
  });
});
