/**
 * The vectorized exponentials of src/kernels/wasm/assembly/exp.ts: SIMD equals the
 * scalar reference bit for bit (plain SIMD build), and the ulp bound holds densely.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { HEAP_BASE, loadWasmSync, type WasmKernels } from '../../../src/kernels/wasm/load.js';
import { D, dec, ulpError } from '../../helpers/reference.js';
import { enableRelaxedSimd } from './helpers.js';

/** e^x rounded to f32 through double: Math.exp is < 1 ulp in double, so this is the
 * correctly rounded f32 value except within 2^−29 of a rounding boundary. */
function ulps32(got: number, x: number): number {
  const exact = Math.exp(x);
  const ulp = 2 ** (Math.floor(Math.log2(Math.fround(exact))) - 23);
  return Math.abs(got - exact) / ulp;
}

function run(
  k: WasmKernels,
  type: 'f32' | 'f64',
  xs: ArrayLike<number>,
): Float32Array | Float64Array {
  const n = xs.length;
  const bytes = type === 'f32' ? 4 : 8;
  const need = HEAP_BASE + 2 * n * bytes + 64;
  if (k.memory.buffer.byteLength < need)
    k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
  const T = type === 'f32' ? Float32Array : Float64Array;
  new T(k.memory.buffer, HEAP_BASE, n).set(xs);
  const y = HEAP_BASE + n * bytes;
  (type === 'f32' ? k.exports.exp_f32 : k.exports.exp_f64)(HEAP_BASE, y, n);
  return new T(k.memory.buffer, y, n).slice();
}

describe('exp32 (f32x4)', () => {
  let k: WasmKernels;
  beforeAll(() => {
    k = loadWasmSync({ relaxedSimd: false });
  });

  it('is within 1 ulp over every 64th f32 in [−87.3, 0] and equals its scalar reference', () => {
    // f32 bit patterns of −0 … −87.3 (0x80000000 … 0xc2aea000), every 64th: ~1.7e7 values
    const lo = 0x80000000;
    const hi = 0xc2aea000;
    const step = 64;
    const chunk = 1 << 20;
    const bits = new Uint32Array(chunk);
    const xs = new Float32Array(bits.buffer);
    let worst = 0;
    let scalarChecked = 0;
    for (let start = lo; start < hi; start += chunk * step) {
      const m = Math.min(chunk, Math.ceil((hi - start) / step));
      for (let i = 0; i < m; i++) bits[i] = start + i * step;
      const y = run(k, 'f32', xs.subarray(0, m));
      for (let i = 0; i < m; i++) worst = Math.max(worst, ulps32(y[i]!, xs[i]!));
      for (let i = 0; i < m; i += 1021) {
        expect(Object.is(k.exports.exp32Scalar(xs[i]!), y[i])).toBe(true);
        scalarChecked++;
      }
    }
    expect(scalarChecked).toBeGreaterThan(1000);
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('expDiff32 (all-f32 path, x − m by TwoSum) is within 1.25 ulp of e^(x − m) and equals its scalar reference', () => {
    const n = 1 << 16;
    for (const m of [0, 3.25, 97.5, -40.125, 1e-3, 5.123]) {
      // x spread over [m − 87, m], including values whose difference from m is inexact in f32
      const xs = new Float32Array(n).map((_, i) => m - 87 * ((i * 0.6180339887498949) % 1));
      const need = HEAP_BASE + 8 * n;
      if (k.memory.buffer.byteLength < need)
        k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
      new Float32Array(k.memory.buffer, HEAP_BASE, n).set(xs);
      k.exports.expDiff_f32(HEAP_BASE, HEAP_BASE + 4 * n, n, m);
      const y = new Float32Array(k.memory.buffer, HEAP_BASE + 4 * n, n);
      let worst = 0;
      for (let i = 0; i < n; i++) {
        // x − m of two f32 values is exact in double here; Math.exp is < 1 double ulp
        const d = xs[i]! - Math.fround(m);
        if (Math.exp(d) >= 2 ** -126) worst = Math.max(worst, ulps32(y[i]!, d));
        if (i % 251 === 0)
          expect(Object.is(k.exports.expDiff32Scalar(xs[i]!, Math.fround(m)), y[i])).toBe(true);
      }
      expect(worst, `m = ${m}`).toBeLessThanOrEqual(1.25);
    }
  });

  it('flushes below 2^−126 and at −∞ to 0, and gives e^0 = 1', () => {
    const y = run(k, 'f32', [0, -Infinity, -88, -87.3]);
    expect(Array.from(y.subarray(0, 3))).toEqual([1, 0, 0]);
    expect(y[3]).toBeGreaterThan(0);
  });

  it('relaxed-SIMD build (FMA) stays within 1 ulp', async () => {
    await enableRelaxedSimd();
    const r = loadWasmSync({ relaxedSimd: true });
    const xs = new Float32Array(1 << 16).map((_, i) => -87.3 * (i / 65536));
    const y = run(r, 'f32', xs);
    let worst = 0;
    for (let i = 0; i < xs.length; i++) worst = Math.max(worst, ulps32(y[i]!, xs[i]!));
    expect(worst).toBeLessThanOrEqual(1);
    k = loadWasmSync({ relaxedSimd: false });
  });
});

describe('exp64 (f64x2)', () => {
  it('is within 2 ulp of 60-digit e^x on [−708, 0] and equals its scalar reference', () => {
    const k = loadWasmSync({ relaxedSimd: false });
    const n = 1500;
    const xs = new Float64Array(n).map((_, i) => -708 * ((i * 0.6180339887498949) % 1));
    const y = run(k, 'f64', xs);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      worst = Math.max(worst, ulpError(y[i]!, D.exp(dec(xs[i]!)), false));
      if (i % 97 === 0) expect(Object.is(k.exports.exp64Scalar(xs[i]!, 0), y[i])).toBe(true);
    }
    expect(worst).toBeLessThanOrEqual(2);
  });

  it('keeps the bound for an argument h + l (the exact x − m of the row passes)', () => {
    const k = loadWasmSync({ relaxedSimd: false });
    let worst = 0;
    for (let i = 0; i < 3000; i++) {
      // h on [−708, 0] and on [−0.708, 0] (where r is the argument itself), |l| < ulp(h)/2
      const h = -708 * ((i * 0.6180339887498949) % 1) * (i % 2 === 0 ? 1e-3 : 1);
      const ulp = h === 0 ? 0 : 2 ** (Math.floor(Math.log2(-h)) - 52);
      const l = ulp * (((i * 0.7548776662466927) % 1) - 0.5);
      const y = k.exports.exp64Scalar(h, l); // the SIMD lanes' bits (checked above)
      worst = Math.max(worst, ulpError(y, D.exp(dec(h).plus(dec(l))), false));
    }
    expect(worst).toBeLessThanOrEqual(2);
  });
});
