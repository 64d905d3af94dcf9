import { describe, expect, it } from 'vitest';
import { aupr, auroc, fprAtTpr } from '../../src/calibration/ranking.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { randomArray } from '../helpers/finite-difference.js';

/** Scores on a coarse grid (many ties) and labels. */
function data(n: number, seed: number, levels = 7) {
  const s = Array.from(randomArray(n, seed, 0, levels), Math.floor);
  const y = Array.from(randomArray(n, seed + 1, 0, 1), (u, i) => (u < 0.3 + 0.08 * s[i]! ? 1 : 0));
  return { s, y };
}

/** O(n²) Mann–Whitney: P(s⁺ > s⁻) + ½ P(s⁺ = s⁻). */
function bruteAuroc(s: number[], y: number[]): number {
  let w = 0;
  let P = 0;
  let N = 0;
  for (let i = 0; i < s.length; i++) if (y[i]) P++;
  N = s.length - P;
  for (let i = 0; i < s.length; i++)
    for (let j = 0; j < s.length; j++)
      if (y[i] === 1 && y[j] === 0) w += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
  return w / P / N;
}

/** Straightforward AP: for each distinct threshold (descending) precision·Δrecall, by filtering. */
function sortAupr(s: number[], y: number[]): number {
  const P = y.reduce((a, b) => a + b, 0);
  const thresholds = [...new Set(s)].sort((a, b) => b - a);
  let ap = 0;
  let prevRecall = 0;
  for (const t of thresholds) {
    const sel = s.map((v, i) => (v >= t ? i : -1)).filter((i) => i >= 0);
    const tp = sel.filter((i) => y[i] === 1).length;
    const recall = tp / P;
    ap += (recall - prevRecall) * (tp / sel.length);
    prevRecall = recall;
  }
  return ap;
}

/** FPR at the first threshold (descending) with TPR ≥ tpr, by filtering. */
function bruteFpr(s: number[], y: number[], tpr: number): number {
  const P = y.reduce((a, b) => a + b, 0);
  const N = y.length - P;
  for (const t of [...new Set(s)].sort((a, b) => b - a)) {
    const tp = s.filter((v, i) => v >= t && y[i] === 1).length;
    if (tp / P >= tpr) return s.filter((v, i) => v >= t && y[i] === 0).length / N;
  }
  return 1;
}

describe('auroc, aupr, fprAtTpr against brute force on random data with ties', () => {
  for (const seed of [1, 2, 3, 4])
    it(`seed ${seed}`, () => {
      const { s, y } = data(300, seed * 17, seed === 4 ? 300 : 7);
      expect(auroc(s, y)).toBeCloseTo(bruteAuroc(s, y), 14);
      expect(aupr(s, y)).toBeCloseTo(sortAupr(s, y), 14);
      for (const t of [0.5, 0.9, 0.95, 1])
        expect(fprAtTpr(s, y, { tpr: t })).toBe(bruteFpr(s, y, t));
      // Float32 scores and Uint8Array / boolean labels agree
      expect(auroc(Float32Array.from(s), Uint8Array.from(y))).toBe(auroc(s, y));
      expect(
        aupr(
          s,
          y.map((v) => v === 1),
        ),
      ).toBe(aupr(s, y));
    });
  it('closed forms: perfect, reversed, all tied', () => {
    expect(auroc([1, 2, 3, 4], [0, 0, 1, 1])).toBe(1);
    expect(auroc([4, 3, 2, 1], [0, 0, 1, 1])).toBe(0);
    expect(auroc([5, 5, 5, 5], [0, 1, 0, 1])).toBe(0.5);
    expect(aupr([5, 5, 5, 5], [0, 1, 0, 1])).toBe(0.5); // one threshold: precision 1/2, recall 1
    expect(aupr([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(5 / 6, 15);
    expect(fprAtTpr([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.5);
    expect(auroc([-Infinity, Infinity, -0, 0], [0, 1, 1, 0])).toBe(0.875);
  });
  it('order does not matter (ties cross a threshold together)', () => {
    const { s, y } = data(200, 5);
    const perm = Array.from(randomArray(200, 6, 0, 1))
      .map((u, i) => [u, i] as const)
      .sort((a, b) => a[0] - b[0])
      .map(([, i]) => i);
    expect(
      auroc(
        perm.map((i) => s[i]!),
        perm.map((i) => y[i]!),
      ),
    ).toBe(auroc(s, y));
    expect(
      aupr(
        perm.map((i) => s[i]!),
        perm.map((i) => y[i]!),
      ),
    ).toBe(aupr(s, y));
  });
  it('undefined cases and bad input throw SoftmaxKitError', () => {
    expect(() => auroc([1, 2], [1, 1])).toThrow(
      /auroc: expected labels with at least one positive and one negative/,
    );
    expect(() => aupr([1, 2], [0, 0])).toThrow(/aupr: expected labels with at least one positive/);
    expect(aupr([1, 2], [1, 1])).toBe(1);
    expect(() => auroc([1, Number.NaN], [0, 1])).toThrow(/scores\[1\]/);
    expect(() => auroc([1, 2], [0, 2])).toThrow(/labels\[1\] to be 0 or 1/);
    expect(() => auroc([1, 2], [0])).toThrow(SoftmaxKitError);
    expect(() => fprAtTpr([1, 2], [0, 1], { tpr: 0 })).toThrow(/tpr/);
    expect(() => fprAtTpr([1, 2], [0, 1], { fpr: 0.1 } as never)).toThrow(/unknown option 'fpr'/);
    expect(() => auroc([1, 2], [0, 1], { tpr: 0.1 } as never)).toThrow(
      /auroc: unknown option 'tpr'/,
    );
    expect(() => aupr([1, 2], [0, 1], 5 as never)).toThrow(
      /aupr: expected options to be an object/,
    );
  });
});
