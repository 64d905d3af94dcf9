import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { softmax } from '../../src/normalizers/softmax.js';
import { softplusNorm, softplusNormVjp } from '../../src/normalizers/softplus-norm.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { D, type Dec, dec, relError, ulpError } from '../helpers/reference.js';
import { perSlice } from '../helpers/slices.js';

/** log(1 + u) in 60 digits; the series for tiny u, where 1 + u would round to 1. */
function dlog1p(u: Dec): Dec {
  if (u.gte(1e-10)) return D.ln(u.plus(1));
  let sum = new D(0);
  let p = u;
  for (let k = 1; k <= 6; k++, p = p.times(u))
    sum = k % 2 ? sum.plus(p.div(k)) : sum.minus(p.div(k));
  return sum;
}

/** softplus(x) = max(x, 0) + log(1 + e^(−|x|)) in 60 digits (an identity; no overflow). */
function dsoftplus(x: number): Dec {
  if (x === -Infinity) return new D(0);
  const v = dec(x);
  const e = v.abs().gt(1e5) ? new D(0) : D.exp(v.abs().neg());
  return D.max(v, 0).plus(dlog1p(e));
}

function refSoftplusNorm(x: ArrayLike<number>): Dec[] {
  const s = Array.from(x, dsoftplus);
  const S = s.reduce((a, b) => a.plus(b), new D(0));
  return s.map((t) => t.div(S));
}

const code = (c: string) => expect.objectContaining({ code: c });

function maxRel(y: ArrayLike<number>, ref: readonly Dec[], tiny = 2 ** -1022): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++)
    if (ref[i]!.gte(tiny)) worst = Math.max(worst, relError(y[i]!, ref[i]!));
    else expect(Math.abs(y[i]! - ref[i]!.toNumber())).toBeLessThanOrEqual(tiny);
  return worst;
}

describe('softplusNorm accuracy against 60-digit references', () => {
  it('Float64 ≤ 1e-14 relative on rows of many scales (all-negative rows included)', () => {
    for (const [lo, hi, seed] of [
      [-3, 3, 1],
      [-40, 40, 2],
      [-800, -700, 3], // every softplus underflows unscaled
      [-1e4, -9990, 4],
      [-1e300, 1e300, 5],
      [1e305, 8e307, 6], // the sum would overflow unscaled
      [-60, -20, 7],
    ] as const) {
      const x = randomArray(80, seed, lo, hi);
      expect(maxRel(softplusNorm(x), refSoftplusNorm(x))).toBeLessThanOrEqual(1e-14);
    }
  });

  it('Float32 ≤ 4 ulp, up to ±3e38', () => {
    for (const [lo, hi, seed] of [
      [-2, 2, 8],
      [-100, -50, 9],
      [-3e38, 3e38, 10],
      [1e38, 3e38, 11],
    ] as const) {
      const x = Float32Array.from(randomArray(60, seed, lo, hi));
      const y = softplusNorm(x);
      expect(y).toBeInstanceOf(Float32Array);
      const ref = refSoftplusNorm(x);
      for (let i = 0; i < 60; i++)
        if (ref[i]!.gte(2 ** -126)) expect(ulpError(y[i]!, ref[i]!, true)).toBeLessThanOrEqual(4);
    }
  });

  it('tends to softmax far below 0 (softplus(x) ≈ e^x), as the example says', () => {
    const y = softplusNorm([-800, -801]);
    const s = softmax([-800, -801]);
    expect(Math.abs(y[0]! - s[0]!)).toBeLessThan(1e-15);
    expect(Array.from(softplusNorm([0, 0]))).toEqual([0.5, 0.5]);
  });

  it('length-1 rows give 1, even at ±1e308', () => {
    for (const v of [0, 1e308, -1e308, -800]) expect(softplusNorm([v])[0]).toBe(1);
  });
});

describe('softplusNorm properties (fast-check)', () => {
  const row = fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), {
    minLength: 1,
    maxLength: 40,
  });
  it('is a distribution: entries in (0, 1], sums to one', () => {
    fc.assert(
      fc.property(row, (v) => {
        let s = 0;
        for (const t of softplusNorm(v)) {
          expect(t >= 0 && t <= 1).toBe(true);
          s += t;
        }
        expect(Math.abs(s - 1)).toBeLessThan(1e-14);
      }),
    );
  });
  it('is monotone: a larger entry gets a larger weight', () => {
    fc.assert(
      fc.property(row, (v) => {
        const y = softplusNorm(v);
        for (let i = 1; i < v.length; i++) if (v[i]! > v[0]!) expect(y[i]! >= y[0]!).toBe(true);
      }),
    );
  });
  it('is not shift invariant (documented)', () => {
    expect(softplusNorm([1, 2])).not.toEqual(softplusNorm([2, 3]));
  });
});

