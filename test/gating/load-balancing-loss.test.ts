import { describe, expect, it } from 'vitest';
import { loadBalancingLoss } from '../../src/gating/load-balancing-loss.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { rows, softmaxRow, topkIndices } from './reference.js';

/**
 * HF transformers' Mixtral `load_balancing_loss_func`, written out: one-hot of the
 * top-k as [tokens, k, experts], its (masked) mean over tokens, the (masked) mean
 * router probability, the sum of their product over k and experts, times E.
 */
function hfLoadBalancing(x: ArrayLike<number>, E: number, k: number, mask?: number[]): number {
  const probs = rows(x, E).map(softmaxRow);
  const m = mask ?? probs.map(() => 1);
  const N = m.reduce((a, b) => a + b, 0);
  const tokensPerExpert = Array.from({ length: k }, () => new Array<number>(E).fill(0));
  const probPerExpert = new Array<number>(E).fill(0);
  probs.forEach((p, t) => {
    topkIndices(p, k).forEach((e, j) => {
      tokensPerExpert[j]![e]! += m[t]! / N;
    });
    p.forEach((v, e) => {
      probPerExpert[e]! += (v * m[t]!) / N;
    });
  });
  let s = 0;
  for (let j = 0; j < k; j++)
    for (let e = 0; e < E; e++) s += tokensPerExpert[j]![e]! * probPerExpert[e]!;
  return s * E;
}

describe('loadBalancingLoss', () => {
  it('matches HF Mixtral on random logits, with and without a mask', () => {
    for (const [tokens, E, k] of [
      [7, 4, 2],
      [20, 8, 2],
      [5, 6, 1],
      [9, 16, 4],
    ] as const) {
      const x = randomArray(tokens * E, tokens + E, -3, 3);
      expect(loadBalancingLoss(x, { shape: [tokens, E], k }).loss).toBeCloseTo(
        hfLoadBalancing(x, E, k),
        13,
      );
      const mask = Array.from({ length: tokens }, (_, t) => (t % 3 === 1 ? 0 : 1));
      const r = loadBalancingLoss(x, { shape: [tokens, E], k, mask });
      expect(r.loss).toBeCloseTo(hfLoadBalancing(x, E, k, mask), 13);
    }
  });

  it('uniform routing gives k; ties go to the lower index', () => {
    // all ties: every token picks experts 0 and 1, f = [1, 1, 0, 0], P = ¼ → 4·2·¼ = 2
    expect(loadBalancingLoss(new Float64Array(8 * 4), { shape: [8, 4], k: 2 }).loss).toBeCloseTo(
      2,
      14,
    );
    // perfectly balanced hard routing with uniform probabilities: f = k/E, P = 1/E → k
    const x = [5, 0, 0, 0, 0, 5, 0, 0, 0, 0, 5, 0, 0, 0, 0, 5];
    const r = loadBalancingLoss(x, { shape: [4, 4], k: 1 });
    expect(r.loss).toBeCloseTo(1, 14);
  });

  it('gradient through P only, against central differences with the routing fixed', () => {
    const tokens = 6;
    const E = 5;
    const x = randomArray(tokens * E, 4, -2, 2);
    const mask = [1, 1, 0, 1, 1, 1];
    const r = loadBalancingLoss(x, { shape: [tokens, E], k: 2, mask });
    // f from the unperturbed routing; differentiate E·Σ f_e·P_e(x)
    const probs = rows(x, E).map(softmaxRow);
    const f = new Array<number>(E).fill(0);
    probs.forEach((p, t) => {
      for (const e of topkIndices(p, 2)) f[e]! += mask[t]! / 5;
    });
    const fd = fdVjp(
      (z) => {
        let s = 0;
        rows(z, E)
          .map(softmaxRow)
          .forEach((p, t) => {
            p.forEach((v, e) => {
              s += (E * f[e]! * v * mask[t]!) / 5;
            });
          });
        return [s];
      },
      x,
      [1],
    );
    expect(gradError(r.grad, fd)).toBeLessThan(1e-8);
    expect(Array.from(r.grad.subarray(2 * E, 3 * E))).toEqual(new Array(E).fill(0));
  });

  it('a fully masked token counts as padding; no token gives 0; Float32 grads', () => {
    const x = [1, 2, -Infinity, -Infinity, 0, 0];
    const a = loadBalancingLoss(x, { shape: [3, 2], k: 1 });
    const b = loadBalancingLoss([1, 2, 0, 0], { shape: [2, 2], k: 1 });
    expect(a.loss).toBeCloseTo(b.loss, 15);
    expect(loadBalancingLoss([1, 2], { shape: [1, 2], k: 1, mask: [0] })).toEqual({
      loss: 0,
      grad: new Float64Array(2),
    });
    expect(loadBalancingLoss(new Float32Array(4), { shape: [2, 2], k: 1 }).grad).toBeInstanceOf(
      Float32Array,
    );
  });

  it('rejects a bad mask or k', () => {
    expect(() => loadBalancingLoss([1, 2], { k: 3 })).toThrow(SoftmaxKitError);
    expect(() => loadBalancingLoss([1, 2], { k: 1, mask: [1, 1] })).toThrow(/one entry per token/);
    expect(() => loadBalancingLoss([1, 2], { k: 1, mask: [2] as never })).toThrow(SoftmaxKitError);
  });
});
