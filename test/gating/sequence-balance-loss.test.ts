import { describe, expect, it } from 'vitest';
import { sequenceBalanceLoss } from '../../src/gating/sequence-balance-loss.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { deepseekRouter, rows, sigmoidRow } from './reference.js';

/** DeepSeek-V3 eqs. 17–20 for one sequence, with the routing of the DeepSeek-V3 reference router. */
function refSequenceLoss(
  x: number[][],
  k: number,
  alpha: number,
  bias: number[],
  groups: [number, number],
): number {
  const E = bias.length;
  const T = x.length;
  const { indices } = deepseekRouter(x, k, bias, groups[0], groups[1], 1);
  const f = new Array<number>(E).fill(0);
  for (const idx of indices) for (const e of idx) f[e]! += E / (k * T);
  const P = new Array<number>(E).fill(0);
  for (const row of x) {
    const s = sigmoidRow(row);
    const S = s.reduce((a, b) => a + b, 0);
    s.forEach((v, e) => {
      P[e]! += v / S / T;
    });
  }
  return alpha * f.reduce((a, fe, e) => a + fe * P[e]!, 0);
}

describe('sequenceBalanceLoss (DeepSeek-V3)', () => {
  const bias = [0.1, -0.2, 0, 0.3, 0, 0, -0.1, 0.05];
  it('matches eqs. 17–20 per sequence, averaged over a batch of sequences', () => {
    const [B, T, E] = [3, 5, 8];
    const x = randomArray(B * T * E, 21, -3, 3);
    const opts = { shape: [B, T, E], k: 3, alpha: 0.01, bias, groups: { count: 4, top: 2 } };
    const r = sequenceBalanceLoss(x, opts);
    let ref = 0;
    for (let b = 0; b < B; b++)
      ref +=
        refSequenceLoss(rows(x.subarray(b * T * E, (b + 1) * T * E), E), 3, 0.01, bias, [4, 2]) / B;
    expect(r.loss).toBeCloseTo(ref, 15);
    expect(Math.abs(r.loss / ref - 1)).toBeLessThan(1e-13);
  });

  it('balanced routing gives α; the default α is DeepSeek-V3’s 0.0001', () => {
    // 4 tokens, 4 experts, k = 1: each expert chosen once, equal affinities per token row sum
    const x = [3, 0, 0, 0, 0, 3, 0, 0, 0, 0, 3, 0, 0, 0, 0, 3];
    expect(sequenceBalanceLoss(x, { shape: [4, 4], k: 1, alpha: 1 }).loss).toBeCloseTo(1, 14);
    expect(sequenceBalanceLoss(x, { shape: [4, 4], k: 1 }).loss).toBeCloseTo(1e-4, 18);
  });

  it('gradient through P only, against central differences with the routing fixed', () => {
    const [B, T, E] = [2, 4, 8];
    const x = randomArray(B * T * E, 5, -2, 2);
    const opts = { shape: [B, T, E], k: 2, alpha: 0.3, bias };
    const r = sequenceBalanceLoss(x, opts);
    const f: number[][] = [];
    for (let b = 0; b < B; b++) {
      const { indices } = deepseekRouter(
        rows(x.subarray(b * T * E, (b + 1) * T * E), E),
        2,
        bias,
        1,
        1,
        1,
      );
      const fb = new Array<number>(E).fill(0);
      for (const idx of indices) for (const e of idx) fb[e]! += E / (2 * T);
      f.push(fb);
    }
    const fd = fdVjp(
      (z) => {
        let s = 0;
        rows(z, E).forEach((row, t) => {
          const sg = sigmoidRow(row);
          const S = sg.reduce((a, v) => a + v, 0);
          const fb = f[Math.floor(t / T)]!;
          sg.forEach((v, e) => {
            s += (0.3 * fb[e]! * v) / S / T / B;
          });
        });
        return [s];
      },
      x,
      [1],
    );
    expect(gradError(r.grad, fd)).toBeLessThan(1e-8);
  });

  it('a token of all −∞ adds nothing and gets gradient 0', () => {
    const r = sequenceBalanceLoss([-Infinity, -Infinity, 1, 0], { shape: [2, 2], k: 1, alpha: 1 });
    expect(Array.from(r.grad.subarray(0, 2))).toEqual([0, 0]);
    expect(Number.isFinite(r.loss)).toBe(true);
  });
});
