import { describe, expect, it } from 'vitest';
import { crossEntropy } from '../../src/losses/cross-entropy.js';
import { generalizedCrossEntropy } from '../../src/losses/generalized-cross-entropy.js';
import { randomArray } from '../helpers/finite-difference.js';
import { D } from '../helpers/reference.js';
import { classLossChecks, errorCode } from './class-loss-checks.js';
import { refLogSoftmaxRow } from './ref-row.js';

describe('generalizedCrossEntropy: the shared loss checks (q = 0.7)', () => {
  classLossChecks({
    loss: generalizedCrossEntropy,
    options: { q: 0.7 },
    reference: (row, t) => new D(1).minus(D.exp(refLogSoftmaxRow(row)[t]!.times(0.7))).div(0.7),
  });
});

describe('generalizedCrossEntropy: limits', () => {
  it('q = 1 is 1 − p_t (MAE); q → 0 tends to cross-entropy', () => {
    const x = [2, 0.5, -1];
    const p0 = Math.exp(2) / (Math.exp(2) + Math.exp(0.5) + Math.exp(-1));
    expect(generalizedCrossEntropy(x, [0], { q: 1 }).loss).toBeCloseTo(1 - p0, 15);
    const ce = crossEntropy(x, [1]).loss as number;
    expect(generalizedCrossEntropy(x, [1], { q: 1e-9 }).loss).toBeCloseTo(ce, 7);
  });

  it('keeps relative accuracy when p_t → 1', () => {
    const { loss } = generalizedCrossEntropy([50, 0], [0], { q: 0.5 });
    expect((loss as number) / Math.exp(-50)).toBeCloseTo(1, 12); // (1 − p^q)/q ≈ −log p
  });

  it('a masked target gives 1/q with gradient 0', () => {
    const r = generalizedCrossEntropy([-Infinity, 1, 2], [0], { q: 0.5 });
    expect(r.loss).toBe(2);
    expect(Array.from(r.grad)).toEqual([0, 0, 0]);
  });

  it('rejects q outside (0, 1]', () => {
    const x = randomArray(3, 1);
    expect(errorCode(() => generalizedCrossEntropy(x, [0], { q: 0 }))).toBe('INVALID_PARAMETER');
    expect(errorCode(() => generalizedCrossEntropy(x, [0], { q: 1.5 }))).toBe('INVALID_PARAMETER');
    expect(errorCode(() => generalizedCrossEntropy(x, [0], { q: Infinity }))).toBe(
      'NON_FINITE_PARAMETER',
    );
  });
});
