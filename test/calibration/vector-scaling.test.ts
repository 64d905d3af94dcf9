import { describe, expect, it } from 'vitest';
import { fitTemperature } from '../../src/calibration/temperature.js';
import { fitVectorScaling } from '../../src/calibration/vector-scaling.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { randomArray } from '../helpers/finite-difference.js';

/**
 * Mean NLL of softmax(w ⊙ x + b) written directly (the test's own formula: the max of
 * the finite scaled logits, then log Σ exp), −∞ logits left out.
 */
function refNll(x: ArrayLike<number>, labels: number[], n: number, w: number[], b: number[]) {
  let s = 0;
  let count = 0;
  for (let r = 0; r < labels.length; r++) {
    if (labels[r]! < 0) continue;
    const z: number[] = [];
    for (let c = 0; c < n; c++)
      if (x[r * n + c] !== -Infinity) z.push(w[c]! * x[r * n + c]! + b[c]!);
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
    s += lse - (w[labels[r]!]! * x[r * n + labels[r]!]! + b[labels[r]!]!);
    count++;
  }
  return s / count;
}

/**
 * Logits [rows, n] and labels drawn from a known vector-scaling model: the labels follow
 * softmax(wTrue ⊙ x + bTrue), so the fit on many rows should recover (wTrue, bTrue).
 */
function fromModel(rows: number, n: number, seed: number, wTrue: number[], bTrue: number[]) {
  const x = randomArray(rows * n, seed, -3, 3);
  const u = randomArray(rows, seed + 1, 0, 1);
  const labels: number[] = [];
  for (let r = 0; r < rows; r++) {
    const e = Array.from({ length: n }, (_, c) => Math.exp(wTrue[c]! * x[r * n + c]! + bTrue[c]!));
    const total = e.reduce((a, v) => a + v, 0);
    let acc = 0;
    let label = n - 1;
    for (let c = 0; c < n; c++) {
      acc += e[c]! / total;
      if (u[r]! < acc) {
        label = c;
        break;
      }
    }
    labels.push(label);
  }
  return { x, labels };
}

const params = (fit: { scales: Float64Array; biases: Float64Array }) => ({
  w: Array.from(fit.scales),
  b: Array.from(fit.biases),
});

/** Central differences of refNll in every parameter at the fit, h = 1e-5. */
function fdGradient(x: ArrayLike<number>, labels: number[], n: number, w: number[], b: number[]) {
  const h = 1e-5;
  const g: number[] = [];
  for (const [v, i] of [...w.map((_, i) => [w, i] as const), ...b.map((_, i) => [b, i] as const)]) {
    const keep = v[i]!;
    v[i] = keep + h;
    const up = refNll(x, labels, n, w, b);
    v[i] = keep - h;
    const down = refNll(x, labels, n, w, b);
    v[i] = keep;
    g.push((up - down) / (2 * h));
  }
  return g;
}

describe('fitVectorScaling (Guo et al. 2017) against independent checks', () => {
  const n = 3;
  const data = fromModel(400, n, 7, [0.5, 1.5, 1], [0.4, -0.6, 0.2]);

  it('central differences of the NLL vanish at the fit', () => {
    const fit = fitVectorScaling(data.x, data.labels, { shape: [400, n] });
    expect(fit.converged).toBe(true);
    const { w, b } = params(fit);
    for (const g of fdGradient(data.x, data.labels, n, w, b))
      expect(Math.abs(g)).toBeLessThan(1e-7);
    expect(fit.nll).toBeCloseTo(refNll(data.x, data.labels, n, w, b), 12);
    expect(fit.nllBefore).toBeCloseTo(refNll(data.x, data.labels, n, [1, 1, 1], [0, 0, 0]), 12);
    expect(b.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 12);
  });

  it('a brute-force scan of every coordinate and of random directions finds nothing lower', () => {
    const small = fromModel(40, 2, 11, [2, 0.7], [0.3, -0.3]);
    const fit = fitVectorScaling(small.x, small.labels, { shape: [40, 2] });
    const { w, b } = params(fit);
    const best = refNll(small.x, small.labels, 2, w, b);
    const dirs = randomArray(40 * 4, 5, -1, 1);
    const steps = [-1, -0.3, -0.1, -0.03, -0.01, -1e-3, 1e-3, 0.01, 0.03, 0.1, 0.3, 1];
    for (let d = 0; d < 44; d++) {
      // the first four are the coordinates, then random directions
      const dir =
        d < 4
          ? [0, 1, 2, 3].map((i) => (i === d ? 1 : 0))
          : dirs.subarray(4 * (d - 4), 4 * (d - 3));
      for (const t of steps) {
        const v = refNll(
          small.x,
          small.labels,
          2,
          [w[0]! + t * dir[0]!, w[1]! + t * dir[1]!],
          [b[0]! + t * dir[2]!, b[1]! + t * dir[3]!],
        );
        expect(v).toBeGreaterThanOrEqual(best - 1e-13);
      }
    }
  });

  it('recovers the scales and the bias differences of the model that drew the labels', () => {
    const big = fromModel(20000, n, 3, [0.5, 1.5, 1], [0.4, -0.6, 0.2]);
    const { w, b } = params(fitVectorScaling(big.x, big.labels, { shape: [20000, n] }));
    for (const [c, v] of [0.5, 1.5, 1].entries()) expect(Math.abs(w[c]! - v)).toBeLessThan(0.08);
    // biases are defined up to a common shift: compare them centred
    for (const [c, v] of [0.4, -0.6, 0.2].entries()) expect(Math.abs(b[c]! - v)).toBeLessThan(0.08);
  });

  it('never worse than temperature scaling (its special case w = 1/T, b = 0)', () => {
    for (const seed of [1, 2, 3]) {
      const d = fromModel(
        200,
        4,
        seed,
        [1, 1, 1, 1].map((v) => v * 3),
        [0, 0, 0, 0],
      );
      const t = fitTemperature(d.x, d.labels, { shape: [200, 4] });
      const v = fitVectorScaling(d.x, d.labels, { shape: [200, 4] });
      const scalar = refNll(
        d.x,
        d.labels,
        4,
        [1, 1, 1, 1].map(() => 1 / t.temperature),
        [0, 0, 0, 0],
      );
      expect(v.nll).toBeLessThanOrEqual(scalar + 1e-14);
      expect(v.nllBefore).toBe(t.nllBefore);
    }
  });
});

