import { describe, expect, it } from 'vitest';
import { softMoeWeights, softMoeWeightsVjp } from '../../src/gating/soft-moe.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';

describe('softMoeWeights (Soft MoE)', () => {
  it('dispatch normalizes each slot over tokens, combine each token over slots', () => {
    const [n, s] = [5, 3];
    const x = randomArray(n * s, 2, -4, 4);
    const { dispatch, combine } = softMoeWeights(x, { shape: [n, s] });
    for (let j = 0; j < s; j++) {
      let z = 0;
      for (let i = 0; i < n; i++) z += Math.exp(x[i * s + j]!);
      for (let i = 0; i < n; i++)
        expect(dispatch[i * s + j]).toBeCloseTo(Math.exp(x[i * s + j]!) / z, 15);
    }
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let j = 0; j < s; j++) z += Math.exp(x[i * s + j]!);
      for (let j = 0; j < s; j++)
        expect(combine[i * s + j]).toBeCloseTo(Math.exp(x[i * s + j]!) / z, 15);
    }
  });

  it('the doc example; batches are independent; a masked token gets no dispatch', () => {
    const { dispatch, combine } = softMoeWeights([0, 0, Math.log(3), 0], { shape: [2, 2] });
    expect(Array.from(dispatch, (v) => +v.toFixed(12))).toEqual([0.25, 0.5, 0.75, 0.5]);
    expect(Array.from(combine, (v) => +v.toFixed(12))).toEqual([0.5, 0.5, 0.75, 0.25]);
    const x = randomArray(2 * 3 * 2, 3);
    const both = softMoeWeights(x, { shape: [2, 3, 2] });
    const first = softMoeWeights(x.subarray(0, 6), { shape: [3, 2] });
    expect(Array.from(both.dispatch.subarray(0, 6))).toEqual(Array.from(first.dispatch));
    const m = softMoeWeights([-Infinity, -Infinity, 1, 2], { shape: [2, 2] });
    expect(Array.from(m.dispatch)).toEqual([0, 0, 1, 1]);
    expect(Array.from(m.combine.subarray(0, 2))).toEqual([0, 0]);
  });

  it('VJP against central differences, either gradient alone or both', () => {
    const x = randomArray(4 * 3, 5, -2, 2);
    const dD = randomArray(12, 6);
    const dC = randomArray(12, 7);
    const opts = { shape: [4, 3] };
    const f = (z: Float64Array) => {
      const w = softMoeWeights(z, opts);
      return [...w.dispatch, ...w.combine];
    };
    expect(gradError(softMoeWeightsVjp(x, dD, dC, opts), fdVjp(f, x, [...dD, ...dC]))).toBeLessThan(
      1e-8,
    );
    expect(
      gradError(
        softMoeWeightsVjp(x, dD, undefined, opts),
        fdVjp(f, x, [...dD, ...new Array(12).fill(0)]),
      ),
    ).toBeLessThan(1e-8);
    expect(
      gradError(
        softMoeWeightsVjp(x, undefined, dC, opts),
        fdVjp(f, x, [...new Array(12).fill(0), ...dC]),
      ),
    ).toBeLessThan(1e-8);
  });

  it('rejects no tokens and mismatched gradients', () => {
    expect(() => softMoeWeights([], { shape: [0, 2] })).toThrow(SoftmaxKitError);
    expect(() => softMoeWeightsVjp([1, 2], [1], undefined)).toThrow(SoftmaxKitError);
  });
});
