import { describe, expect, it } from 'vitest';
import {
  finiteArray,
  forgetCumsum,
  resolveKeyLengths,
  resolveMask,
} from '../../src/attention/option-arrays.js';

// Also exercised through resolveAttention in test/attention/problem.test.ts.

describe('attention array options', () => {
  it('a [queries, keys] mask broadcasts over batch and heads (zero strides there)', () => {
    const m = resolveMask('t', { mask: new Uint8Array(6) }, [2, 3, 2, 3])!;
    expect(m.boolean).not.toBeNull();
    expect(m.strides).toEqual([0, 0, 3, 1]);
    expect(() => resolveMask('t', { mask: new Uint8Array(5) }, [2, 3, 2, 3])).toThrow(/^t: /);
  });

  it('key lengths lie in [0, keys]; arrays must be finite; forget gates become running sums', () => {
    expect(Array.from(resolveKeyLengths('t', { keyLengths: [0, 4] }, 2, 4)!)).toEqual([0, 4]);
    expect(() => resolveKeyLengths('t', { keyLengths: [5, 1] }, 2, 4)).toThrow(/^t: /);
    expect(() => finiteArray('t', 'bias', Float64Array.of(1, Number.NaN))).toThrow(/bias/);
    expect(Array.from(forgetCumsum('t', [-1, -2, -0.5, -0.5], 2, 2)!)).toEqual([-1, -3, -0.5, -1]);
  });
});
