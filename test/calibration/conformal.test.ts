import { describe, expect, it } from 'vitest';
import { conformalCalibrate, predictionSets } from '../../src/calibration/conformal.js';
import { uniform } from '../../src/random/noise.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { randomArray } from '../helpers/finite-difference.js';

const K = 6;

/** Rows of a model's probabilities and labels drawn from a sharper "true" distribution. */
function draw(rows: number, seed: number) {
  const z = randomArray(rows * K, seed, -2, 2);
  const u = randomArray(rows, seed + 1, 0, 1);
  const probs = new Float64Array(rows * K);
  const labels: number[] = [];
  for (let r = 0; r < rows; r++) {
    let s = 0;
    let sTrue = 0;
    for (let c = 0; c < K; c++) {
      s += probs[r * K + c] = Math.exp(z[r * K + c]!);
      sTrue += Math.exp(2 * z[r * K + c]!);
    }
    let acc = 0;
    let label = K - 1;
    for (let c = 0; c < K; c++) {
      probs[r * K + c]! /= s;
      acc += Math.exp(2 * z[r * K + c]!) / sTrue;
      if (label === K - 1 && u[r]! < acc) label = c;
    }
    labels.push(label);
  }
  return { probs, labels };
}

describe('conformal prediction sets: the finite-sample coverage guarantee', () => {
  const alpha = 0.1;
  const n = 99; // k = ⌈(n + 1)(1 − α)⌉ = 90: E[coverage] = 90/100 exactly for continuous scores
  const trials = 150;
  for (const method of ['lac', 'aps', 'raps'] as const)
    it(`${method}: mean held-out coverage over ${trials} splits ≥ 1 − α`, () => {
      let covered = 0;
      let total = 0;
      let size = 0;
      for (let t = 0; t < trials; t++) {
        const cal = draw(n, 1000 + 7 * t);
        const test = draw(100, 5000 + 7 * t);
        const q = conformalCalibrate(cal.probs, cal.labels, {
          shape: [n, K],
          alpha,
          method,
          lambda: 0.05,
          kReg: 2,
        });
        const { sets, sizes } = predictionSets(test.probs, q, { shape: [100, K] });
        test.labels.forEach((y, r) => {
          covered += sets[r * K + y]!;
          size += sizes[r]!;
          total++;
        });
      }
      const coverage = covered / total;
      // standard error of the mean coverage over the splits ≈ 0.004; allow 3 of them
      expect(coverage).toBeGreaterThanOrEqual(1 - alpha - 0.012);
      if (method === 'lac') expect(Math.abs(coverage - 90 / 100)).toBeLessThan(0.012);
      expect(size / total).toBeLessThan(K);
    });
  it('sets grow with the threshold; +∞ when (n + 1)(1 − α) > n', () => {
    const { probs, labels } = draw(5, 3);
    const q = conformalCalibrate(probs, labels, { shape: [5, K], alpha: 0.1 });
    expect(q.threshold).toBe(Infinity);
    expect(Array.from(predictionSets(probs, q, { shape: [5, K] }).sizes)).toEqual(
      new Array(5).fill(K),
    );
    let prev = -1;
    for (const t of [0, 0.3, 0.6, 0.9, 1]) {
      const s = predictionSets(probs, t, { shape: [5, K], method: 'aps' }).sizes.reduce(
        (a, b) => a + b,
        0,
      );
      expect(s).toBeGreaterThanOrEqual(prev);
      prev = s;
    }
  });
  it('LAC keeps p_c ≥ 1 − q̂; APS keeps the top classes until their mass reaches q̂', () => {
    const p = [0.5, 0.3, 0.15, 0.05];
    expect(Array.from(predictionSets(p, 0.75).sets)).toEqual([1, 1, 0, 0]);
    expect(Array.from(predictionSets(p, 0.8, { method: 'aps' }).sets)).toEqual([1, 1, 0, 0]);
    expect(Array.from(predictionSets(p, 0.96, { method: 'aps' }).sets)).toEqual([1, 1, 1, 0]);
    // raps: rank 3 costs λ·(3 − kReg) more
    expect(
      Array.from(predictionSets(p, 0.96, { method: 'raps', lambda: 0.1, kReg: 2 }).sets),
    ).toEqual([1, 1, 0, 0]);
  });
  it('APS and RAPS sets equal the definition taken class by class (rows with ties)', () => {
    const rows = 40;
    const raw = randomArray(rows * K, 77, 0, 4);
    const p = new Float64Array(rows * K);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let c = 0; c < K; c++) s += p[r * K + c] = Math.floor(raw[r * K + c]!) + 1; // ties
      for (let c = 0; c < K; c++) p[r * K + c]! /= s;
    }
    for (const [method, lambda, kReg] of [
      ['aps', 0, 0],
      ['raps', 0.07, 2],
    ] as const)
      for (const q of [0.3, 0.55, 0.8, 1.1]) {
        const got = predictionSets(p, q, { shape: [rows, K], method, lambda, kReg }).sets;
        for (let r = 0; r < rows; r++)
          for (let c = 0; c < K; c++) {
            const pc = p[r * K + c]!;
            let mass = 0;
            let rank = 0;
            for (let j = 0; j < K; j++)
              if (p[r * K + j]! >= pc) {
                mass += p[r * K + j]!;
                rank++;
              }
            const score = mass + (method === 'raps' ? lambda * Math.max(0, rank - kReg) : 0);
            // the definition's sum runs in index order, the function's in sorted order: skip razor-thin cases
            if (Math.abs(score - q) > 1e-12) expect(got[r * K + c]).toBe(score <= q ? 1 : 0);
          }
      }
  });
  it('errors name the function', () => {
    expect(() => conformalCalibrate([0.5, 0.5], [0], { alpha: 1 })).toThrow(
      /conformalCalibrate: expected alpha < 1/,
    );
    expect(() => conformalCalibrate([0.5, 0.5], [0], { method: 'tps' as never })).toThrow(/method/);
    const q = conformalCalibrate([0.5, 0.5], [0]);
    expect(() => predictionSets([0.5, 0.5], q, { method: 'aps' })).toThrow(
      /predictionSets: expected no 'method'/,
    );
    expect(() => predictionSets([0.5, 0.5], 'x' as never)).toThrow(SoftmaxKitError);
    expect(() => predictionSets([0.5, 0.5], Number.NaN)).toThrow(SoftmaxKitError);
  });
});

