// The AssemblyScript it runs (assembly/logit-tiles.ts) is tested through the generated
// module here; test/kernels/wasm/backend.test.ts also checks it against the JS reference
// and that it declines to grow a plain memory holding arrays.
import { describe, expect, it } from 'vitest';
import { loadWasmSync } from '../../../src/kernels/wasm/load.js';
import { wasmExpScaleRows, wasmSplitStateRows } from '../../../src/kernels/wasm/logit-tiles.js';
import { D, dec, relError } from '../../helpers/reference.js';
import { filled } from './helpers.js';

describe('wasm logit tiles against 60-digit references', () => {
  loadWasmSync();
  const n = 29;
  const rows = 4;
  const x = filled(Float64Array, rows * n, 5, -40, 40) as Float64Array;
  x[n + 3] = 90; // row 1: one entry dominates, u = Σ e^(x − m) − 1 ≈ 1e−22
  x.fill(-Infinity, 2 * n, 3 * n); // row 2: fully masked
  x[3 * n + 7] = Number.NaN; // row 3: NaN

  it('splitStateRows: each row max exactly, u = Σ e^(x − m) − 1 to 1e−15 relative (NaN where the max is not finite)', () => {
    const m = new Float64Array(rows);
    const u = new Float64Array(rows);
    expect(wasmSplitStateRows({ x, rows, n, m, u })).toBe(true);
    for (const r of [0, 1]) {
      const row = x.subarray(r * n, (r + 1) * n);
      const max = Math.max(...row);
      expect(m[r]).toBe(max);
      const ref = row.reduce((s, v) => s.plus(dec(v).minus(dec(max)).exp()), new D(0)).minus(1);
      expect(relError(u[r]!, ref)).toBeLessThan(1e-15);
    }
    expect(u[1]!).toBeLessThan(1e-20); // the dominant row's tiny u survives (no 1 + u rounding)
    expect(m[2]).toBe(Number.NEGATIVE_INFINITY);
    expect(u[2]).toBeNaN();
    expect(u[3]).toBeNaN();
  });

  it('expScaleRows: y = e^(x − m_r)·f_r within 4e−16 relative, 0 at −∞, in place too', () => {
    const m = Float64Array.of(41, 90, 0, 0);
    const f = Float64Array.of(0.5, 3, 1, 1);
    const y = new Float64Array(2 * n);
    const x2 = x.slice(0, 2 * n);
    x2[5] = Number.NEGATIVE_INFINITY;
    expect(wasmExpScaleRows({ x: x2, y, rows: 2, n, m, f })).toBe(true);
    for (let i = 0; i < 2 * n; i++) {
      const r = Math.floor(i / n);
      if (i === 5) expect(y[i]).toBe(0);
      else {
        const ref = dec(x2[i]!).minus(dec(m[r]!)).exp().times(dec(f[r]!));
        expect(relError(y[i]!, ref)).toBeLessThan(4e-16);
      }
    }
    const inPlace = x2.slice();
    expect(wasmExpScaleRows({ x: inPlace, y: inPlace, rows: 2, n, m, f })).toBe(true);
    expect(Array.from(inPlace)).toEqual(Array.from(y));
  });
});
