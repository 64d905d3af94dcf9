import { describe, expect, it } from 'vitest';
import { routerZLoss } from '../../src/gating/router-z-loss.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { D, refLogSumExp } from '../helpers/reference.js';

describe('routerZLoss (Switch router_z_loss_func)', () => {
  it('is the mean of logsumexp² (60-digit reference)', () => {
    const x = randomArray(6 * 5, 3, -20, 20);
    let ref = new D(0);
    for (let t = 0; t < 6; t++) ref = ref.plus(refLogSumExp(x.subarray(t * 5, t * 5 + 5)).pow(2));
    const loss = routerZLoss(x, { shape: [6, 5] }).loss;
    expect(Math.abs(loss / ref.div(6).toNumber() - 1)).toBeLessThan(1e-14);
  });

  it('gradient against central differences; Float32 in, Float32 grad', () => {
    const x = randomArray(4 * 6, 8, -3, 3);
    const r = routerZLoss(x, { shape: [4, 6] });
    const fd = fdVjp((z) => [routerZLoss(z, { shape: [4, 6] }).loss], x, [1]);
    expect(gradError(r.grad, fd)).toBeLessThan(1e-8);
    expect(routerZLoss(new Float32Array(4), { shape: [2, 2] }).grad).toBeInstanceOf(Float32Array);
  });

  it('huge logits stay finite; a fully masked token adds 0; +∞ gives +∞', () => {
    expect(routerZLoss([1e150, 1e150]).loss / 1e300).toBeCloseTo(1, 14);
    const a = routerZLoss([0, 0, -Infinity, -Infinity], { shape: [2, 2] });
    expect(a.loss).toBeCloseTo(Math.LN2 ** 2 / 2, 15);
    expect(Array.from(a.grad.subarray(2))).toEqual([0, 0]);
    expect(routerZLoss([Infinity, 0]).loss).toBe(Infinity);
    expect(routerZLoss([], { shape: [0, 3] }).loss).toBe(0);
  });
});