/**
 * A coarse model: every row is a permutation of the same six probabilities, so the
 * non-randomized scores take a handful of values (ties) and over-cover; the labels
 * follow the row's own probabilities (the model is calibrated).
 */
function drawCoarse(rows: number, seed: number) {
  const base = [0.4, 0.2, 0.2, 0.1, 0.05, 0.05];
  const keys = randomArray(rows * K, seed, 0, 1);
  const u = randomArray(rows, seed + 1, 0, 1);
  const probs = new Float64Array(rows * K);
  const labels: number[] = [];
  for (let r = 0; r < rows; r++) {
    const perm = base.map((_, c) => c).sort((a, b) => keys[r * K + a]! - keys[r * K + b]!);
    perm.forEach((c, i) => {
      probs[r * K + c] = base[i]!;
    });
    let acc = 0;
    let label = K - 1;
    for (let c = 0; c < K; c++) {
      acc += probs[r * K + c]!;
      if (u[r]! < acc) {
        label = c;
        break;
      }
    }
    labels.push(label);
  }
  return { probs, labels };
}

describe('randomized APS and RAPS (Romano et al. 2020): exact coverage in expectation', () => {
  const alpha = 0.1;
  const n = 99; // E[coverage] = ⌈(n + 1)(1 − α)⌉ / (n + 1) = 0.90 exactly for a continuous score
  const trials = 150;
  const run = (method: 'aps' | 'raps', randomized: boolean, data: typeof draw) => {
    let covered = 0;
    let total = 0;
    for (let t = 0; t < trials; t++) {
      const cal = data(n, 3000 + 11 * t);
      const test = data(100, 9000 + 11 * t);
      const q = conformalCalibrate(cal.probs, cal.labels, {
        shape: [n, K],
        alpha,
        method,
        randomized,
        seed: t,
        lambda: 0.05,
        kReg: 2,
      });
      const { sets } = predictionSets(test.probs, q, { shape: [100, K], seed: t });
      test.labels.forEach((y, r) => {
        covered += sets[r * K + y]!;
        total++;
      });
    }
    return covered / total;
  };
  // standard error of the mean coverage over the splits ≈ 0.004: allow 3 of them
  for (const method of ['aps', 'raps'] as const)
    it(`${method}: mean held-out coverage over ${trials} splits within 0.012 of 0.90, ties or not`, () => {
      expect(Math.abs(run(method, true, draw) - 0.9)).toBeLessThan(0.012);
      expect(Math.abs(run(method, true, drawCoarse) - 0.9)).toBeLessThan(0.012);
      // the non-randomized score over-covers on the coarse model (its scores tie)
      expect(run(method, false, drawCoarse)).toBeGreaterThan(0.92);
    });

  it('the sets are the definition: mass of the higher-ranked classes + U·p_c ≤ q̂, U from the seed', () => {
    const rows = 30;
    const { probs } = draw(rows, 4);
    probs.set([0.25, 0.25, 0.25, 0.25, 0, 0], 0); // ties: ranked by lower index
    const seed = 12;
    const u = uniform(seed, 0, new Float64Array(2 * rows)); // prediction row r takes element 2r + 1
    for (const q of [0.2, 0.5, 0.9]) {
      const { sets, sizes } = predictionSets(probs, q, {
        shape: [rows, K],
        method: 'aps',
        randomized: true,
        seed,
      });
      for (let r = 0; r < rows; r++) {
        const row = Array.from(probs.subarray(r * K, r * K + K));
        const order = row.map((_, c) => c).sort((a, b) => row[b]! - row[a]! || a - b);
        let mass = 0;
        let size = 0;
        for (const c of order) {
          const score = mass + u[2 * r + 1]! * row[c]!;
          mass += row[c]!;
          if (Math.abs(score - q) < 1e-12) continue;
          expect(sets[r * K + c]).toBe(score <= q ? 1 : 0);
          size += score <= q ? 1 : 0;
        }
        expect(sizes[r]).toBe(size);
      }
    }
  });

  it('reproducible from the seed; the calibration carries randomized; LAC cannot be randomized', () => {
    const { probs, labels } = draw(50, 8);
    const o = { shape: [50, K], method: 'aps', randomized: true, seed: 3 } as const;
    const a = conformalCalibrate(probs, labels, o);
    expect(conformalCalibrate(probs, labels, o).threshold).toBe(a.threshold);
    expect(a.randomized).toBe(true);
    const s1 = predictionSets(probs, a, { shape: [50, K], seed: 4 }).sets;
    expect(Array.from(predictionSets(probs, a, { shape: [50, K], seed: 4 }).sets)).toEqual(
      Array.from(s1),
    );
    expect(() => predictionSets(probs, a, { shape: [50, K], randomized: false })).toThrow(
      /predictionSets: expected no 'randomized'/,
    );
    expect(() => conformalCalibrate(probs, labels, { shape: [50, K], randomized: true })).toThrow(
      /conformalCalibrate: expected method 'aps' or 'raps' with randomized: true, got 'lac'/,
    );
    expect(() => predictionSets(probs, 0.5, { shape: [50, K], seed: -1 })).toThrow(SoftmaxKitError);
  });
});