describe('softplusNormVjp', () => {
  it('agrees with central finite differences in Float64', () => {
    for (const [lo, hi, seed] of [
      [-3, 3, 12],
      [-30, 30, 13],
      [-760, -750, 14], // the scaled path
    ] as const) {
      const x = randomArray(14, seed, lo, hi);
      const dy = randomArray(14, seed + 40);
      const fd = fdVjp((z) => softplusNorm(z), x, dy, 1e-5);
      expect(gradError(softplusNormVjp(x, dy), fd)).toBeLessThan(1e-6);
    }
  });
});

describe('softplusNorm non-finite policy', () => {
  it('−∞ entries get 0 and the rest equals the filtered row', () => {
    const y = softplusNorm([-Infinity, 1, -2, -Infinity]);
    const f = softplusNorm([1, -2]);
    expect(Array.from(y)).toEqual([0, f[0]!, f[1]!, 0]);
    const dx = softplusNormVjp([-Infinity, 1, -2], [9, 1, 2]);
    const df = softplusNormVjp([1, -2], [1, 2]);
    expect(Array.from(dx)).toEqual([0, df[0]!, df[1]!]);
  });
  it('a fully masked row gives zeros and zero gradient; NaN stays in its row', () => {
    const x = [-Infinity, -Infinity, Number.NaN, 1, 0, 1];
    const y = softplusNorm(x, { shape: [3, 2] });
    expect(Array.from(y.subarray(0, 2))).toEqual([0, 0]);
    expect(Number.isNaN(y[2]!) && Number.isNaN(y[3]!)).toBe(true);
    expect(Array.from(y.subarray(4))).toEqual(Array.from(softplusNorm([0, 1])));
    const dx = softplusNormVjp(x, [1, 2, 3, 4, 5, 6], { shape: [3, 2] });
    expect(Array.from(dx.subarray(0, 2))).toEqual([0, 0]);
    expect(Number.isNaN(dx[2]!) && Number.isNaN(dx[3]!)).toBe(true);
    expect(Array.from(dx.subarray(4))).toEqual(Array.from(softplusNormVjp([0, 1], [5, 6])));
  });
  it('+∞ entries share the mass, gradient 0', () => {
    expect(Array.from(softplusNorm([Infinity, 0, Infinity, -Infinity]))).toEqual([0.5, 0, 0.5, 0]);
    expect(Array.from(softplusNormVjp([Infinity, 2], [1, 2]))).toEqual([0, 0]);
  });
});

describe('softplusNorm on any axis', () => {
  const shape = [3, 4, 5];
  const x = randomArray(60, 15);
  const dy = randomArray(60, 16);
  for (const axis of [0, 1, 2, -1]) {
    it(`axis ${axis} equals the per-slice result, forward and vjp`, () => {
      const a = axis < 0 ? axis + 3 : axis;
      expect(softplusNorm(x, { shape, axis })).toEqual(
        perSlice((r) => softplusNorm(r), [x], shape, a),
      );
      expect(softplusNormVjp(x, dy, { shape, axis })).toEqual(
        perSlice((r, g) => softplusNormVjp(r, g!), [x, dy], shape, a),
      );
    });
  }
});

describe('softplusNorm validation and purity', () => {
  it('bad inputs throw with their codes', () => {
    expect(() => softplusNorm([])).toThrow(code('EMPTY_AXIS'));
    expect(() => softplusNormVjp([1, 2], [1])).toThrow(code('SHAPE_MISMATCH'));
    expect(() => softplusNorm([1, 2], { axis: 1 })).toThrow(code('AXIS_OUT_OF_RANGE'));
    expect(() => softplusNorm([1, 2], { shape: [-2] })).toThrow(code('INVALID_SHAPE'));
    expect(() => softplusNorm([1, 2], { backend: 'bogus' as never })).toThrow(
      code('INVALID_PARAMETER'),
    );
  });
  it('does not mutate its inputs', () => {
    const x = Float32Array.from([3, -1, 2]);
    const dy = Float32Array.from([1, 2, 3]);
    softplusNorm(x);
    expect(softplusNormVjp(x, dy)).toBeInstanceOf(Float32Array);
    expect(Array.from(x)).toEqual([3, -1, 2]);
    expect(Array.from(dy)).toEqual([1, 2, 3]);
  });
});

