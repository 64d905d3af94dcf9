import { describe, expect, it } from 'vitest';
import { crossEntropy } from '../../src/losses/cross-entropy.js';
import { maxSupLoss } from '../../src/losses/max-sup.js';
import { gradError, randomArray } from '../helpers/finite-difference.js';
import { D } from '../helpers/reference.js';
import { classLossChecks, errorCode } from './class-loss-checks.js';
import { refLogSoftmaxRow } from './ref-row.js';

describe('maxSupLoss: the shared loss checks (α = 0.3)', () => {
  classLossChecks({
    loss: maxSupLoss,
    options: { alpha: 0.3 },
    reference: (row, t) => {
      const v = row.map((x) => new D(x));
      const mean = v.reduce((s, x) => s.plus(x), new D(0)).div(v.length);
      return refLogSoftmaxRow(row)
        [t]!.neg()
        .plus(
          D.max(...v)
            .minus(mean)
            .times(0.3),
        );
    },
  });
});

describe('maxSupLoss: against label smoothing', () => {
  it('α = 0 is cross-entropy', () => {
    const x = randomArray(12, 8);
    const a = maxSupLoss(x, [0, 1, 2], { shape: [3, 4], alpha: 0 });
    const b = crossEntropy(x, [0, 1, 2], { shape: [3, 4] });
    expect(Math.abs((a.loss as number) - (b.loss as number))).toBeLessThan(1e-15);
    expect(gradError(a.grad, b.grad)).toBeLessThan(1e-16);
  });

  it('α = 0 on a confident row (margin 40): every gradient entry is cross-entropy to 1e-15 relative', () => {
    // maxSup formed p_t − 1 by subtraction: 8% off at this margin
    const x = [0.5, -1, 40, 0, 1.5];
    const a = maxSupLoss(x, [2], { alpha: 0 });
    const b = crossEntropy(x, [2]);
    for (let j = 0; j < 5; j++)
      expect(Math.abs(a.grad[j]! - b.grad[j]!)).toBeLessThanOrEqual(1e-15 * Math.abs(b.grad[j]!));
  });

  it('when the target is the top logit, MaxSup = CE + α(z_t − mean z), the LS decomposition', () => {
    const x = [3, 1, -1, 0.5];
    const mean = (3 + 1 - 1 + 0.5) / 4;
    const ce = crossEntropy(x, [0]).loss as number;
    expect(maxSupLoss(x, [0], { alpha: 0.2 }).loss).toBeCloseTo(ce + 0.2 * (3 - mean), 15);
    // and it penalizes the top logit, not the target, when they differ
    const g = maxSupLoss(x, [1], { alpha: 0.2 }).grad;
    const gce = crossEntropy(x, [1]).grad;
    expect(g[0]! - gce[0]!).toBeCloseTo(0.2 - 0.05, 15);
    expect(g[1]! - gce[1]!).toBeCloseTo(-0.05, 15);
  });

  it('rejects α < 0', () => {
    expect(errorCode(() => maxSupLoss([1, 2], [0], { alpha: -0.1 }))).toBe('INVALID_PARAMETER');
  });
});
