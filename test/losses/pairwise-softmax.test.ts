import { describe, expect, it } from 'vitest';
import { crossEntropy } from '../../src/losses/cross-entropy.js';
import { pairwiseSoftmaxLoss } from '../../src/losses/pairwise-softmax.js';
import { gradError, randomArray } from '../helpers/finite-difference.js';
import { D, type Dec } from '../helpers/reference.js';
import { classLossChecks, errorCode } from './class-loss-checks.js';
import type { RefValue } from './ref-row.js';

/** log Σ_j σ(s_j − s_t)^{1/τ} in 60 digits (the positive's own σ(0)^{1/τ} = 1 kept apart). */
function ref(row: readonly RefValue[], t: number, act: 'tanh' | 'atan' | 'relu', tau: number): Dec {
  let s = new D(0);
  row.forEach((v, j) => {
    if (j === t) return;
    const d = new D(v).minus(row[t]!);
    const sigma =
      act === 'tanh'
        ? D.tanh(d).plus(1)
        : act === 'atan'
          ? D.max(D.atan(d).plus(1), 0)
          : D.max(d.plus(1), 0);
    if (!sigma.isZero()) s = s.plus(D.exp(D.ln(sigma).div(tau)));
  });
  // ℓ = log(1 + s) over the negatives' terms s; its series when s is below 60 digits' reach
  return s.lt(1e-15) ? s.minus(s.pow(2).div(2)).plus(s.pow(3).div(3)) : D.ln(s.plus(1));
}

for (const act of ['tanh', 'atan', 'relu'] as const)
  describe(`pairwiseSoftmaxLoss: the shared loss checks (${act}, τ = 0.5)`, () => {
    classLossChecks({
      loss: pairwiseSoftmaxLoss,
      options: { activation: act, temperature: 0.5 },
      reference: (row, t) => ref(row, t, act, 0.5),
    });
  });

describe('pairwiseSoftmaxLoss: special cases', () => {
  it("'exp' is the softmax loss of s/τ", () => {
    const x = randomArray(12, 4);
    const a = pairwiseSoftmaxLoss(x, [0, 1, 2], {
      shape: [3, 4],
      activation: 'exp',
      temperature: 0.25,
    });
    const b = crossEntropy(
      x.map((v) => v / 0.25),
      [0, 1, 2],
      { shape: [3, 4] },
    );
    expect(Math.abs((a.loss as number) / (b.loss as number) - 1)).toBeLessThan(1e-14);
    expect(
      gradError(
        a.grad,
        b.grad.map((g) => g / 0.25),
      ),
    ).toBeLessThan(1e-14);
  });

  it("'relu' ignores negatives more than 1 below the positive", () => {
    const r = pairwiseSoftmaxLoss([1, -0.5, 0.5], [0], { activation: 'relu', temperature: 1 });
    expect(r.loss).toBeCloseTo(Math.log(1 + 0.5), 15); // σ(−1.5) = 0, σ(−0.5) = 0.5
    expect(r.grad[1]).toBe(0);
  });

  it("'atan' ignores negatives more than tan 1 below the positive", () => {
    const r = pairwiseSoftmaxLoss([1, -0.6, 0.5], [0], { activation: 'atan', temperature: 1 });
    // σ(−1.6) = 0 (1 + atan(−1.6) < 0), σ(−0.5) = 1 + atan(−0.5)
    expect(r.loss).toBeCloseTo(Math.log(2 + Math.atan(-0.5)), 15);
    expect(r.grad[1]).toBe(0);
  });

  it('a masked target is +∞ with gradient 0; bad options throw', () => {
    const r = pairwiseSoftmaxLoss([-Infinity, 1], [0]);
    expect(r.loss).toBe(Infinity);
    expect(Array.from(r.grad)).toEqual([0, 0]);
    expect(errorCode(() => pairwiseSoftmaxLoss([1, 2], [0], { temperature: 0 }))).toBe(
      'INVALID_PARAMETER',
    );
    const activation = 'sigmoid' as unknown as 'exp'; // a bad option at runtime
    expect(errorCode(() => pairwiseSoftmaxLoss([1, 2], [0], { activation }))).toBe(
      'INVALID_PARAMETER',
    );
  });
});
