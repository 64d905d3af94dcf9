import { describe, expect, it } from 'vitest';
import { crossEntropy } from '../../src/losses/cross-entropy.js';
import {
  decodeHistogram,
  histogramCenters,
  hlGaussLoss,
  hlGaussTargets,
  twoHotTargets,
} from '../../src/losses/hl-gauss.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { D, type Dec } from '../helpers/reference.js';
import { errorCode } from './class-loss-checks.js';

/** Φ(z) in 60 digits: erf by its positive-term series (converges for every z). */
function refPhi(z: Dec): Dec {
  const x = z.abs().div(D.sqrt(2));
  let term = x;
  let sum = x;
  const x2 = x.times(x);
  for (let k = 1; term.gt(sum.times('1e-70')); k++) {
    term = term.times(x2.times(2)).div(2 * k + 1);
    sum = sum.plus(term);
  }
  const erf = sum
    .times(D.exp(x2.neg()))
    .times(2)
    .div(D.sqrt(D.acos(-1)));
  return z.isNeg() ? new D(1).minus(erf).div(2) : new D(1).plus(erf).div(2);
}

function refHistogram(y: number, min: number, max: number, bins: number, sigma: number): Dec[] {
  const w = new D(max).minus(min).div(bins);
  const phi = (e: Dec) => refPhi(e.minus(y).div(sigma));
  const total = phi(new D(max)).minus(phi(new D(min)));
  return Array.from({ length: bins }, (_, i) =>
    phi(w.times(i + 1).plus(min))
      .minus(phi(w.times(i).plus(min)))
      .div(total),
  );
}

describe('hlGaussTargets', () => {
  it('matches the 60-digit histogram (center, edges, tails, narrow and wide σ)', () => {
    for (const [y, sigma] of [
      [0.31, 0.075],
      [0.01, 0.2],
      [0.999, 0.05],
      [-0.4, 0.3],
      [0.5, 0.01],
      [0.5, 2],
    ] as const) {
      const got = hlGaussTargets([y], { min: 0, max: 1, bins: 10, sigma });
      const ref = refHistogram(y, 0, 1, 10, sigma);
      const top = Math.max(...ref.map((r) => r.toNumber()));
      for (let i = 0; i < 10; i++)
        expect(Math.abs(got[i]! - ref[i]!.toNumber())).toBeLessThanOrEqual(1e-14 * top);
    }
  });

  it('sums to 1 and centers on y away from the edges; default σ = 0.75 bin widths', () => {
    const q = Array.from(hlGaussTargets([0.5], { min: 0, max: 1, bins: 20 }));
    const c = histogramCenters({ min: 0, max: 1, bins: 20 });
    expect(q.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    expect(q.reduce((a, v, i) => a + v * c[i]!, 0)).toBeCloseTo(0.5, 12);
    expect(q).toEqual(
      Array.from(hlGaussTargets([0.5], { min: 0, max: 1, bins: 20, sigma: 0.75 * (1 / 20) })),
    );
    expect(hlGaussTargets(new Float32Array([0.5]), { min: 0, max: 1, bins: 4 })).toBeInstanceOf(
      Float32Array,
    );
  });
});

describe('twoHotTargets', () => {
  it('two neighbours whose expectation is y; clipped at the ends', () => {
    const c = histogramCenters({ min: -1, max: 1, bins: 8 });
    const ys = [-0.33, 0.1, 0.8, -1, 1, 5];
    const q = twoHotTargets(ys, { min: -1, max: 1, bins: 8 });
    ys.forEach((y, r) => {
      const row = Array.from(q.subarray(r * 8, r * 8 + 8));
      expect(row.filter((v) => v > 0).length).toBeLessThanOrEqual(2);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
      const want = Math.min(Math.max(y, c[0]!), c[7]!);
      expect(row.reduce((a, v, i) => a + v * c[i]!, 0)).toBeCloseTo(want, 14);
    });
    expect(Array.from(twoHotTargets([3], { min: 0, max: 1, bins: 1 }))).toEqual([1]);
  });
});

describe('hlGaussLoss and decodeHistogram', () => {
  const n = 3;
  const bins = 6;
  const x = randomArray(n * bins, 4, -2, 2);
  const y = [0.2, -3, 4.5];
  const support = { min: -5, max: 5 };

  it('is crossEntropy against the HL-Gauss histograms, with a finite-difference gradient', () => {
    const r = hlGaussLoss(x, y, { ...support, shape: [n, bins], sigma: 1.2 });
    const q = hlGaussTargets(y, { ...support, bins, sigma: 1.2 });
    const ce = crossEntropy(x, q, { shape: [n, bins] });
    expect(r.loss).toBe(ce.loss);
    const fd = fdVjp(
      (z) => [hlGaussLoss(z, y, { ...support, shape: [n, bins], sigma: 1.2 }).loss as number],
      x,
      [1],
    );
    expect(gradError(r.grad, fd)).toBeLessThan(1e-8);
  });

  it('any class axis: axis 0 equals the transposed computation', () => {
    const xt = new Float64Array(n * bins);
    for (let r = 0; r < n; r++) for (let i = 0; i < bins; i++) xt[i * n + r] = x[r * bins + i]!;
    const a = hlGaussLoss(xt, y, { ...support, shape: [bins, n], axis: 0, reduction: 'none' });
    const b = hlGaussLoss(x, y, { ...support, shape: [n, bins], reduction: 'none' });
    expect(Array.from(a.loss as Float64Array)).toEqual(Array.from(b.loss as Float64Array));
    const da = decodeHistogram(xt, { ...support, shape: [bins, n], axis: 0 });
    expect(Array.from(da)).toEqual(
      Array.from(decodeHistogram(x, { ...support, shape: [n, bins] })),
    );
  });

  it('decoding log(two-hot) gives y back; masked bins get no mass', () => {
    const q = twoHotTargets([1.3], { ...support, bins: 10 });
    const logits = Array.from(q, Math.log);
    expect(decodeHistogram(logits, { ...support })[0]).toBeCloseTo(1.3, 14);
    const uniform = decodeHistogram([0, 0, 0, 0], { min: 0, max: 4 });
    expect(uniform[0]).toBeCloseTo(2, 15);
  });

  it('bad input throws SoftmaxKitError with the right code', () => {
    expect(errorCode(() => hlGaussTargets([Number.NaN], { min: 0, max: 1, bins: 3 }))).toBe(
      'INVALID_INPUT',
    );
    expect(errorCode(() => hlGaussTargets([0], { min: 1, max: 1, bins: 3 }))).toBe(
      'INVALID_PARAMETER',
    );
    expect(errorCode(() => hlGaussTargets([0], { min: 0, max: 1, bins: 2.5 }))).toBe(
      'INVALID_PARAMETER',
    );
    expect(errorCode(() => hlGaussTargets([0], { min: 0, max: 1, bins: 3, sigma: 0 }))).toBe(
      'INVALID_PARAMETER',
    );
    expect(errorCode(() => twoHotTargets([0], { min: 0, max: Infinity, bins: 3 }))).toBe(
      'NON_FINITE_PARAMETER',
    );
    expect(errorCode(() => hlGaussLoss(x, [1, 2], { ...support, shape: [n, bins] }))).toBe(
      'SHAPE_MISMATCH',
    );
    expect(errorCode(() => decodeHistogram(x, { ...support, shape: [n, bins], axis: 3 }))).toBe(
      'AXIS_OUT_OF_RANGE',
    );
  });
});
