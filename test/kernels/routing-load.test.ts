import { describe, expect, it } from 'vitest';
import { smoothLoadRows } from '../../src/kernels/routing-load.js';

// Tested end to end (values and gradients) by test/gating/smooth-load-loss.test.ts; here the thresholds.
describe('smoothLoadRows: the threshold is the k-th largest of the other entries', () => {
  it('in the top k: the (k+1)-th largest; outside: the k-th; masked: P = 0; none left: P = 1', () => {
    // one token, 4 experts, k = 2, σ = 1, H = x (no noise)
    const x = [3, 1, 2, -Infinity];
    const load = new Float64Array(4);
    const st = smoothLoadRows(x, x, [1, 1, 1, 1], 1, 4, 2, load);
    expect(Array.from(st.threshold)).toEqual([1, 2, 1, -1]);
    expect(load[3]).toBe(0);
    const few = new Float64Array(3);
    smoothLoadRows([0, 1, -Infinity], [0, 1, -Infinity], [1, 1, 1], 1, 3, 2, few);
    expect(Array.from(few)).toEqual([1, 1, 0]);
  });
});