/** LSSAR's re-weighting of the 60-digit softplusNorm: relu(n·a − o)^p / Σ, o = [n > 3]. */
function refReweighted(x: ArrayLike<number>, p: number): { y: Dec[]; a: Dec[]; n: number } {
  const a = refSoftplusNorm(x);
  const n = Array.from(x).filter((v) => v !== -Infinity).length;
  const o = n > 3 ? 1 : 0;
  const w = a.map((t) => D.max(t.times(n).minus(o), 0).pow(p));
  const W = w.reduce((s, t) => s.plus(t), new D(0));
  return { y: w.map((t) => (W.isZero() ? new D(0) : t.div(W))), a, n };
}

describe('softplusNorm with reweight (LSSAR)', () => {
  it('Float64 within the stated bound p·(δ_j + Σ y_k·δ_k) + (p + 4)·ε of 60-digit references', () => {
    const eps = 2 ** -53;
    const da = 16 * eps; // softplusNorm's own Float64 bound, 8 ulp
    for (const [len, lo, hi, p, seed] of [
      [16, -3, 3, 15, 20],
      [64, -6, 6, 3, 21],
      [200, -2, 2, 15, 22],
      [7, -800, -790, 15, 23], // the scaled softplus path
      [2000, -4, 4, 15, 24], // a long row
      [9, -3, 3, 1, 25],
    ] as const) {
      const x = randomArray(len, seed, lo, hi);
      const { y: ref, a, n } = refReweighted(x, p);
      const y = softplusNorm(x, { reweight: p });
      const u = a.map((t) => t.times(n).minus(1).toNumber());
      const delta = u.map((uk, k) => (uk > 0 ? ((da + eps) * n * a[k]!.toNumber()) / uk + eps : 0));
      const dW = delta.reduce((s, d, k) => s + d * ref[k]!.toNumber(), 0);
      let kept = 0;
      for (let j = 0; j < len; j++) {
        if (u[j]! <= 0) {
          expect(y[j]).toBe(0);
          continue;
        }
        kept++;
        const bound = p * (delta[j]! + dW) + (p + 4) * eps;
        if (ref[j]!.gte(1e-300)) expect(relError(y[j]!, ref[j]!)).toBeLessThanOrEqual(bound);
      }
      expect(kept).toBeGreaterThan(0);
    }
  });

  it('Float32 is the double result rounded once: ≤ 1 ulp where u is of order one', () => {
    const x = Float32Array.from(randomArray(50, 26, -4, 4));
    const y = softplusNorm(x, { reweight: 15 });
    expect(y).toBeInstanceOf(Float32Array);
    const { y: ref, a, n } = refReweighted(x, 15);
    for (let j = 0; j < 50; j++)
      if (a[j]!.times(n).minus(1).gte(0.5) && ref[j]!.gte(2 ** -126))
        expect(ulpError(y[j]!, ref[j]!, true)).toBeLessThanOrEqual(1);
  });

  it('keeps only the above-mean weights and tends to argmax as p grows', () => {
    const x = [3, 1, 0, 0, -2];
    const a = softplusNorm(x);
    const y = softplusNorm(x, { reweight: 15 });
    for (let j = 0; j < 5; j++) expect(y[j]! > 0).toBe(5 * a[j]! > 1);
    expect(y[0]!).toBeGreaterThan(0.999);
    expect(softplusNorm(x, { reweight: 200 })[0]).toBe(1);
  });

  it('rows of ≤ 3 visible entries use offset 0: y = a^p / Σ a^p', () => {
    for (const x of [
      [1.5, -0.5],
      [0.2, 2, -1],
      [-Infinity, 0.7, 0.1, -Infinity],
    ]) {
      const a = Array.from(softplusNorm(x));
      const w = a.map((t) => t ** 3);
      const W = w.reduce((s, t) => s + t, 0);
      const y = softplusNorm(x, { reweight: 3 });
      for (let j = 0; j < x.length; j++) expect(y[j]).toBeCloseTo(w[j]! / W, 15);
    }
    expect(Array.from(softplusNorm([42], { reweight: 15 }))).toEqual([1]);
  });

  it('−∞ entries are not counted in n; uniform and fully masked rows give zeros', () => {
    const x = [0.4, -Infinity, 2, -1, 1, -Infinity, 0];
    const f = softplusNorm([0.4, 2, -1, 1, 0], { reweight: 15 });
    const y = softplusNorm(x, { reweight: 15 });
    expect(Array.from(y)).toEqual([f[0], 0, f[1], f[2], f[3], 0, f[4]]);
    expect(Array.from(softplusNorm([2, 2, 2, 2], { reweight: 15 }))).toEqual([0, 0, 0, 0]);
    expect(Array.from(softplusNormVjp([2, 2, 2, 2], [1, 2, 3, 4], { reweight: 15 }))).toEqual([
      0, 0, 0, 0,
    ]);
    const m = [-Infinity, -Infinity];
    expect(Array.from(softplusNorm(m, { reweight: 3 }))).toEqual([0, 0]);
    expect(Array.from(softplusNormVjp(m, [1, 1], { reweight: 3 }))).toEqual([0, 0]);
    expect(Array.from(softplusNorm([Infinity, 0, Infinity], { reweight: 3 }))).toEqual([
      0.5, 0, 0.5,
    ]);
  });

  it('vjp agrees with central finite differences (masked, short, long, scaled rows)', () => {
    for (const [len, lo, hi, p, seed] of [
      [12, -3, 3, 15, 27],
      [3, -2, 2, 3, 28], // offset 0
      [40, -2, 2, 3, 29],
      [10, -760, -750, 15, 30],
      [10, -3, 3, 1, 31],
    ] as const) {
      const x = randomArray(len, seed, lo, hi);
      if (len > 5) x[len - 2] = -Infinity;
      const dy = randomArray(len, seed + 40);
      const a = softplusNorm(x);
      const n = x.filter((v) => v !== -Infinity).length;
      // keep every u away from the kink at 0, where the derivative jumps
      for (let j = 0; j < len; j++)
        if (x[j] !== -Infinity) expect(Math.abs(n * a[j]! - (n > 3 ? 1 : 0))).toBeGreaterThan(1e-3);
      const fd = fdVjp((z) => softplusNorm(z, { reweight: p }), x, dy, 1e-6);
      expect(gradError(softplusNormVjp(x, dy, { reweight: p }), fd)).toBeLessThan(1e-6);
    }
  });

  it('works on any axis and through out', () => {
    const shape = [3, 4, 5];
    const x = randomArray(60, 32);
    const dy = randomArray(60, 33);
    for (const axis of [0, 1, 2]) {
      const o = { reweight: 3 };
      expect(softplusNorm(x, { shape, axis, ...o })).toEqual(
        perSlice((r) => softplusNorm(r, o), [x], shape, axis),
      );
      expect(softplusNormVjp(x, dy, { shape, axis, ...o })).toEqual(
        perSlice((r, g) => softplusNormVjp(r, g!, o), [x, dy], shape, axis),
      );
    }
    const out = new Float64Array(60);
    expect(softplusNorm(x, { shape, reweight: 3, out })).toBe(out);
  });

  it('rejects a power below 1 or not finite', () => {
    expect(() => softplusNorm([1, 2], { reweight: 0.5 })).toThrow(code('INVALID_PARAMETER'));
    expect(() => softplusNormVjp([1, 2], [1, 1], { reweight: Number.NaN })).toThrow(
      code('NON_FINITE_PARAMETER'),
    );
    expect(() => softplusNorm([1, 2], { reweight: '3' as never })).toThrow(
      code('INVALID_PARAMETER'),
    );
  });
});

