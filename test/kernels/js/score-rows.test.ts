import { describe, expect, it } from 'vitest';
import { marginRows, maxLogitRows, maxSoftmaxRows } from '../../../src/kernels/js/score-rows.js';
import { D, refSoftmax } from '../../helpers/reference.js';

// Tested through the public scores in test/calibration/scores.test.ts; here one direct check.

describe('score rows', () => {
  it('max softmax probability, max logit and margin of a row against 60 digits', () => {
    const x = Float64Array.of(0.5, 3, -1, 2.25);
    const p = refSoftmax(x);
    const out = new Float64Array(1);
    maxSoftmaxRows(x, out, 1, 4, 1);
    expect(new D(out[0]!).minus(p[1]!).abs().toNumber()).toBeLessThan(1e-16);
    maxLogitRows(x, out, 1, 4);
    expect(out[0]).toBe(3);
    marginRows(x, out, 1, 4, 1);
    expect(new D(out[0]!).minus(p[1]!.minus(p[3]!)).abs().toNumber()).toBeLessThan(1e-16);
  });
});
