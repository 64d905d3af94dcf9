import { describe, expect, it } from 'vitest';
import { riskCoverage } from '../../src/calibration/risk-coverage.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { randomArray } from '../helpers/finite-difference.js';

describe('riskCoverage', () => {
  it('distinct confidences: a straightforward sort', () => {
    const c = Array.from(randomArray(100, 3, 0, 1));
    const ok = Array.from(randomArray(100, 4, 0, 1), (u, i) => (u < c[i]! ? 1 : 0));
    const order = c
      .map((v, i) => [v, i] as const)
      .sort((a, b) => b[0] - a[0])
      .map(([, i]) => i);
    const r = riskCoverage(c, ok);
    let errors = 0;
    let sum = 0;
    order.forEach((i, k) => {
      errors += 1 - ok[i]!;
      expect(r.risk[k]).toBeCloseTo(errors / (k + 1), 15);
      expect(r.coverage[k]).toBe((k + 1) / 100);
      sum += errors / (k + 1);
    });
    expect(r.aurc).toBeCloseTo(sum / 100, 14);
  });
  it('ties: the mean over every order of the tied rows', () => {
    // one tie group of 3 (two wrong) after a correct row: orders give risks at k = 2, 3
    const r = riskCoverage([0.9, 0.5, 0.5, 0.5], [1, 0, 1, 0]);
    // permutations of [0, 1, 0] (wrong = 1): E[errors in first 1 of group] = 2/3, first 2 = 4/3
    expect(Array.from(r.risk)).toEqual([0, 2 / 3 / 2, 4 / 3 / 3, 2 / 4]);
    expect(r.aurc).toBeCloseTo((0 + 1 / 3 + 4 / 9 + 1 / 2) / 4, 15);
  });
  it('the doc example and bad input', () => {
    const r = riskCoverage([0.9, 0.8, 0.7, 0.6], [1, 1, 0, 1]);
    expect(Array.from(r.risk)).toEqual([0, 0, 1 / 3, 1 / 4]);
    expect(() => riskCoverage([], [])).toThrow(SoftmaxKitError);
    expect(() => riskCoverage([1], [3])).toThrow(/riskCoverage: expected correct\[0\]/);
  });
});
