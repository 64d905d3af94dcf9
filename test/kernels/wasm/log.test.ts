/**
 * The vectorized log1p of src/kernels/wasm/assembly/log.ts: SIMD equals the scalar
 * reference bit for bit, and it is within 1 ulp of the 60-digit log(1 + u).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { HEAP_BASE, loadWasmSync, type WasmKernels } from '../../../src/kernels/wasm/load.js';
import { D, type Dec, dec, ulpError } from '../../helpers/reference.js';

/** log(1 + u) to 60 digits: the series below 1e−12 (where 1 + u would need more digits). */
function refLog1p(u: number): Dec {
  const x = dec(u);
  if (Math.abs(u) >= 1e-12) return D.ln(x.plus(1));
  let sum = dec(0);
  for (let j = 1; j <= 6; j++)
    sum = sum.plus(
      x
        .pow(j)
        .div(j)
        .times(j % 2 ? 1 : -1),
    );
  return sum;
}

function log1pSimd(k: WasmKernels, us: readonly number[]): Float64Array {
  const n = us.length + (us.length & 1);
  new Float64Array(k.memory.buffer, HEAP_BASE, n).set(us);
  k.exports.log1p_f64(HEAP_BASE, HEAP_BASE + 8 * n, n);
  return new Float64Array(k.memory.buffer, HEAP_BASE + 8 * n, us.length).slice();
}

describe('log1p64 (f64x2)', () => {
  let k: WasmKernels;
  beforeAll(() => {
    k = loadWasmSync({ relaxedSimd: false });
  });

  it('is within 1 ulp of 60-digit log(1 + u) from 2^−1074 to 2^60 and on (−1, 0), and equals its scalar reference', () => {
    const us: number[] = [Number.MIN_VALUE, 1e-300, 2 ** -60, 1e-17, 2 ** -53, 1e-10, 1];
    // log-spaced over 2^−80 … 2^60 with an irrational step, and the √2 − 1 binade cut
    for (let i = 0; i < 3000; i++) us.push(2 ** (-80 + 140 * ((i * 0.6180339887498949) % 1)));
    for (let i = -8; i <= 8; i++)
      us.push(Math.SQRT2 - 1 + i * 2 ** -52, Math.SQRT1_2 - 1 + i * 2 ** -52);
    // (−1, 0): −u log-spaced down to −2^−70, and up to −1 + 2^−20
    for (let i = 0; i < 600; i++)
      us.push(-(2 ** (-70 + 70 * ((i * 0.7548776662466927) % 1))) * (1 - 2 ** -20));
    // integers − 1 and sums near them, as the normalizers pass (count − 1 + rest)
    for (let c = 1; c <= 64; c++) us.push(c - 1 + 1e-9 * c, c - 1);
    const y = log1pSimd(k, us);
    let worst = 0;
    for (let i = 0; i < us.length; i++) {
      const u = us[i]!;
      worst = Math.max(worst, ulpError(y[i]!, refLog1p(u), false));
      expect(Object.is(k.exports.log1p64Scalar(u), y[i])).toBe(true);
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('gives 0 at 0, u itself for |u| below 2^−53, +∞ at +∞', () => {
    const y = log1pSimd(k, [0, 1e-30, -1e-30, Number.MIN_VALUE, Infinity]);
    expect(Array.from(y)).toEqual([0, 1e-30, -1e-30, Number.MIN_VALUE, Infinity]);
  });
});
