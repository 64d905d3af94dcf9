import { describe, expect, it } from 'vitest';
import { crossEntropy } from '../../src/losses/cross-entropy.js';
import { polyLoss } from '../../src/losses/poly.js';
import { gradError, randomArray } from '../helpers/finite-difference.js';
import { D } from '../helpers/reference.js';
import { classLossChecks, errorCode } from './class-loss-checks.js';
import { refLogSoftmaxRow } from './ref-row.js';

describe('polyLoss: the shared loss checks (ε = 2)', () => {
  classLossChecks({
    loss: polyLoss,
    options: { epsilon: 2 },
    reference: (row, t) => {
      const lp = refLogSoftmaxRow(row)[t]!;
      return lp.neg().plus(new D(1).minus(D.exp(lp)).times(2));
    },
  });
});

describe('polyLoss: closed forms', () => {
  it('ε = 0 is cross-entropy', () => {
    const x = randomArray(12, 3);
    const a = polyLoss(x, [0, 1, 2], { shape: [3, 4], epsilon: 0 });
    const b = crossEntropy(x, [0, 1, 2], { shape: [3, 4] });
    expect(Math.abs((a.loss as number) - (b.loss as number))).toBeLessThan(1e-15);
    expect(gradError(a.grad, b.grad)).toBeLessThan(1e-16);
  });

  it('uniform logits: log C + ε(1 − 1/C)', () => {
    expect(polyLoss([0, 0, 0, 0], [1], { epsilon: 1 }).loss).toBeCloseTo(Math.log(4) + 0.75, 15);
  });

  it('rejects ε < −1', () => {
    expect(errorCode(() => polyLoss([1, 2], [0], { epsilon: -2 }))).toBe('INVALID_PARAMETER');
  });
});
