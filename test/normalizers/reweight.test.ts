/**
 * LSSAR's re-weighting stage: y_j = u_j^p / Σ u_k^p with u_j = max(n·a_j − o, 0),
 * against a 60-digit evaluation of the formula, and its vjp against central
 * differences of the same formula.
 */
import { describe, expect, it } from 'vitest';
import { reweightRow, reweightRowVjp } from '../../src/normalizers/reweight.js';
import { fdVjp, gradError } from '../helpers/finite-difference.js';
import { D, dec, relError } from '../helpers/reference.js';

/** The re-weighting of a (n visible) in 60 digits. */
function reference(a: readonly number[], n: number, p: number) {
  const off = n > 3 ? 1 : 0;
  const u = a.map((v) => D.max(dec(n).times(dec(v)).minus(off), 0).pow(p));
  const s = u.reduce((x, y) => x.plus(y), new D(0));
  return u.map((v) => (s.isZero() ? new D(0) : v.div(s)));
}

describe('reweightRow', () => {
  it('cuts below-mean weights and sharpens the rest (n > 3: offset 1)', () => {
    const a = [0.42, 0.31, 0.16, 0.06, 0.05];
    const y = Float64Array.from(a);
    reweightRow(y, 5, 5, 3);
    const ref = reference(a, 5, 3);
    for (let j = 0; j < 5; j++) expect(relError(y[j]!, ref[j]!)).toBeLessThan(3 * 3 * 2 ** -52);
    expect(y[3]).toBe(0);
  });
  it('keeps every weight on rows of at most three visible entries (offset 0)', () => {
    const a = [0.5, 0.3, 0.2, 0];
    const y = Float64Array.from(a);
    reweightRow(y, 4, 3, 2);
    const ref = reference(a, 3, 2);
    for (let j = 0; j < 4; j++) expect(relError(y[j]!, ref[j]!)).toBeLessThan(1e-15);
    expect(y[2]).toBeGreaterThan(0);
  });
  it('gives zeros when nothing is above the mean, and survives p = 15 without overflow', () => {
    const flat = Float64Array.of(0.25, 0.25, 0.25, 0.25);
    reweightRow(flat, 4, 4, 3);
    expect(Array.from(flat)).toEqual([0, 0, 0, 0]);
    const a = [0.9, 0.1 - 1e-12, 1e-12, 0, 0, 0];
    const y = Float64Array.from(a);
    reweightRow(y, 6, 6, 15);
    const ref = reference(a, 6, 15);
    expect(relError(y[0]!, ref[0]!)).toBeLessThan(1e-14);
  });
});

describe('reweightRowVjp', () => {
  it('matches central differences of the re-weighting', () => {
    const a = Float64Array.of(0.35, 0.3, 0.2, 0.1, 0.05);
    const dy = Float64Array.of(0.7, -1.1, 0.4, 2, -0.3);
    const f = (v: Float64Array) => {
      const y = Float64Array.from(v);
      reweightRow(y, 5, 5, 3);
      return y;
    };
    const g = new Float64Array(5);
    reweightRowVjp(a, dy, 0, g, 5, 5, 3, new Float64Array(5));
    expect(gradError(g, fdVjp(f, a, dy, 1e-7))).toBeLessThan(1e-7);
    expect(g[3]).toBe(0); // u = 5·0.1 − 1 < 0: cut, no gradient
  });
});

describe('reweightRow and its vjp: the compensated sums and large p (mutation-testing pins)', () => {
  // n = 8, offset 1: u = [2, 2^−52 ×7], so with p = 1 the terms are 1 and seven 2^−53,
  // each below half an ulp of the running sum: only a compensated sum keeps them
  const a = [0.375, ...Array.from({ length: 7 }, () => 0.125 + 2 ** -55)];
  it('Σ u^p is compensated: the sharp weight within 1 ulp', () => {
    const y = Float64Array.from(a);
    reweightRow(y, 8, 8, 1);
    const ref = reference(a, 8, 1);
    expect(relError(y[0]!, ref[0]!)).toBeLessThan(2 ** -52);
  });
  it('⟨dy, y⟩ is compensated: an entry whose dy nearly equals it keeps its gradient', () => {
    // dy_0 = 1, the rest 0.4: D = 1 − 5.2·2^−53 and g_0 = n·p·y_0·(1 − D)/u_0 cancels
    const dy = [1, ...Array.from({ length: 7 }, () => 0.4)];
    const g = new Float64Array(8);
    reweightRowVjp(Float64Array.from(a), dy, 0, g, 8, 8, 1, new Float64Array(8));
    const y = reference(a, 8, 1);
    const D = y.reduce((s, v, j) => s.plus(v.times(dy[j]!)), dec(0));
    const u0 = dec(8).times(dec(a[0]!)).minus(1);
    const g0 = dec(8).times(y[0]!).times(dec(1).minus(D)).div(u0);
    // y_0's own rounding (1 ulp) is 0.19 of 1 − D here; a plain sum, which loses the
    // seven 0.4·2^−53 terms, is off by 1.6 of it
    expect(relError(g[0]!, g0)).toBeLessThan(0.5);
  });
  it('p = 1000: the powers are of u/u_max, so nothing overflows nor underflows as a whole', () => {
    const y = Float64Array.of(0.4, 0.3, 0.2, 0.1);
    reweightRow(y, 4, 4, 1000);
    expect(Array.from(y)).toEqual([1, 0, 0, 0]);
  });
});
