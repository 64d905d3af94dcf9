import { describe, expect, it } from 'vitest';
import { forEachRow } from '../../src/kernels/strided-rows.js';
import { rowLayout } from '../../src/tensor/layout.js';

describe('forEachRow', () => {
  it('hands a contiguous axis over in one call, without copying', () => {
    const x = new Float64Array(12);
    const y = new Float64Array(12);
    const calls: number[] = [];
    forEachRow(rowLayout('t', 12, [3, 4], 1), [x], y, false, (ins, out, rows) => {
      expect(ins[0]).toBe(x);
      expect(out).toBe(y);
      calls.push(rows);
    });
    expect(calls).toEqual([3]);
  });
  it('gathers and scatters strided rows exactly (large inner forces several tiles)', () => {
    const shape = [2, 5, 20000];
    const len = 2 * 5 * 20000;
    const x = Float32Array.from({ length: len }, (_, i) => i);
    const y = new Float32Array(len);
    // kernel: y = x + (index within the row), checks that rows arrive in order
    forEachRow(rowLayout('t', len, shape, 1), [x], y, false, (ins, out, rows) => {
      for (let r = 0; r < rows; r++)
        for (let i = 0; i < 5; i++) out[r * 5 + i] = ins[0]![r * 5 + i]! + i;
    });
    for (let o = 0; o < 2; o++)
      for (let i = 0; i < 5; i++)
        for (let j = 0; j < 20000; j += 997) {
          const flat = o * 100000 + i * 20000 + j;
          expect(y[flat]).toBe(flat + i);
        }
  });
  it('reductions write one value per row in reduced-shape order', () => {
    const x = Float64Array.from({ length: 24 }, (_, i) => i);
    const out = new Float64Array(8);
    forEachRow(rowLayout('t', 24, [2, 3, 4], 1), [x], out, true, (ins, o, rows) => {
      for (let r = 0; r < rows; r++)
        o[r] = ins[0]![r * 3]! + ins[0]![r * 3 + 1]! + ins[0]![r * 3 + 2]!;
    });
    // out[a, c] = Σ_b x[a, b, c]
    for (let a = 0; a < 2; a++)
      for (let c = 0; c < 4; c++) expect(out[a * 4 + c]).toBe(3 * (a * 12 + c) + 12);
  });
});
