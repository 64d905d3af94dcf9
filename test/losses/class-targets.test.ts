/**
 * The class-target layer of the losses: targets and class weights read and
 * checked, the row driver (ignored and fully masked rows, the 'mean' over the
 * rest), the softmax row losses, and targetProbabilityLoss against cross-entropy's
 * 60-digit reference (ℓ = −log p_t, F = 1 gives the gradient p − e_t).
 */
import { describe, expect, it } from 'vitest';
import {
  classRowLoss,
  classTargets,
  classWeights,
  resolveClassLoss,
  softmaxClassLoss,
  targetProbabilityLoss,
  targetTotals,
} from '../../src/losses/class-targets.js';
import { CLASS_LOSS_RULES } from '../../src/losses/loss-options.js';
import { refLogSoftmax, refSoftmax, relError } from '../helpers/reference.js';
import { errorCode } from './class-loss-checks.js';

const resolve = (logits: number[], targets: number[], options: object) =>
  resolveClassLoss('f', logits, targets, options, CLASS_LOSS_RULES);

describe('classTargets and classWeights', () => {
  it('mark ignored rows −1 and keep targets in [0, classes)', () => {
    expect(Array.from(classTargets('f', [2, -100, 0], 3, 3, -100))).toEqual([2, -1, 0]);
    expect(Array.from(classTargets('f', Int32Array.of(4), 1, 3, 4))).toEqual([-1]);
  });
  it('throw with the code of what is wrong', () => {
    expect(errorCode(() => classTargets('f', 'no', 1, 3, -100))).toBe('INVALID_INPUT');
    expect(errorCode(() => classTargets('f', [0], 2, 3, -100))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => classTargets('f', [3], 1, 3, -100))).toBe('TARGET_OUT_OF_RANGE');
    expect(() => classTargets('f', [1.5], 1, 3, -100)).toThrow(/f: expected targets\[0\]/);
    expect(errorCode(() => classWeights('f', 'w', [1, 2], 3))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => classWeights('f', 'w', [1, Infinity, 2], 3))).toBe(
      'NON_FINITE_PARAMETER',
    );
    expect(classWeights('f', 'w', new Float32Array([1, 2]), 2)).toBeInstanceOf(Float64Array);
    expect(classWeights('f', 'w', undefined, 2)).toBeUndefined();
  });
  it('targetTotals counts the non-ignored rows and sums their weights', () => {
    const t = Int32Array.of(1, -1, 0, 1);
    expect(targetTotals(t, undefined)).toEqual({ count: 3, weight: 3 });
    expect(targetTotals(t, Float64Array.of(0.5, 2))).toEqual({ count: 3, weight: 4.5 });
  });
});

describe('resolveClassLoss', () => {
  it('resolves options, layout and targets in one call', () => {
    const { p, o, t } = resolve([1, 2, 3, 4, 5, 6], [0, -100], { shape: [2, 3] });
    expect(p.rows).toBe(2);
    expect(p.layout.n).toBe(3);
    expect(o.reduction).toBe('mean');
    expect(Array.from(t)).toEqual([0, -1]);
  });
  it('names the nearest option and checks targets against the class axis', () => {
    expect(() => resolve([1, 2], [0], { reductio: 'sum' })).toThrow(/reduction/);
    expect(errorCode(() => resolve([1, 2, 3, 4], [0, 2], { shape: [2, 2] }))).toBe(
      'TARGET_OUT_OF_RANGE',
    );
  });
});

