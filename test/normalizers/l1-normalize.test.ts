/**
 * The φ-normalizer core y = φ(x)/Σφ(x) (reluNorm and softplusNorm are built on it),
 * driven here by its own term function φ(x) = x² on x > 0 so that the expected rows
 * are exact rationals: the non-finite policy, the scale-free sum, and the vjp
 * against central differences.
 */
import { describe, expect, it } from 'vitest';
import {
  hugeRowScale,
  L1_RULES,
  l1Normalize,
  l1NormalizeVjp,
  type ScaledTerms,
} from '../../src/normalizers/l1-normalize.js';
import { fdVjp, gradError } from '../helpers/finite-difference.js';
import { D } from '../helpers/reference.js';

/** φ(x) = x² for x > 0 (0 elsewhere, −∞ included), φ′ = 2x. */
const squares: ScaledTerms = (x, o, n, _c, t, d) => {
  for (let i = 0; i < n; i++) {
    const v = x[o + i]!;
    t[i] = v > 0 ? v * v : 0;
    if (d) d[i] = v > 0 ? 2 * v : 0;
  }
};
const f = (x: ArrayLike<number>, options?: object) =>
  l1Normalize('sq', x as number[], options, L1_RULES, squares);

describe('l1Normalize', () => {
  it('y = φ(x)/Σφ(x) along any axis', () => {
    expect(Array.from(f([1, 2, -3, 0]))).toEqual([1 / 5, 4 / 5, 0, 0]);
    // shape [2, 2], axis 0: columns (1, 3) and (2, -1)
    expect(Array.from(f([1, 2, 3, -1], { shape: [2, 2], axis: 0 }))).toEqual([0.1, 1, 0.9, 0]);
  });
  it('applies the non-finite policy: NaN row, +∞ shares the mass, −∞ and all-zero rows', () => {
    const y = f([1, Number.NaN, Infinity, 2, Infinity, -Infinity, -1, 0], { shape: [4, 2] });
    expect(Array.from(y.subarray(0, 2))).toEqual([Number.NaN, Number.NaN]);
    expect(Array.from(y.subarray(2, 4))).toEqual([1, 0]);
    expect(Array.from(y.subarray(4, 6))).toEqual([1, 0]);
    expect(Array.from(y.subarray(6, 8))).toEqual([0, 0]); // Σφ = 0: zeros, not NaN
  });
  it('rejects unknown options naming the function', () => {
    expect(() => f([1], { reweigh: 2 })).toThrow(/sq: unknown option 'reweigh'.*reweight/);
  });
  it('hugeRowScale scales only rows beyond 2^1000', () => {
    expect(hugeRowScale(2 ** 1000)).toBe(1);
    expect(hugeRowScale(2 ** 1001)).toBe(2 ** -64);
  });
});

describe('l1NormalizeVjp', () => {
  it('matches central differences, with and without reweighting', () => {
    const x = Float64Array.of(0.9, 1.7, -0.4, 1.2, 0.3);
    const dy = Float64Array.of(0.3, -0.8, 1.1, 0.25, -0.6);
    for (const options of [undefined, { reweight: 3 }]) {
      const g = l1NormalizeVjp('sq', x, dy, options, L1_RULES, squares);
      const ref = fdVjp((v) => f(v, options), x, dy, 1e-7);
      expect(gradError(g, ref)).toBeLessThan(1e-7);
    }
  });
  it('gives NaN rows NaN, and +∞, masked and all-zero rows a zero gradient', () => {
    const x = [Number.NaN, 1, Infinity, 1, -Infinity, -Infinity, -2, 0];
    const g = l1NormalizeVjp(
      'sq',
      x,
      [1, 1, 1, 1, 1, 1, 1, 1],
      { shape: [4, 2] },
      L1_RULES,
      squares,
    );
    expect(Array.from(g)).toEqual([Number.NaN, Number.NaN, 0, 0, 0, 0, 0, 0]);
  });
  it('an entry with φ′ = 0 gets +0, not the −0 of 0·(g − ⟨g, a⟩) when that is negative', () => {
    const g = l1NormalizeVjp('sq', [1, -1], [5, 0], undefined, L1_RULES, squares);
    expect(Object.is(g[1], 0)).toBe(true);
  });
});

