import { describe, expect, it } from 'vitest';
import { halfToFloat, LogitRows } from '../../src/sampling/rows.js';

describe('LogitRows', () => {
  it('decodes IEEE binary16 exactly', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
  });
  it('hands a contiguous float row over without a copy, a strided one through one row of scratch', () => {
    const x = new Float32Array([1, 2, 3, 4, 5, 6]);
    const a = new LogitRows('t', x, [2, 3], -1);
    a.read(1);
    expect(a.a).toBe(x);
    expect(a.o).toBe(3);
    const b = new LogitRows('t', x, [2, 3], 0);
    expect(b.rows).toBe(3);
    b.read(2);
    expect([b.a[b.o], b.a[b.o + 1]]).toEqual([3, 6]);
  });
  it('takes tensors { data, dims } and rejects other element types', () => {
    const t = new LogitRows('t', { data: new Float64Array(6), dims: [3, 2] }, undefined, -1);
    expect([t.rows, t.n]).toEqual([3, 2]);
    expect(() => new LogitRows('t', { data: new Int32Array(2), dims: [2] }, undefined, -1)).toThrow(
      /float32, float64 or float16/,
    );
    expect(() => new LogitRows('t', { data: new Float32Array(2), dims: [2] }, [1, 2], -1)).toThrow(
      /dims/,
    );
  });
});