describe('classRowLoss', () => {
  // ℓ = x_t with gradient e_t: the driver's reduction is then easy to state exactly.
  const pick = (x: ArrayLike<number>, o: number, n: number, t: number, g: Float64Array) => {
    g.fill(0, 0, n);
    g[t] = 1;
    return x[o + t]!;
  };
  it('means over non-ignored rows, zero loss and gradient for ignored and masked rows', () => {
    const x = [1, 2, 3, -Infinity, -Infinity, -Infinity, 5, 7, 11, 13, 17, 19];
    const { p, t } = resolve(x, [2, 0, 1, -100], { shape: [4, 3] });
    const r = classRowLoss(p, t, pick);
    expect(r.loss).toBeCloseTo((3 + 0 + 7) / 3, 15); // the masked row counts in the mean with loss 0
    expect(Array.from(r.grad)).toEqual([0, 0, 1 / 3, 0, 0, 0, 0, 1 / 3, 0, 0, 0, 0]);
  });
  it("'sum' and 'none' keep the per-row losses", () => {
    const { p, t } = resolve([1, 2, 3, 4], [1, 0], { shape: [2, 2], reduction: 'none' });
    expect(Array.from(classRowLoss(p, t, pick).loss as Float64Array)).toEqual([2, 3]);
    const s = resolve([1, 2, 3, 4], [1, 0], { shape: [2, 2], reduction: 'sum' });
    expect(classRowLoss(s.p, s.t, pick).loss).toBe(5);
  });
  it("an all-ignored 'mean' is 0, or NaN with allIgnored: 'nan'", () => {
    const a = resolve([1, 2], [-100], {});
    expect(classRowLoss(a.p, a.t, pick).loss).toBe(0);
    const b = resolve([1, 2], [-100], { allIgnored: 'nan' });
    expect(classRowLoss(b.p, b.t, pick).loss).toBeNaN();
  });
});

describe('softmaxClassLoss and targetProbabilityLoss', () => {
  const x = [0.5, -1.25, 2, 0.75, 3, 3, -2, 0.125];
  const targets = [2, 1];
  it('give the row loss the softmax of its row', () => {
    const { p, t } = resolve(x, targets, { shape: [2, 4] });
    const seen: number[][] = [];
    softmaxClassLoss(p, t, (_x, _o, _n, _t, g, sm) => {
      seen.push(Array.from(sm.p));
      g.fill(0);
      return 0;
    });
    for (let r = 0; r < 2; r++) {
      const ref = refSoftmax(x.slice(4 * r, 4 * r + 4));
      for (let j = 0; j < 4; j++) expect(relError(seen[r]![j]!, ref[j]!)).toBeLessThan(5e-16);
    }
  });
  it('φ(p_t) = −log p_t, F = 1 is cross-entropy: loss and gradient p − e_t', () => {
    const { p, t } = resolve(x, targets, { shape: [2, 4], reduction: 'sum' });
    const r = targetProbabilityLoss(p, t, { loss: (q) => -q.logP, factor: () => 1 });
    const lp = [0, 1].map((i) => refLogSoftmax(x.slice(4 * i, 4 * i + 4))[targets[i]!]!);
    expect(relError(r.loss as number, lp[0]!.plus(lp[1]!).neg())).toBeLessThan(1e-15);
    for (let i = 0; i < 2; i++) {
      const ref = refSoftmax(x.slice(4 * i, 4 * i + 4));
      for (let j = 0; j < 4; j++) {
        const exact = j === targets[i] ? ref[j]!.minus(1) : ref[j]!;
        expect(relError(r.grad[4 * i + j]!, exact)).toBeLessThan(1e-15);
      }
    }
  });
  it('hands the term p_t, log p_t and 1 − p_t without cancellation', () => {
    const { p, t } = resolve([40, 0, 0], [0], {});
    const got: number[] = [];
    targetProbabilityLoss(p, t, {
      loss: (q) => {
        got.push(q.t, q.p, q.logP, q.rest);
        return 0;
      },
      factor: () => 1,
    });
    const ref = refSoftmax([40, 0, 0]);
    expect(got[0]).toBe(0);
    expect(relError(got[3]!, ref[1]!.plus(ref[2]!))).toBeLessThan(1e-15); // 8.5e−18, not 0
    expect(relError(got[2]!, refLogSoftmax([40, 0, 0])[0]!)).toBeLessThan(1e-15);
  });
  it('the target gradient is +0 (not −0) when p_t = 1', () => {
    const { p, t } = resolve([0, -Infinity], [0], {});
    const r = targetProbabilityLoss(p, t, { loss: (q) => -q.logP, factor: () => 1 });
    expect(Object.is(r.grad[0], 0)).toBe(true);
    expect(r.loss).toBe(0);
  });
});