describe('l1Normalize with reweight, row by row', () => {
  /** squares' a = x²/Σx², then u = max(n·a − o, 0)^p / Σ (n visible, o = 1 when n > 3), in 60 digits. */
  function reference(row: readonly number[], p: number) {
    const t = row.map((v) => (v > 0 ? new D(v).pow(2) : new D(0)));
    const S = t.reduce((a, b) => a.plus(b), new D(0));
    const n = row.filter((v) => v !== -Infinity).length;
    const u = t.map((v) =>
      D.max(
        v
          .div(S)
          .times(n)
          .minus(n > 3 ? 1 : 0),
        0,
      ).pow(p),
    );
    const W = u.reduce((a, b) => a.plus(b), new D(0));
    return u.map((v) => v.div(W));
  }

  it('counts only the visible entries (−∞ excluded) in n, each row its own', () => {
    const rows = [
      [2, 1, -Infinity, 1.5, 0.5],
      [3, -Infinity, -Infinity, 1, 2],
      [1, 2, 3, 4, 0.25],
    ];
    const y = f(rows.flat(), { shape: [3, 5], reweight: 2 });
    rows.forEach((row, r) => {
      const want = reference(row, 2);
      for (let i = 0; i < 5; i++)
        expect(new D(y[5 * r + i]!).minus(want[i]!).abs().toNumber(), `${r} ${i}`).toBeLessThan(
          1e-15,
        );
    });
  });

  it('the vjp of several rows with masked entries matches central differences', () => {
    const x = Float64Array.of(2, 1, -Infinity, 1.5, 0.5, 0.7, -Infinity, 1.1, 0.9, 1.3);
    const dy = Float64Array.of(0.3, -0.8, 1.1, 0.25, -0.6, 2, 0.5, -1, 0.75, 0.1);
    for (const options of [{ shape: [2, 5] }, { shape: [2, 5], reweight: 2 }]) {
      const g = l1NormalizeVjp('sq', x, dy, options, L1_RULES, squares);
      expect(g[2]).toBe(0);
      expect(g[6]).toBe(0);
      expect(
        gradError(
          g,
          fdVjp((v) => f(v, options), x, dy, 1e-7),
        ),
      ).toBeLessThan(1e-7);
    }
  });
});

describe('l1Normalize: sums that need their compensation, rows that underflow', () => {
  // x = (1, 2^−27 four times): φ = (1, 2^−54 ×4), S = 1 + 2^−52 exactly, which a plain sum rounds to 1
  const x = [1, 2 ** -27, 2 ** -27, 2 ** -27, 2 ** -27];

  it('y_0 = 1/(1 + 2^−52) to ½ ulp (60-digit reference)', () => {
    const want = new D(1).div(new D(2).pow(-52).plus(1));
    expect(new D(f(x)[0]!).minus(want).abs().div(want).toNumber()).toBeLessThanOrEqual(2 ** -53);
  });

  it('the vjp of a constant dy is 0 (Σy ≡ 1), which needs ⟨dy, y⟩ compensated', () => {
    const g = l1NormalizeVjp('sq', x, [1, 1, 1, 1, 1], undefined, L1_RULES, squares);
    for (const v of g) expect(Math.abs(v)).toBeLessThan(2 ** -60);
  });

  it('a row whose terms all underflow to 0 gives zeros and a zero gradient', () => {
    const out = new Float64Array(4).fill(9);
    const xs = [1e-200, 2e-200, 3, 1];
    expect(Array.from(f(xs, { shape: [2, 2] }).subarray(0, 2))).toEqual([0, 0]);
    l1NormalizeVjp('sq', xs, [1, 2, 3, 4], { shape: [2, 2], out }, L1_RULES, squares);
    expect(Array.from(out.subarray(0, 2))).toEqual([0, 0]);
    expect(out[2]).toBeCloseTo((2 * 3 * (3 - (9 * 3 + 4) / 10)) / 10, 14);
  });
});
