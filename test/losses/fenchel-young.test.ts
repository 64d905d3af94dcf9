import { describe, expect, it } from 'vitest';
import { entmaxLoss, sparsemaxLoss } from '../../src/losses/fenchel-young.js';
import { gradError, randomArray } from '../helpers/finite-difference.js';
import { D, type Dec } from '../helpers/reference.js';
import { classLossChecks, errorCode } from './class-loss-checks.js';
import type { RefValue } from './ref-row.js';

/** Sparsemax by sorting, in 60 digits (Martins & Astudillo, Algorithm 1). */
function refSparsemax(row: readonly RefValue[]): Dec[] {
  const z = row.map((v) => new D(v));
  const sorted = [...z].sort((a, b) => b.comparedTo(a));
  let cum = new D(0);
  let k = 0;
  let cumK = new D(0);
  sorted.forEach((v, i) => {
    cum = cum.plus(v);
    if (v.times(i + 1).gt(cum.minus(1))) {
      k = i + 1;
      cumK = cum;
    }
  });
  const tau = cumK.minus(1).div(k);
  return z.map((v) => D.max(v.minus(tau), 0));
}

/** ℓ = Σ ŷ_j (θ_j − θ_t) − (Σ ŷ² − 1)/2. */
function refSparsemaxLoss(row: readonly RefValue[], t: number): Dec {
  const y = refSparsemax(row);
  let inner = new D(0);
  let sq = new D(0);
  y.forEach((yj, j) => {
    inner = inner.plus(yj.times(new D(row[j]!).minus(row[t]!)));
    sq = sq.plus(yj.times(yj));
  });
  return inner.minus(sq.minus(1).div(2));
}

describe('sparsemaxLoss: the shared loss checks', () => {
  classLossChecks({
    loss: sparsemaxLoss,
    options: {},
    reference: refSparsemaxLoss,
    // just inside the margin of 1 (ŷ_t = 1 − δ/2): ℓ = δ²/4 from terms ~δ/2
    confidentRows: [
      [[1.25, 0.25 + 2 ** -30, -2, 0.125, -0.5], 0],
      [[1.3, 0.3 + 1e-7, -2, 0.1], 0],
      [[0.3 + 1e-5, -1, 1.3, 0.2], 2],
    ],
  });
});

/** Exact entmax-1.5 by sorting (Peters, Niculae & Martins 2019, Alg. 2), in 60 digits. */
function refEntmax15(row: readonly RefValue[]): Dec[] {
  const z = row.map((v) => new D(v).div(2));
  const sorted = [...z].sort((a, b) => b.comparedTo(a));
  let sum = new D(0);
  let sumSq = new D(0);
  let tau = new D(0);
  sorted.forEach((v, i) => {
    const k = i + 1;
    sum = sum.plus(v);
    sumSq = sumSq.plus(v.times(v));
    const mean = sum.div(k);
    const delta = new D(1).minus(sumSq.div(k).minus(mean.times(mean)).times(k)).div(k);
    if (delta.lt(0)) return;
    const tk = mean.minus(delta.sqrt());
    if (tk.lte(v)) tau = tk;
  });
  return z.map((v) => D.max(v.minus(tau), 0).pow(2));
}

describe('entmaxLoss: the shared loss checks (α = 1.5)', () => {
  classLossChecks({
    loss: entmaxLoss,
    options: { alpha: 1.5 },
    // just inside the margin of 2
    confidentRows: [
      [[2.5, 0.5 + 2 ** -30, -2, 0.125], 0],
      [[2.6, 0.6 + 1e-6, -1, 0.1], 0],
    ],
    reference: (row, t) => {
      const y = refEntmax15(row);
      let inner = new D(0);
      let pow = new D(0);
      y.forEach((yj, j) => {
        inner = inner.plus(yj.times(new D(row[j]!).minus(row[t]!)));
        pow = pow.plus(yj.pow(1.5));
      });
      return inner.minus(pow.minus(1).div(0.75));
    },
  });
});

describe('Fenchel–Young losses: closed forms', () => {
  it('the example: ŷ = [0.75, 0.25, 0] gives 0.0625 and grad ŷ − e_t', () => {
    const r = sparsemaxLoss([1.5, 1, -1], [0]);
    expect(r.loss).toBeCloseTo(0.0625, 15);
    expect(Array.from(r.grad)).toEqual([-0.25, 0.25, 0]);
  });

  it('loss 0 once the margin is met (ŷ = e_t)', () => {
    expect(sparsemaxLoss([5, 1, 0], [0]).loss).toBe(0);
    expect(entmaxLoss([5, 1, 0], [0], { alpha: 1.5 }).loss).toBe(0);
  });

  it('entmaxLoss at α = 2 equals sparsemaxLoss', () => {
    const x = randomArray(20, 4);
    const t = [1, 0, 4, 2];
    const a = entmaxLoss(x, t, { shape: [4, 5], alpha: 2 });
    const b = sparsemaxLoss(x, t, { shape: [4, 5] });
    expect(Math.abs((a.loss as number) - (b.loss as number))).toBeLessThan(1e-13);
    expect(gradError(a.grad, b.grad)).toBeLessThan(1e-13);
  });

  it('entmax-1.5 on two classes: closed form', () => {
    // For α = 1.5 and two logits (x, 0): ŷ_1 = ((x/2 + √(2 − x²/4))/2)²·… checked through Ω:
    // ℓ = ŷ_2·(0 − x) − (ŷ_1^1.5 + ŷ_2^1.5 − 1)/0.75, with ŷ from the exact 2-class 1.5-entmax:
    // (ŷ_1)^(1/2) − (ŷ_2)^(1/2) = x/2 and ŷ_1 + ŷ_2 = 1.
    const x = 0.8;
    const d = x / 2; // √y1 − √y2
    const s = Math.sqrt(2 - d * d); // √y1 + √y2
    const y1 = ((d + s) / 2) ** 2;
    const y2 = ((s - d) / 2) ** 2;
    const want = y2 * -x - (y1 ** 1.5 + y2 ** 1.5 - 1) / 0.75;
    const r = entmaxLoss([x, 0], [0], { alpha: 1.5 });
    expect(r.loss).toBeCloseTo(want, 12);
    expect(r.grad[0]).toBeCloseTo(y1 - 1, 12);
  });

  it('rejects α ≤ 1', () => {
    expect(errorCode(() => entmaxLoss([1, 2], [0], { alpha: 1 }))).toBe('INVALID_PARAMETER');
  });
});
