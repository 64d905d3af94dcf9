import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { jsBackend } from '../../../src/kernels/backend.js';
import { wasmBackend } from '../../../src/kernels/wasm/backend.js';
import { loadWasmSync, wasmKernels } from '../../../src/kernels/wasm/load.js';
import { freeWasmArray, wasmArray } from '../../../src/kernels/wasm/memory.js';
import { logSoftmax } from '../../../src/normalizers/log-softmax.js';
import { logSumExp } from '../../../src/normalizers/log-sum-exp.js';
import { softmax, softmaxVjp } from '../../../src/normalizers/softmax.js';
import { SoftmaxKitError } from '../../../src/tensor/errors.js';
import { filled } from './helpers.js';

/** A full garbage collection (V8's gc, exposed at run time). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof SoftmaxKitError ? e.code : 'other';
  }
  return undefined;
}

describe('wasmArray (zero-copy)', () => {
  afterAll(() => loadWasmSync());

  it('lives in the wasm memory, starts at zero, and has the asked type and length', () => {
    for (const T of [Float32Array, Float64Array]) {
      const a = wasmArray(T, 37);
      expect(a).toBeInstanceOf(T);
      expect(a.length).toBe(37);
      expect(a.buffer).toBe(wasmKernels()!.memory.buffer);
      expect(Array.from(a).every((v) => v === 0)).toBe(true);
      freeWasmArray(a);
    }
  });

  it('in-place calls give the same bits as the copying path, on every function', () => {
    const shape = [64, 100];
    for (const T of [Float32Array, Float64Array]) {
      const x = filled(T, 6400, 1, -20, 20);
      const dy = filled(T, 6400, 2, -1, 1);
      const xw = wasmArray(T, x.length);
      const dyw = wasmArray(T, x.length);
      const out = wasmArray(T, x.length);
      const lse = wasmArray(T, 64);
      xw.set(x);
      dyw.set(dy);
      for (const [f, g] of [
        [
          () => softmax(x, { shape, backend: 'wasm' }),
          () => softmax(xw, { shape, backend: 'wasm', out }),
        ],
        [
          () => logSoftmax(x, { shape, backend: 'wasm' }),
          () => logSoftmax(xw, { shape, backend: 'wasm', out }),
        ],
        [
          () => softmaxVjp(x, dy, { shape, backend: 'wasm' }),
          () => softmaxVjp(xw, dyw, { shape, backend: 'wasm', out }),
        ],
        [
          () => logSumExp(x, { shape, backend: 'wasm' }),
          () => logSumExp(xw, { shape, backend: 'wasm', out: lse }),
        ],
      ] as const)
        expect(Array.from(g())).toEqual(Array.from(f()));
      expect(Array.from(xw)).toEqual(Array.from(x)); // inputs untouched
      // in place, y = x
      softmax(xw, { shape, backend: 'wasm', out: xw });
      expect(Array.from(xw)).toEqual(Array.from(softmax(x, { shape, backend: 'wasm' })));
      // mixed: wasm input, JS output
      expect(Array.from(softmax(dyw, { shape, backend: 'wasm' }))).toEqual(
        Array.from(softmax(dy, { shape, backend: 'wasm' })),
      );
      for (const a of [xw, dyw, out, lse]) freeWasmArray(a);
    }
  });

  it('reuses freed space once the freed view is gone, and rejects what it did not hand out', async () => {
    const at = (() => {
      const a = wasmArray(Float32Array, 1000);
      freeWasmArray(a);
      return a.byteOffset;
    })();
    await new Promise((r) => setTimeout(r, 0)); // a WeakRef target lives to the end of its job
    collectGarbage();
    const b = wasmArray(Float64Array, 500);
    expect(b.byteOffset).toBeLessThanOrEqual(at); // handed out again (earlier freed blocks too)
    expect(code(() => freeWasmArray(new Float32Array(4)))).toBe('INVALID_PARAMETER');
    freeWasmArray(b);
    expect(code(() => freeWasmArray(b))).toBe('INVALID_PARAMETER');
    expect(code(() => wasmArray(Float32Array, -1))).toBe('INVALID_PARAMETER');
    expect(code(() => wasmArray(Int32Array as unknown as Float32ArrayConstructor, 4))).toBe(
      'INVALID_PARAMETER',
    );
  });

  it('regression (issue 15): a write through a freed view never reaches a later array', () => {
    const a = wasmArray(Float64Array, 64);
    freeWasmArray(a);
    const b = wasmArray(Float64Array, 64); // a is still reachable: its block waits
    expect(b.byteOffset).not.toBe(a.byteOffset);
    a.fill(7); // the stale write
    expect(Array.from(b).every((v) => v === 0)).toBe(true);
    freeWasmArray(b);
  });

  it('regression (issue 15): sizes beyond the memory throw SoftmaxKitError, bad arguments too', () => {
    expect(code(() => wasmArray(Float32Array, 2 ** 31))).toBe('INVALID_PARAMETER');
    expect(code(() => wasmArray(Float64Array, 2 ** 29))).toBe('INVALID_PARAMETER');
    expect(code(() => wasmArray(Float32Array, Number.NaN))).toBe('NON_FINITE_PARAMETER');
    expect(code(() => wasmArray(Float32Array, 1.5))).toBe('INVALID_PARAMETER');
    expect(code(() => wasmArray(null as never, 4))).toBe('INVALID_PARAMETER');
    expect(code(() => freeWasmArray(null as never))).toBe('INVALID_PARAMETER');
    expect(code(() => freeWasmArray(undefined as never))).toBe('INVALID_PARAMETER');
    expect(() => freeWasmArray(null as never)).toThrow(/^freeWasmArray: /);
  });

  it('shared memory: views survive growth', () => {
    loadWasmSync({ sharedMemory: true });
    const a = wasmArray(Float32Array, 8);
    a.fill(3);
    const big = wasmArray(Float32Array, 8 << 20); // 32 MiB: grows the memory
    expect(a.length).toBe(8);
    expect(a[7]).toBe(3);
    freeWasmArray(big);
    freeWasmArray(a);
  });

  it('plain memory: calls never grow it while it holds arrays (chunks or JavaScript instead)', () => {
    const k = loadWasmSync({ sharedMemory: false });
    const x = wasmArray(Float32Array, 16);
    x.fill(1);
    const size = k.memory.buffer.byteLength;
    for (const rows of [1, 64]) {
      // rows·n·4 bytes = 2× the memory: many rows are copied in chunks; one row goes to JS
      const n = size / 2 / rows;
      const big = filled(Float32Array, rows * n, 3, -5, 5);
      const out = new Float32Array(big.length);
      const ref = new Float32Array(big.length);
      wasmBackend.softmax({ x: big, y: out, rows, n, algorithm: 'three-pass', s: 1, log: false });
      jsBackend.softmax({ x: big, y: ref, rows, n, algorithm: 'three-pass', s: 1, log: false });
      expect(k.memory.buffer.byteLength).toBe(size);
      expect(x.length).toBe(16);
      let worst = 0;
      for (let i = 0; i < out.length; i += 97)
        worst = Math.max(worst, Math.abs(out[i]! - ref[i]!) / ref[i]!);
      expect(worst).toBeLessThan(5e-7);
    }
    // wasmArray itself may grow a plain memory, which detaches earlier views (documented)
    const huge = wasmArray(Float32Array, size);
    expect(x.length).toBe(0);
    freeWasmArray(huge);
  });
});
