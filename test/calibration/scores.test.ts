import { describe, expect, it } from 'vitest';
import { entropy } from '../../src/calibration/entropy.js';
import {
  energyScore,
  margin,
  maxLogit,
  maxSoftmaxProbability,
} from '../../src/calibration/scores.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { randomArray } from '../helpers/finite-difference.js';
import { D, type Dec, refLogSumExp, refSoftmax, relError } from '../helpers/reference.js';

/** Reference scores of one row in 60-digit arithmetic. */
function refScores(row: number[], T = 1) {
  const p = refSoftmax(row, T);
  const sorted = [...p].sort((a, b) => b.cmp(a));
  return {
    msp: sorted[0]!,
    margin: sorted[0]!.minus(sorted[1] ?? new D(0)),
    energy: refLogSumExp(row, T).times(T).neg(),
  };
}

const ROWS: number[][] = [
  [2, 1, 0],
  [0.3, 0.3 + 1e-12, -5, 40],
  [1e6, 1e6 - 1, 1e6 - 50],
  [-1e8, -1e8 + 0.5],
  [7],
  [3, -Infinity, 2.5, -Infinity],
];

describe('scores against 60-digit references', () => {
  for (const T of [1, 0.5, 3])
    it(`MSP, margin and energy at T = ${T}`, () => {
      for (const row of ROWS) {
        const ref = refScores(row, T);
        const check = (got: number, want: Dec) => expect(relError(got, want)).toBeLessThan(1e-14);
        check(maxSoftmaxProbability(row, { temperature: T })[0]!, ref.msp);
        check(energyScore(row, { temperature: T })[0]!, ref.energy);
        const g = margin(row, { temperature: T })[0]!;
        // a near-tie's margin is tiny; expm1 keeps its relative accuracy up to the rounding of x
        if (ref.margin.gt(1e-6)) check(g, ref.margin);
        else expect(Math.abs(g - ref.margin.toNumber())).toBeLessThan(1e-15);
        expect(maxLogit(row)[0]).toBe(Math.max(...row));
      }
    });
  it('a random batch, rows along axis 0 equal the transposed rows along axis 1', () => {
    const x = randomArray(5 * 7, 11, -6, 6);
    const t = new Float64Array(35);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 7; j++) t[j * 5 + i] = x[i * 7 + j]!;
    for (const f of [maxSoftmaxProbability, margin, energyScore, maxLogit]) {
      const a = f(x, { shape: [5, 7] });
      const b = f(t, { shape: [7, 5], axis: 0 });
      expect(Array.from(b)).toEqual(Array.from(a));
      for (let r = 0; r < 5; r++) {
        const row = Array.from(x.subarray(r * 7, r * 7 + 7));
        if (f === maxLogit) continue;
        const ref = refScores(row);
        const want = f === maxSoftmaxProbability ? ref.msp : f === margin ? ref.margin : ref.energy;
        expect(relError(a[r]!, want)).toBeLessThan(1e-14);
      }
    }
  });
});

describe('scores: the non-finite policy', () => {
  const x = [
    1,
    2,
    -Infinity,
    -Infinity,
    -Infinity,
    -Infinity,
    Number.NaN,
    0,
    5,
    Infinity,
    Infinity,
    0,
  ];
  const shape = [4, 3];
  it('masked rows are finite limits, NaN stays in its row, +∞ shares the mass', () => {
    const msp = maxSoftmaxProbability(x, { shape });
    expect(msp[1]).toBe(0);
    expect(Number.isNaN(msp[2]!)).toBe(true);
    expect(msp[3]).toBe(0.5);
    const mg = margin(x, { shape });
    expect([mg[1], mg[3]]).toEqual([0, 0]);
    expect(margin([Infinity, 1, 2])[0]).toBe(1);
    expect(Array.from(maxLogit(x, { shape }))).toEqual([2, -Infinity, Number.NaN, Infinity]);
    const e = energyScore(x, { shape });
    expect([e[1], e[3]]).toEqual([Infinity, -Infinity]);
    // a masked entry is the row without it
    expect(maxSoftmaxProbability([1, -Infinity, 2])[0]).toBe(maxSoftmaxProbability([1, 2])[0]);
  });
  it('a tie gives margin +0, a single class margin 1', () => {
    expect(Object.is(margin([3, 3, 1])[0], 0)).toBe(true);
    expect(margin([-4])[0]).toBe(1);
  });
  it('huge magnitudes do not overflow', () => {
    expect(maxSoftmaxProbability([1e308, -1e308])[0]).toBe(1);
    expect(energyScore([1e308, 1e308])[0]).toBeCloseTo(-1e308, -295);
    expect(maxSoftmaxProbability(new Float32Array([3e38, 3e38]))[0]).toBe(0.5);
  });
});

describe('scores: types and options', () => {
  it('keep the element type, drop the axis, write into out', () => {
    const y: Float32Array = maxSoftmaxProbability(new Float32Array([1, 2, 3, 4]), {
      shape: [2, 2],
    });
    expect(y).toBeInstanceOf(Float32Array);
    expect(y.length).toBe(2);
    expect(Math.abs(y[0]! - 1 / (1 + Math.exp(-1)))).toBeLessThan(6e-8);
    const out = new Float64Array(2);
    expect(energyScore([0, 0, 0, 0], { shape: [2, 2], out })).toBe(out);
    expect(out[0]).toBeCloseTo(-Math.LN2, 15);
  });
  it('reject bad options with SoftmaxKitError naming the function', () => {
    expect(() => margin([1, 2], { temprature: 2 } as never)).toThrow(
      /margin: unknown option 'temprature'.*temperature/,
    );
    expect(() => energyScore([1], { temperature: 0 })).toThrow(SoftmaxKitError);
    expect(() => maxLogit([1], { temperature: 2 } as never)).toThrow(/maxLogit: unknown option/);
    expect(() => maxSoftmaxProbability([], {})).toThrow(/EMPTY|non-empty/);
    expect(() => maxSoftmaxProbability('x' as never)).toThrow(SoftmaxKitError);
  });
});

describe('scores: a temperature so small that 1/T overflows (the fuzzer found NaN)', () => {
  it('gives the T → 0 limit: the maxima share the mass; energy → −max', () => {
    for (const T of [5e-324, 1e-310]) {
      expect(Array.from(maxSoftmaxProbability([1, 2, 3], { temperature: T }))).toEqual([1]);
      expect(Array.from(maxSoftmaxProbability([3, 1, 3], { temperature: T }))).toEqual([0.5]);
      expect(Array.from(energyScore([1, 2, 3], { temperature: T }))).toEqual([-3]);
      expect(Array.from(entropy([1, 2, 3], { temperature: T }))).toEqual([0]);
      expect(entropy([3, 1, 3], { temperature: T })[0]).toBeCloseTo(Math.LN2, 15);
    }
  });
});