describe('fitVectorScaling: layouts, masks, limits', () => {
  const d = fromModel(60, 3, 21, [1.2, 0.8, 1], [0, 0.5, -0.5]);

  it('Float32 logits, a non-last axis and ignored rows give the Float64 fit of the kept rows', () => {
    const x32 = Float32Array.from(d.x);
    const a = fitVectorScaling(Float64Array.from(x32), d.labels, { shape: [60, 3] });
    const b = fitVectorScaling(x32, d.labels, { shape: [60, 3] });
    expect(Array.from(b.scales)).toEqual(Array.from(a.scales)); // the same doubles: the same fit
    const t = new Float32Array(180);
    for (let r = 0; r < 60; r++) for (let c = 0; c < 3; c++) t[c * 60 + r] = x32[r * 3 + c]!;
    const c = fitVectorScaling(t, d.labels, { shape: [3, 60], axis: 0 });
    const padded = new Float32Array(189);
    padded.set(x32);
    padded.set([Number.NaN, 1, 2, 5, 5, 5, 0, 0, 0], 180);
    const e = fitVectorScaling(padded, [...d.labels, -1, -1, -1], {
      shape: [63, 3],
      ignoreIndex: -1,
    });
    for (const other of [c, e]) {
      for (let j = 0; j < 3; j++) {
        expect(other.scales[j]).toBeCloseTo(a.scales[j]!, 7);
        expect(other.biases[j]).toBeCloseTo(a.biases[j]!, 7);
      }
      expect(other.nll).toBeCloseTo(a.nll, 12);
    }
  });

  it('masked classes have probability 0 at every (w, b); a class masked everywhere is inert', () => {
    const x = Float64Array.from(d.x);
    for (let r = 0; r < 60; r += 3) if (d.labels[r] !== 2) x[r * 3 + 2] = -Infinity;
    const fit = fitVectorScaling(x, d.labels, { shape: [60, 3] });
    const { w, b } = params(fit);
    for (const g of fdGradient(x, d.labels, 3, w, b)) expect(Math.abs(g)).toBeLessThan(1e-7);
    const wide = new Float64Array(240).fill(-Infinity);
    for (let r = 0; r < 60; r++) wide.set(d.x.subarray(r * 3, r * 3 + 3), r * 4);
    const a = fitVectorScaling(d.x, d.labels, { shape: [60, 3] });
    const c = fitVectorScaling(wide, d.labels, { shape: [60, 4] });
    expect(c.nll).toBeCloseTo(a.nll, 12);
    for (let j = 0; j < 3; j++) expect(c.scales[j]).toBeCloseTo(a.scales[j]!, 6);
    expect(Number.isFinite(c.scales[3]!) && Number.isFinite(c.biases[3]!)).toBe(true);
  });

  it('a class that is never a label: finite parameters, its bias pushed down, NLL near its infimum', () => {
    const labels = d.labels.map((v) => (v === 2 ? 0 : v));
    const fit = fitVectorScaling(d.x, labels, { shape: [60, 3] });
    expect(fit.converged).toBe(true);
    expect([...fit.scales, ...fit.biases].every(Number.isFinite)).toBe(true);
    expect(fit.biases[2]).toBeLessThan(fit.biases[0]! - 10);
    const { w, b } = params(fit);
    b[2]! -= 10; // pushing it further gains almost nothing
    expect(refNll(d.x, labels, 3, w, b)).toBeGreaterThan(fit.nll - 1e-7);
  });

  it('errors name the function and the problem', () => {
    expect(() => fitVectorScaling([1, 2], [0], { shape: [1, 2], vector: true } as never)).toThrow(
      /fitVectorScaling: unknown option 'vector'/,
    );
    expect(() => fitVectorScaling([1, Number.NaN], [0])).toThrow(/fitVectorScaling: .*row 0/);
    expect(() => fitVectorScaling([1, -Infinity], [1])).toThrow(/row 0/);
    expect(() => fitVectorScaling([1, 2], [-100])).toThrow(/at least one row/);
    expect(() => fitVectorScaling([1, 2], [0], { tolerance: 0 })).toThrow(SoftmaxKitError);
    expect(() => fitVectorScaling([1, 2], [0, 1])).toThrow(SoftmaxKitError);
  });
});
