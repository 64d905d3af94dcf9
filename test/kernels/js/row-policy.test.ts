import { describe, expect, it } from 'vitest';
import { fillPolicyRow, newRowScan, scanRow } from '../../../src/kernels/js/row-policy.js';

// The policy rows of every softmax kernel; also covered by test/kernels/js/softmax-rows.test.ts.

describe('scanRow and fillPolicyRow', () => {
  it('classify rows and fill the non-finite ones by the policy', () => {
    const x = Float64Array.of(1, 2, -Infinity, -Infinity, Infinity, 0, Infinity, Number.NaN);
    const s = newRowScan();
    expect(scanRow(x, 0, 2, s)).toBe('finite');
    expect(s.max).toBe(2);
    expect(scanRow(x, 2, 2, s)).toBe('masked');
    expect(scanRow(x, 4, 3, s)).toBe('posInf');
    const y = new Float64Array(3);
    fillPolicyRow(x, 4, 3, s, y, 0, 'mass');
    expect(Array.from(y)).toEqual([0.5, 0, 0.5]);
    fillPolicyRow(x, 4, 3, s, y, 0, 'log');
    expect(Array.from(y)).toEqual([-Math.LN2, -Infinity, -Math.LN2]);
    expect(scanRow(x, 4, 4, s)).toBe('nan');
  });
});
