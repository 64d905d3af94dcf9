import { describe, expect, it } from 'vitest';
import { updateExpertBias } from '../../src/gating/update-expert-bias.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';

describe('updateExpertBias (auxiliary-loss-free balancing)', () => {
  it('moves each bias by rate against its load', () => {
    const b = updateExpertBias([0, 0.5, 0], new Int32Array([5, 1, 3]), { rate: 0.01 });
    expect(Array.from(b)).toEqual([-0.01, 0.51, 0]);
  });
  it('equal loads leave the bias; the default rate is 0.001; types kept', () => {
    expect(Array.from(updateExpertBias([1, 2, 3], [7, 7, 7]))).toEqual([1, 2, 3]);
    expect(Array.from(updateExpertBias([0, 0], [1, 0]))).toEqual([-0.001, 0.001]);
    expect(updateExpertBias(new Float32Array(2), [1, 0])).toBeInstanceOf(Float32Array);
  });
  it('is exact for loads whose mean rounds (1/3 of the slots each)', () => {
    const b = updateExpertBias([0, 0, 0], [1, 1, 1], { rate: 1 });
    expect(Array.from(b)).toEqual([0, 0, 0]);
  });
  it('rejects mismatched or non-finite input', () => {
    expect(() => updateExpertBias([0, 0], [1])).toThrow(SoftmaxKitError);
    expect(() => updateExpertBias([0, Number.NaN], [1, 2])).toThrow(SoftmaxKitError);
    expect(() => updateExpertBias([0, 0], [1, 2], { rate: -1 })).toThrow(SoftmaxKitError);
  });
});
