import { describe, expect, it } from 'vitest';
import { expScaleRows, splitStateRows } from '../../src/kernels/logit-tile-dispatch.js';

// The JavaScript reference is tested in test/kernels/js/logit-tiles.test.ts, the wasm
// kernels in test/kernels/wasm/backend.test.ts; here the dispatch with only 'js' loaded.

describe('logit-tile dispatch', () => {
  it('with no backend kernels registered, runs the JavaScript reference', () => {
    const x = Float64Array.of(0, Math.LN2, -Infinity);
    const m = new Float64Array(1);
    const u = new Float64Array(1);
    splitStateRows({ x, rows: 1, n: 3, m, u });
    expect(m[0]).toBe(Math.LN2);
    expect(u[0]).toBeCloseTo(0.5, 15);
    const y = new Float64Array(3);
    expScaleRows({ x, y, rows: 1, n: 3, m, f: Float64Array.of(2) });
    expect(Array.from(y)).toEqual([1, 2, 0]);
  });
});
