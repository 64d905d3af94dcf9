import { describe, expect, it } from 'vitest';
import { denseToSparseGating, denseToSparseGatingVjp } from '../../src/gating/dense-to-sparse.js';
import { gumbel } from '../../src/random/noise.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { rows, softmaxRow } from './reference.js';

describe('denseToSparseGating (EvoMoE)', () => {
  it('softmax((x + Gumbel)/τ) with the experts under θ switched off', () => {
    const x = randomArray(5 * 6, 2, -2, 2);
    const g = gumbel(9, 0, new Float64Array(30));
    const r = denseToSparseGating(x, {
      shape: [5, 6],
      temperature: 0.5,
      threshold: 0.1,
      noise: { seed: 9 },
    });
    const ref = rows(
      Array.from(x, (v, i) => (v + g[i]!) / 0.5),
      6,
    ).flatMap(softmaxRow);
    const counts = new Array<number>(6).fill(0);
    ref.forEach((p, i) => {
      expect(r.active[i]).toBe(p >= 0.1 ? 1 : 0);
      expect(r.weights[i]).toBeCloseTo(p >= 0.1 ? p : 0, 14);
      if (p >= 0.1) counts[i % 6]!++;
    });
    expect(Array.from(r.counts)).toEqual(counts);
  });

  it('the doc example; high temperature is dense, low is sparse', () => {
    const w = denseToSparseGating([2, 1, -3], { temperature: 0.5, threshold: 0.05 }).weights;
    expect(w[2]).toBe(0);
    expect(w[0]).toBeCloseTo(Math.exp(4) / (Math.exp(4) + Math.exp(2) + Math.exp(-6)), 15);
    const x = randomArray(40, 3);
    const dense = denseToSparseGating(x, { shape: [5, 8], temperature: 5, threshold: 0.01 });
    const sparse = denseToSparseGating(x, { shape: [5, 8], temperature: 0.05, threshold: 0.01 });
    const on = (a: Uint8Array) => a.reduce((s, v) => s + v, 0);
    expect(on(dense.active)).toBe(40);
    expect(on(sparse.active)).toBeLessThan(12);
  });

  it('gradient (switched-off experts fixed) against central differences, with noise', () => {
    const x = randomArray(4 * 5, 4, -2, 2);
    const opts = { shape: [4, 5], temperature: 0.7, threshold: 0.15, noise: { seed: 3 } };
    const dw = randomArray(20, 5);
    const fd = fdVjp((z) => denseToSparseGating(z, opts).weights, x, dw);
    expect(gradError(denseToSparseGatingVjp(x, dw, opts), fd)).toBeLessThan(1e-8);
    expect(() => denseToSparseGatingVjp(x, dw, { ...opts, noise: {} })).toThrow(/noise\.seed/);
    expect(
      denseToSparseGatingVjp(new Float32Array(3), [1, 1, 1], { noise: { seed: 1 } }),
    ).toBeInstanceOf(Float32Array);
  });
});
