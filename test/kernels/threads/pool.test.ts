import { afterAll, describe, expect, it } from 'vitest';
import type { SoftmaxAlgorithm } from '../../../src/kernels/backend.js';
import {
  configure,
  configuredThreads,
  poolWorkers,
  runRows,
} from '../../../src/kernels/threads/pool.js';
import { wasmBackend } from '../../../src/kernels/wasm/backend.js';
import { loadWasmSync, wasmKernels } from '../../../src/kernels/wasm/load.js';
import { freeWasmArray, wasmArray } from '../../../src/kernels/wasm/memory.js';
import { SoftmaxKitError } from '../../../src/tensor/errors.js';
import type { FloatArray } from '../../../src/tensor/types.js';
import { filled } from '../wasm/helpers.js';

const ALGS: SoftmaxAlgorithm[] = ['three-pass', 'two-pass', 'online'];

/** Every kernel's outputs on (rows × n) inputs of the given type. */
function outputs(
  type: Float32ArrayConstructor | Float64ArrayConstructor,
  rows: number,
  n: number,
): FloatArray[] {
  const x = filled(type, rows * n, 1, -30, 30);
  x[5 * n + 3] = Number.NaN; // a flagged row handled by the JS reference
  x[(rows - 7) * n] = Number.POSITIVE_INFINITY; // another, in the last chunk
  const dy = filled(type, rows * n, 2, -1, 1);
  const res: FloatArray[] = [];
  for (const alg of ALGS)
    for (const log of [false, true]) {
      const y = new type(x.length);
      wasmBackend.softmax({ x, y, rows, n, algorithm: alg, s: 0.9, log });
      const g = new type(x.length);
      wasmBackend.softmaxVjp({ x, dy, dx: g, rows, n, algorithm: alg, s: 1, log });
      const l = new type(rows);
      wasmBackend.logSumExp({ x, out: l, rows, n, algorithm: alg, s: 1 });
      res.push(y, g, l);
    }
  const targets = Int32Array.from({ length: rows }, (_, r) => (r * 7) % n);
  const scale = new Float64Array(rows).fill(0.5);
  for (const smoothing of [0.1, 0]) {
    const loss = new Float64Array(rows);
    const lse = new Float64Array(rows);
    const grad = new type(x.length);
    wasmBackend.crossEntropy({
      x,
      targets,
      rows,
      n,
      smoothing,
      classWeight: undefined,
      scale,
      loss,
      lse,
      grad,
    });
    res.push(loss, lse, grad);
  }
  // in place (zero-copy): every kernel's rows shared out straight from WebAssembly memory
  const xw = wasmArray(type, x.length);
  const dw = wasmArray(type, x.length);
  const yw = wasmArray(type, x.length);
  const lw = wasmArray(type, rows);
  xw.set(x);
  dw.set(dy);
  for (const log of [false, true]) {
    wasmBackend.softmax({ x: xw, y: yw, rows, n, algorithm: 'three-pass', s: 1, log });
    res.push(yw.slice());
    wasmBackend.softmaxVjp({ x: xw, dy: dw, dx: yw, rows, n, algorithm: 'online', s: 1, log });
    res.push(yw.slice());
  }
  wasmBackend.logSumExp({ x: xw, out: lw, rows, n, algorithm: 'two-pass', s: 1 });
  res.push(lw.slice());
  wasmBackend.softmax({ x: xw, y: xw, rows, n, algorithm: 'three-pass', s: 1, log: false });
  res.push(xw.slice());
  for (const a of [xw, dw, yw, lw]) freeWasmArray(a);
  return res;
}

