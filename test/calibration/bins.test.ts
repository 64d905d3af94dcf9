import { describe, expect, it } from 'vitest';
import { binError, binTable, pairs, uniformBin } from '../../src/calibration/bins.js';

describe('uniform bins (k/B, (k+1)/B]', () => {
  it('0 in the first bin, 1 in the last, boundaries close their bin', () => {
    for (const B of [1, 3, 10, 15]) {
      expect(uniformBin(0, B)).toBe(0);
      expect(uniformBin(1, B)).toBe(B - 1);
      for (let k = 1; k < B; k++) {
        expect(uniformBin(k / B, B)).toBe(k - 1);
        expect(uniformBin(k / B + 2 ** -52, B)).toBe(k);
      }
    }
  });
});

describe('quantile bins', () => {
  it('equal counts, in confidence order, with weights = repetition', () => {
    const conf = Float64Array.from([0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.6]);
    const hit = Uint8Array.from([1, 0, 1, 0, 1, 1, 0]);
    const t = binTable(pairs(conf, hit), 3, 'quantile');
    expect(t.map((b) => b.count)).toEqual([2, 2, 3]);
    expect(t.map((b) => [b.lower, b.upper])).toEqual([
      [0.1, 0.2],
      [0.3, 0.5],
      [0.6, 0.9],
    ]);
    expect(t[2]!.accuracy).toBeCloseTo(2 / 3, 15);
    // weights: the same as repeating rows
    const w = Int32Array.from([2, 0, 1, 1, 0, 3, 1]);
    const rep: number[] = [];
    w.forEach((k, i) => {
      for (let j = 0; j < k; j++) rep.push(i);
    });
    const expanded = binTable(
      pairs(
        Float64Array.from(rep, (i) => conf[i]!),
        Uint8Array.from(rep, (i) => hit[i]!),
      ),
      3,
      'quantile',
    );
    expect(binTable(pairs(conf, hit), 3, 'quantile', w)).toEqual(expanded);
  });
  it('more bins than rows leave empty bins (count 0, no NaN)', () => {
    const t = binTable(
      pairs(Float64Array.from([0.4, 0.8]), Uint8Array.from([1, 0])),
      5,
      'quantile',
    );
    expect(t.filter((b) => b.count > 0).length).toBe(2);
    expect(t.every((b) => Number.isFinite(b.confidence) && Number.isFinite(b.accuracy))).toBe(true);
  });
});

describe('binError', () => {
  const bins = [
    { lower: 0, upper: 0.5, count: 3, confidence: 0.4, accuracy: 1 / 3 },
    { lower: 0.5, upper: 1, count: 1, confidence: 0.9, accuracy: 0 },
    { lower: 0.5, upper: 1, count: 0, confidence: 0, accuracy: 0 },
  ];
  it('l1, l2, max and the debiased l2 by hand', () => {
    const g0 = 0.4 - 1 / 3;
    expect(binError(bins, 'l1', false)).toBeCloseTo(0.75 * g0 + 0.25 * 0.9, 15);
    expect(binError(bins, 'l2', false)).toBeCloseTo(Math.sqrt(0.75 * g0 * g0 + 0.25 * 0.81), 15);
    expect(binError(bins, 'max', false)).toBe(0.9);
    const deb = 0.75 * (g0 * g0 - ((1 / 3) * (2 / 3)) / 2) + 0.25 * 0.81;
    expect(binError(bins, 'l2', true)).toBeCloseTo(Math.sqrt(deb), 15);
  });
});
