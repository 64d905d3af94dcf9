import { beforeAll, describe, expect, it } from 'vitest';
import { fitTemperature } from '../../src/calibration/temperature.js';
import { temperaturePasses } from '../../src/kernels/temperature.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { randomArray } from '../helpers/finite-difference.js';
import { D, type Dec, dec } from '../helpers/reference.js';

/** Logits [rows, classes] with labels: the label's logit raised by `signal`, all scaled by `scale`. */
function synthetic(rows: number, classes: number, seed: number, signal: number, scale: number) {
  const noise = randomArray(rows * classes, seed, -1, 1);
  const pick = randomArray(rows, seed + 1, 0, classes);
  const labels = Array.from(pick, (v) => Math.min(classes - 1, Math.floor(v)));
  const x = new Float64Array(rows * classes);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < classes; c++)
      x[r * classes + c] = scale * (noise[r * classes + c]! + (c === labels[r] ? signal : 0));
  return { x, labels };
}

/** d NLL / dβ at β in 60-digit arithmetic: mean(E_p[x] − x_label), p = softmax(βx). */
function refSlope(x: ArrayLike<number>, labels: number[], n: number, beta: Dec): Dec {
  let total = new D(0);
  for (let r = 0; r < labels.length; r++) {
    const row = Array.from({ length: n }, (_, c) => dec(x[r * n + c]!));
    const m = row.reduce((a, b) => (a.gt(b) ? a : b));
    const e = row.map((v) => D.exp(v.minus(m).times(beta)));
    const d = e.reduce((a, b) => a.plus(b));
    const mean = e.reduce((s, ei, c) => s.plus(ei.times(row[c]!)), new D(0)).div(d);
    total = total.plus(mean.minus(row[labels[r]!]!));
  }
  return total.div(labels.length);
}

/**
 * Whether the optimum lies within `rel` of T: the slope (increasing in β = 1/T) changes sign
 * between β·(1 − rel) and β·(1 + rel), evaluated in 60-digit arithmetic.
 */
function bracketsOptimum(
  x: ArrayLike<number>,
  labels: number[],
  n: number,
  T: number,
  rel: number,
) {
  const beta = new D(1).div(dec(T));
  return (
    refSlope(x, labels, n, beta.times(1 - rel)).lt(0) &&
    refSlope(x, labels, n, beta.times(1 + rel)).gt(0)
  );
}

/** Mean NLL at T in plain double (a straightforward formula, for the dense scan). */
function nllAt(x: ArrayLike<number>, labels: number[], n: number, T: number): number {
  let s = 0;
  for (let r = 0; r < labels.length; r++) {
    let m = -Infinity;
    for (let c = 0; c < n; c++) m = Math.max(m, x[r * n + c]! / T);
    let d = 0;
    for (let c = 0; c < n; c++) d += Math.exp(x[r * n + c]! / T - m);
    s += m + Math.log(d) - x[r * n + labels[r]!]! / T;
  }
  return s / labels.length;
}

