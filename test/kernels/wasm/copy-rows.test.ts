import { afterAll, describe, expect, it } from 'vitest';
import { configure } from '../../../src/kernels/threads/pool.js';
import { type CopyJob, copyRows, slack } from '../../../src/kernels/wasm/copy-rows.js';
import { loadWasmSync, wasmKernels } from '../../../src/kernels/wasm/load.js';
import { freeWasmArray, wasmArray } from '../../../src/kernels/wasm/memory.js';
import { filled } from './helpers.js';

/** Softmax rows of x through the copy pipeline; counts each row's copies in and out. */
function viaCopies(x: Float32Array, rows: number, n: number) {
  const k = wasmKernels()!;
  const y = new Float32Array(x.length);
  const copiedIn = new Uint8Array(rows);
  const copiedOut = new Uint8Array(rows);
  const job: CopyJob<{ buf: number; flags: number }> = {
    name: 'softmax_f32',
    perRow: 4 * n + 1,
    fixed: slack(2),
    take: (sc, cr) => ({ buf: sc.take(cr * n * 4), flags: sc.take(cr) }),
    copyIn: (b, r0, t) => {
      new Float32Array(k.memory.buffer, b.buf, t * n).set(x.subarray(r0 * n, (r0 + t) * n));
      for (let r = r0; r < r0 + t; r++) copiedIn[r]!++;
    },
    args: (b, q, u) => [b.buf + q * n * 4, b.buf + q * n * 4, u, n, 0, 1, 0, b.flags + q],
    copyOut: (b, r0, t) => {
      y.set(new Float32Array(k.memory.buffer, b.buf, t * n), r0 * n);
      for (let r = r0; r < r0 + t; r++) copiedOut[r]!++;
    },
  };
  expect(copyRows(k, rows, n, false, job)).toBe(true);
  expect(copiedIn.every((c) => c === 1)).toBe(true);
  expect(copiedOut.every((c) => c === 1)).toBe(true);
  return y;
}

/** The same kernel over the same rows in place in the memory, one call. */
function inPlace(x: Float32Array, rows: number, n: number): Float32Array {
  const k = wasmKernels()!;
  const xw = wasmArray(Float32Array, x.length);
  const flags = wasmArray(Float64Array, Math.ceil(rows / 8));
  xw.set(x);
  k.exports.softmax_f32(xw.byteOffset, xw.byteOffset, rows, n, 0, 1, 0, flags.byteOffset);
  const y = xw.slice();
  freeWasmArray(xw);
  freeWasmArray(flags);
  return y;
}

describe('the copy pipeline', () => {
  afterAll(() => configure({ threads: 1 }));

  // 600 × 1000: several copy chunks (65 rows each on one thread); with 2 threads
  // chunks of 131 rows over three slots, pipelined (rows ≥ 3 chunks)
  it('copies every row in and out once; one thread and two give the in-place bits', () => {
    loadWasmSync({ sharedMemory: true });
    const [rows, n] = [600, 1000];
    const x = filled(Float32Array, rows * n, 3, -20, 20) as Float32Array;
    const ref = inPlace(x, rows, n);
    const same = (a: Float32Array) => Buffer.from(a.buffer).equals(Buffer.from(ref.buffer));
    expect(same(viaCopies(x, rows, n))).toBe(true);
    configure({ threads: 2 });
    expect(same(viaCopies(x, rows, n))).toBe(true);
  });
});