describe('softplusNormVjp: the sigmoid at both ends and the masks of later rows (mutation-testing pins)', () => {
  /** σ(x_k)/S·(dy_k − ⟨dy, y⟩) in 60 digits. */
  function refVjp(x: readonly number[], dy: readonly number[]): Dec[] {
    const s = x.map(dsoftplus);
    const S = s.reduce((a, b) => a.plus(b), new D(0));
    const D0 = s.reduce((a, t, i) => a.plus(t.div(S).times(dy[i]!)), new D(0));
    return x.map((v, k) => {
      const sig = new D(1).div(D.exp(dec(v).neg()).plus(1));
      return sig.div(S).times(dec(dy[k]!).minus(D0));
    });
  }
  it('σ(x) far above 0 (e^x overflows) and far below 0 (1 + e^(−x) overflows)', () => {
    for (const x of [
      [800, 0, -3],
      [0, -720, 2],
    ]) {
      const dy = [0.5, -2, 1];
      const got = softplusNormVjp(x, dy);
      const ref = refVjp(x, dy);
      for (let i = 0; i < 3; i++) {
        // σ(−720) ≈ 2e−313 is subnormal: 35 significant bits
        const tol = ref[i]!.abs().lt(2 ** -1022) ? 1e-9 : 1e-13;
        expect(relError(got[i]!, ref[i]!)).toBeLessThan(tol);
      }
    }
  });
  it('a −∞ entry of a later row has gradient 0 where an earlier row was finite', () => {
    for (const x of [
      [1, 2, -Infinity, 2],
      [-1, -2, -Infinity, -2],
    ]) {
      const dx = softplusNormVjp(x, [1, 2, 3, 4], { shape: [2, 2] });
      expect(dx[2]).toBe(0);
      expect(dx[0]).not.toBe(0);
    }
  });
});