describe('fitTemperature against a 60-digit bisection and a dense scan', () => {
  const cases = [
    {
      name: 'over-confident (large logits, weak signal)',
      data: synthetic(30, 4, 5, 0.6, 8),
      above: 1,
    },
    {
      name: 'under-confident (small logits, strong signal)',
      data: synthetic(30, 4, 9, 1.2, 0.3),
      above: 0,
    },
  ];
  for (const { name, data, above } of cases)
    it(name, () => {
      const { x, labels } = data;
      const fit = fitTemperature(x, labels, { shape: [30, 4] });
      expect(bracketsOptimum(x, labels, 4, fit.temperature, 1e-10)).toBe(true);
      expect(fit.temperature > 1).toBe(above === 1);
      expect(fit.nllBefore).toBeCloseTo(nllAt(x, labels, 4, 1), 13);
      expect(fit.nll).toBeCloseTo(nllAt(x, labels, 4, fit.temperature), 13);
      let best = Infinity;
      for (let i = 0; i <= 2000; i++)
        best = Math.min(best, nllAt(x, labels, 4, 10 ** (-2 + (4 * i) / 2000)));
      expect(fit.nll).toBeLessThanOrEqual(best + 1e-13);
      expect(fit.iterations).toBeLessThan(20);
    });
  it('Float32 logits, a non-last axis and ignored rows give the Float64 fit of the kept rows', () => {
    const { x, labels } = synthetic(20, 3, 21, 1, 4);
    const x32 = Float32Array.from(x);
    const t = new Float32Array(60); // [3, 20]: classes along axis 0
    for (let r = 0; r < 20; r++) for (let c = 0; c < 3; c++) t[c * 20 + r] = x32[r * 3 + c]!;
    const withIgnored = [...labels, -100];
    const padded = new Float32Array(63);
    padded.set(x32);
    padded.set([Number.NaN, 1, 2], 60);
    const a = fitTemperature(Float64Array.from(x32), labels, { shape: [20, 3] });
    const b = fitTemperature(t, labels, { shape: [3, 20], axis: 0 });
    const c = fitTemperature(padded, withIgnored, { shape: [21, 3] });
    expect(b.temperature).toBeCloseTo(a.temperature, 12);
    expect(c.temperature).toBeCloseTo(a.temperature, 12);
    expect(bracketsOptimum(Float64Array.from(x32), labels, 3, a.temperature, 1e-10)).toBe(true);
  });
  it('masked classes are classes of probability 0 at every T', () => {
    const { x, labels } = synthetic(12, 3, 31, 1, 3);
    const masked = new Float64Array(48).fill(-Infinity);
    for (let r = 0; r < 12; r++) masked.set(x.subarray(r * 3, r * 3 + 3), r * 4);
    const a = fitTemperature(x, labels, { shape: [12, 3] });
    const b = fitTemperature(masked, labels, { shape: [12, 4] });
    expect(b.temperature).toBeCloseTo(a.temperature, 12);
    expect(b.nll).toBeCloseTo(a.nll, 13);
  });
});

describe('fitTemperature on the SIMD kernels (fast single-precision passes, then precise ones)', () => {
  beforeAll(async () => {
    await import('../../src/kernels/wasm/index.js'); // registers 'wasm': 'auto' takes it from here on
  });
  const cases = [
    { name: 'over-confident', data: synthetic(40, 9, 5, 0.6, 8) },
    { name: 'under-confident', data: synthetic(40, 9, 9, 1.2, 0.3) },
    { name: 'ties at the max', data: synthetic(40, 9, 13, 1, 3) },
  ];
  for (const { name, data } of cases)
    it(`${name}: Float32 and Float64 logits, the optimum within 1e-10 of 60 digits`, () => {
      const x = Float64Array.from(Float32Array.from(data.x));
      if (name === 'ties at the max')
        for (let r = 0; r < 40; r += 3)
          x[r * 9 + ((data.labels[r]! + 2) % 9)] = Math.max(...x.subarray(r * 9, r * 9 + 9));
      for (const logits of [x, Float32Array.from(x)]) {
        const fit = fitTemperature(logits, data.labels, { shape: [40, 9] });
        expect(bracketsOptimum(x, data.labels, 9, fit.temperature, 1e-10)).toBe(true);
        expect(fit.nll).toBeCloseTo(nllAt(x, data.labels, 9, fit.temperature), 13);
        // Float32 logits: the first pass (T = 1) is a fast one, single-precision exps
        expect(fit.nllBefore).toBeCloseTo(nllAt(x, data.labels, 9, 1), logits === x ? 13 : 6);
        expect(fit.iterations).toBeLessThan(20);
      }
    });
});

