import { describe, expect, it } from 'vitest';
import { crossEntropy } from '../../src/losses/cross-entropy.js';
import { focalLoss } from '../../src/losses/focal.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { D } from '../helpers/reference.js';
import { classLossChecks, errorCode } from './class-loss-checks.js';
import { refLogSoftmaxRow } from './ref-row.js';

const alpha = [0.25, 1, 0.5, 2, 0.75];

describe('focalLoss: the shared loss checks (γ = 2, α = 0.25)', () => {
  classLossChecks({
    loss: focalLoss,
    options: { gamma: 2, alpha: 0.25 },
    reference: (row, t) => {
      const lp = refLogSoftmaxRow(row)[t]!;
      return new D(1).minus(D.exp(lp)).pow(2).times(lp).times(-0.25);
    },
  });
});

describe('focalLoss: per-class α', () => {
  it('matches the 60-digit reference and finite differences', () => {
    const x = randomArray(15, 9, -3, 3);
    const t = [4, 0, 3];
    const r = focalLoss(x, t, { shape: [3, 5], alpha, gamma: 1.5, reduction: 'sum' });
    let ref = new D(0);
    for (let i = 0; i < 3; i++) {
      const lp = refLogSoftmaxRow(Array.from(x.subarray(i * 5, i * 5 + 5)))[t[i]!]!;
      ref = ref.minus(new D(1).minus(D.exp(lp)).pow(1.5).times(lp).times(alpha[t[i]!]!));
    }
    expect(Math.abs((r.loss as number) / ref.toNumber() - 1)).toBeLessThan(1e-14);
    const fd = fdVjp(
      (z) => [
        focalLoss(z, t, { shape: [3, 5], alpha, gamma: 1.5, reduction: 'sum' }).loss as number,
      ],
      x,
      [1],
    );
    expect(gradError(r.grad, fd)).toBeLessThan(1e-8);
  });
});

describe('focalLoss: closed forms and limits', () => {
  it('γ = 0 with α = 1 is cross-entropy', () => {
    const x = randomArray(12, 1);
    const t = [0, 3, 1];
    const a = focalLoss(x, t, { shape: [3, 4], gamma: 0 });
    const b = crossEntropy(x, t, { shape: [3, 4] });
    expect(Math.abs((a.loss as number) - (b.loss as number))).toBeLessThan(1e-15);
    expect(gradError(a.grad, b.grad)).toBeLessThan(1e-15);
  });

  it('two classes: −(1 − σ(d))^γ log σ(d)', () => {
    const { loss } = focalLoss([1, 0], [0], { gamma: 3 });
    const p = 1 / (1 + Math.exp(-1));
    expect(loss).toBeCloseTo(-((1 - p) ** 3) * Math.log(p), 15);
  });

  it('a confident row keeps relative accuracy (1 − p_t by Σ of the others)', () => {
    const { loss } = focalLoss([40, 0, 0], [0], { gamma: 2 });
    const u = 2 * Math.exp(-40); // 1 − p_t; −log p_t ≈ u
    expect((loss as number) / (u * u * u)).toBeCloseTo(1, 12);
  });

  it('γ < 1 at p_t → 1 and a masked target stay finite / +∞ without NaN', () => {
    const g = fdVjp(
      (z) => [focalLoss(z, [0], { gamma: 0.5 }).loss as number],
      Float64Array.of(3, 1, -2),
      [1],
    );
    expect(gradError(focalLoss([3, 1, -2], [0], { gamma: 0.5 }).grad, g)).toBeLessThan(1e-8);
    const m = focalLoss([-Infinity, 1, 2], [0], { gamma: 2 });
    expect(m.loss).toBe(Infinity);
    expect(Array.from(m.grad).every(Number.isFinite)).toBe(true);
  });

  it('rejects bad γ and α', () => {
    expect(errorCode(() => focalLoss([1, 2], [0], { gamma: -1 }))).toBe('INVALID_PARAMETER');
    expect(errorCode(() => focalLoss([1, 2], [0], { alpha: [1] }))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => focalLoss([1, 2], [0], { alpha: Number.NaN }))).toBe(
      'NON_FINITE_PARAMETER',
    );
  });
});
