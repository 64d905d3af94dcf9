import { describe, expect, it } from 'vitest';
import { brierScore } from '../../src/calibration/brier.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { D, dec } from '../helpers/reference.js';

describe('brierScore', () => {
  it('matches the definition in 60-digit arithmetic, ignoring ignored rows, any axis', () => {
    const p = [0.9, 0.1, 0, 0.2, 0.5, 0.3, 1 / 3, 1 / 3, 1 / 3];
    const labels = [0, 2, 1];
    let ref = new D(0);
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 3; c++)
        ref = ref.plus(
          dec(p[r * 3 + c]!)
            .minus(c === labels[r] ? 1 : 0)
            .pow(2),
        );
    expect(brierScore(p, labels, { shape: [3, 3] })).toBeCloseTo(ref.div(3).toNumber(), 15);
    expect(brierScore([...p, 0.5, 0.5, 0], [...labels, -100], { shape: [4, 3] })).toBe(
      brierScore(p, labels, { shape: [3, 3] }),
    );
    const t = [0.9, 0.2, 1 / 3, 0.1, 0.5, 1 / 3, 0, 0.3, 1 / 3];
    expect(brierScore(t, labels, { shape: [3, 3], axis: 0 })).toBe(
      brierScore(p, labels, { shape: [3, 3] }),
    );
    expect(brierScore([0.9, 0.1, 0.2, 0.8], [0, 0], { shape: [2, 2] })).toBeCloseTo(0.65, 15);
  });
  it('rejects probabilities outside [0, 1] and bad labels', () => {
    expect(() => brierScore([1.5, -0.5], [0])).toThrow(
      /brierScore: expected probabilities in \[0, 1\]/,
    );
    expect(() => brierScore([0.5, 0.5], [2])).toThrow(SoftmaxKitError);
    expect(() => brierScore([0.5, 0.5], [-100])).toThrow(/at least one row/);
  });
});