describe('fitTemperature: the last step, taken without a pass', () => {
  it('lands where a pass finds the slope within the tolerance, with the NLL a pass gives', async () => {
    await import('../../src/kernels/wasm/index.js');
    const cases = [
      { ...synthetic(300, 50, 41, 1.5, 4), n: 50 },
      { ...synthetic(200, 7, 43, 1, 0.5), n: 7 },
    ];
    for (const { x, labels, n } of cases)
      for (const logits of [x, Float32Array.from(x)])
        for (const backend of ['js', 'wasm'] as const) {
          const fit = fitTemperature(logits, labels, { shape: [labels.length, n] });
          expect(fit.temperature > 0 && fit.temperature < Infinity).toBe(true);
          const passes = temperaturePasses(
            'test',
            logits,
            labels.length,
            n,
            Int32Array.from(labels),
            backend,
          );
          const at = passes.at(1 / fit.temperature, false);
          expect(Math.abs(at.slope)).toBeLessThanOrEqual(1e-12 * at.scale);
          expect(fit.nll).toBeCloseTo(at.nll / labels.length, 14);
        }
  });
  it('with maxIterations 1 the one pass is precise, and the step after it proven or not taken', async () => {
    await import('../../src/kernels/wasm/index.js'); // Float32 on the kernel: fast passes exist
    const { x, labels } = synthetic(30, 4, 5, 0.6, 8);
    const one = fitTemperature(Float32Array.from(x), labels, { shape: [30, 4], maxIterations: 1 });
    expect(one.iterations).toBe(1);
    expect(one.nllBefore).toBeCloseTo(nllAt(Float32Array.from(x), labels, 4, 1), 13);
  });
});

describe('fitTemperature at the limits: a clear result, never NaN or T ≤ 0', () => {
  it('every label a row maximum: T → 0, NLL → mean log(ties)', () => {
    const r = fitTemperature([3, 1, 0, 0, 2, 2, 5, 1, -1], [0, 1, 0], { shape: [3, 3] });
    expect(r.temperature).toBe(0);
    expect(r.nll).toBeCloseTo(Math.log(2) / 3, 15);
    expect(r.nllBefore).toBeGreaterThan(r.nll);
  });
  it('labels below their rows’ means: T → ∞, NLL → mean log(classes)', () => {
    const r = fitTemperature([3, 1, 0, 0, 2, 2], [2, 0], { shape: [2, 3] });
    expect(r.temperature).toBe(Infinity);
    expect(r.nll).toBeCloseTo(Math.log(3), 15);
  });
  it('a huge but finite optimum is found (one row of 1000 slightly wrong)', () => {
    const x = new Float64Array(2000);
    const labels: number[] = [];
    for (let r = 0; r < 1000; r++) {
      x[r * 2] = 1;
      labels.push(0);
    }
    labels[999] = 1;
    const fit = fitTemperature(x, labels, { shape: [1000, 2] });
    expect(fit.temperature).toBeGreaterThan(0);
    expect(Number.isFinite(fit.temperature)).toBe(true);
    // the optimum: p = 999/1000 = σ(1/T) ⇒ T = 1 / log 999
    expect(fit.temperature).toBeCloseTo(1 / Math.log(999), 12);
  });
  it('huge logits (±1e6) are fitted without overflow', () => {
    const { x, labels } = synthetic(30, 4, 5, 0.6, 8);
    const big = x.map((v) => v * 1e5);
    const a = fitTemperature(x, labels, { shape: [30, 4] });
    const b = fitTemperature(big, labels, { shape: [30, 4] });
    expect(b.temperature / 1e5).toBeCloseTo(a.temperature, 9);
  });
});

describe('fitTemperature: errors', () => {
  it('names the function and the problem', () => {
    expect(() => fitTemperature([1, 2], [0], { shape: [1, 2], tol: 1 } as never)).toThrow(
      /fitTemperature: unknown option 'tol'/,
    );
    expect(() => fitTemperature([1, 2], [2], { shape: [1, 2] })).toThrow(
      /fitTemperature: expected labels\[0\]/,
    );
    expect(() => fitTemperature([1, Number.NaN], [0])).toThrow(/row 0/);
    expect(() => fitTemperature([1, -Infinity], [1])).toThrow(/row 0/);
    expect(() => fitTemperature([1, 2], [-100])).toThrow(/at least one row/);
    expect(() => fitTemperature([1, 2], [0, 1])).toThrow(SoftmaxKitError);
  });
});
