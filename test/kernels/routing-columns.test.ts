import { describe, expect, it } from 'vitest';
import { topKColumns } from '../../src/kernels/routing-columns.js';

describe('topKColumns', () => {
  it('per column the c largest, ties by lower row; NaN skipped and padded with −1', () => {
    // 3 tokens × 2 experts
    const s = [0.5, Number.NaN, 0.5, Number.NaN, 0.9, 0.2];
    const w = new Float64Array(4);
    const i = new Int32Array(4);
    topKColumns(s, 3, 2, 2, w, i);
    expect(Array.from(i)).toEqual([2, 0, 2, -1]);
    expect(Array.from(w)).toEqual([0.9, 0.5, 0.2, 0]);
  });
});