describe('configure({ threads })', () => {
  afterAll(() => configure({ threads: 1 }));

  const sameBits = (a: FloatArray, b: FloatArray) =>
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    );

  // 64 × 1000: one copy chunk, split across the pool; 37 × 1000: the same with a
  // short last chunk of rows; 600 × 1000: four or five copy chunks, pipelined (the
  // workers run chunk i while this thread copies i ± 1); 4099 × 16 and 7001 × 5: short
  // rows, which the Float32 three-pass kernels take four at a time, shared out in
  // chunks that do not start at multiples of four
  for (const [rows, n] of [
    [64, 1000],
    [37, 1000],
    [600, 1000],
    [4099, 16],
    [7001, 5],
  ] as const)
    it(`${rows} × ${n}: 2 and 3 threads give the same bits as one, every kernel, both types`, () => {
      loadWasmSync();
      for (const type of [Float32Array, Float64Array]) {
        const one = outputs(type, rows, n);
        configure({ threads: 2 });
        expect(configuredThreads()).toBe(2);
        const two = outputs(type, rows, n);
        expect(poolWorkers()).toBe(1);
        configure({ threads: 3 });
        const three = outputs(type, rows, n);
        expect(poolWorkers()).toBe(2);
        configure({ threads: 1 });
        for (let i = 0; i < one.length; i++) {
          expect(sameBits(two[i]!, one[i]!)).toBe(true);
          expect(sameBits(three[i]!, one[i]!)).toBe(true);
        }
      }
    });

  it('threads = 1 parks the workers; the same count again reuses them, another replaces them', () => {
    loadWasmSync();
    configure({ threads: 2 });
    const x = new Float32Array(64 * 1000).fill(1);
    wasmBackend.softmax({
      x,
      y: new Float32Array(x.length),
      rows: 64,
      n: 1000,
      algorithm: 'three-pass',
      s: 1,
      log: false,
    });
    expect(poolWorkers()).toBe(1);
    configure({ threads: 1 });
    expect(poolWorkers()).toBe(0);
    configure({ threads: 2 });
    expect(poolWorkers()).toBe(1); // parked, not restarted: in use before any call
    configure({ threads: 3 });
    expect(poolWorkers()).toBe(0); // replaced: started at the next large call
    configure({ threads: 1 });
  });

  it('rejects a thread count that is not a positive integer (INVALID_PARAMETER)', () => {
    for (const threads of [0, -1, 1.5]) {
      let code: string | undefined;
      try {
        configure({ threads });
      } catch (e) {
        code = (e as SoftmaxKitError).code;
      }
      expect(code).toBe('INVALID_PARAMETER');
    }
    expect(() => configure({ threads: Number.NaN })).toThrow(SoftmaxKitError);
  });
});

describe('runRows with done (rows handed over as they are finished)', () => {
  afterAll(() => configure({ threads: 1 }));

  /** log Σ e^x of a row in double (an independent reference; no row here overflows). */
  const lse = (row: Float64Array) => Math.log(row.reduce((t, v) => t + Math.exp(v), 0));

  // 64 × 1000 and 37 × 1000: chunks of 33 rows (≥ 2^15 elements), marked as they are
  // done and handed over in order; 9 × 40,000: one row per chunk; 3 × 100: too small to
  // share (one thread)
  for (const [rows, n] of [
    [64, 1000],
    [37, 1000],
    [9, 40_000],
    [3, 100],
  ] as const)
    it(`${rows} × ${n}: every row handed over once, in order, final when handed; 1, 2, 3 threads`, () => {
      loadWasmSync();
      const k = wasmKernels()!;
      const x = wasmArray(Float64Array, rows * n);
      x.set(filled(Float64Array, x.length, 3, -5, 5));
      x[(rows - 1) * n + 2] = Number.NaN; // the last row flagged: counted in the result
      const before = x.slice();
      const out = wasmArray(Float64Array, rows);
      const flags = wasmArray(Float64Array, rows); // rows flag bytes
      const args = (r0: number, t: number) => [
        x.byteOffset + r0 * n * 8,
        out.byteOffset + r0 * 8,
        t,
        n,
        0, // three-pass
        1,
        flags.byteOffset + r0,
      ];
      for (const threads of [1, 2, 3]) {
        configure({ threads });
        out.fill(0);
        const handed: number[] = [];
        const bad = runRows(k, 'logSumExp_f64', rows, n, args, (r0, t) => {
          expect(r0).toBe(handed.length); // in order, contiguous
          for (let r = r0; r < r0 + t; r++) {
            handed.push(r);
            if (r === rows - 1) continue; // flagged: its output is unused
            const want = lse(x.subarray(r * n, (r + 1) * n));
            expect(Math.abs(out[r]! - want)).toBeLessThanOrEqual(1e-13 * Math.abs(want) + 1e-13);
          }
        });
        expect(handed).toEqual(Array.from({ length: rows }, (_, r) => r));
        expect(bad).toBe(1);
      }
      // a throwing `done` ends the call with its error, the pool left ready for the next
      configure({ threads: 2 });
      const stop = (r0: number, t: number) => {
        if (r0 > 0 || r0 + t === rows) throw new Error('stop'); // mid-call where there are chunks
      };
      expect(() => runRows(k, 'logSumExp_f64', rows, n, args, stop)).toThrow('stop');
      expect(runRows(k, 'logSumExp_f64', rows, n, args)).toBe(1);
      configure({ threads: 1 });
      // the input is read, never written
      expect(
        Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(before.buffer)),
      ).toBe(true);
      for (const a of [x, out, flags]) freeWasmArray(a);
    });
});

describe('configure options (regression, issue 15)', () => {
  it("configure({ thread: 2 }) names 'threads'; configure() and null answer cleanly", async () => {
    expect(() => configure({ thread: 2 } as never)).toThrow(
      /^configure: unknown option 'thread' \(did you mean 'threads'\?\)/,
    );
    await expect(configure()).resolves.toBeUndefined();
    expect(() => configure(null as never)).toThrow(SoftmaxKitError);
    expect(() => configure({ threads: '2' } as never)).toThrow(SoftmaxKitError);
    expect(configuredThreads()).toBe(1);
  });
});
