import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { gemmBackend } from '../../src/kernels/backend.js';
import { gemmNN, gemmNT, gemmTN } from '../../src/kernels/gemm.js';
import * as js from '../../src/kernels/js/gemm.js';
import type { GemmForm, MatrixView } from '../../src/kernels/kernel-args.js';
import { wasmBackend } from '../../src/kernels/wasm/backend.js';
import { loadWasmSync } from '../../src/kernels/wasm/load.js';
import type { FloatArray } from '../../src/tensor/types.js';
import { filled } from './wasm/helpers.js';

type Type = Float32ArrayConstructor | Float64ArrayConstructor;
const FORMS: [GemmForm, typeof gemmNT, typeof gemmNT][] = [
  ['NT', gemmNT, js.gemmNT],
  ['NN', gemmNN, js.gemmNN],
  ['TN', gemmTN, js.gemmTN],
];

/** Operands of C[m×n] (+)= op(A)·op(B) with offsets and padded leading dimensions. */
function operands(form: GemmForm, m: number, n: number, k: number, types: Type[], seed: number) {
  const view = (type: Type, rows: number, cols: number, s: number, pad: number): MatrixView => ({
    data: filled(type, 3 + rows * (cols + pad), s, -2, 2),
    offset: 3,
    ld: cols + pad,
  });
  const A = form === 'TN' ? view(types[0]!, k, m, seed, 1) : view(types[0]!, m, k, seed, 1);
  const B = form === 'NT' ? view(types[1]!, n, k, seed + 1, 2) : view(types[1]!, k, n, seed + 1, 2);
  return { A, B, C: view(types[2]!, m, n, seed + 2, 3) };
}

const clone = (v: MatrixView): MatrixView => ({ ...v, data: v.data.slice() as FloatArray });

describe('gemm dispatch', () => {
  beforeAll(() => {
    loadWasmSync({ relaxedSimd: false });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('registers the wasm kernel through the backend registry', () => {
    expect(gemmBackend()).toBe(wasmBackend);
  });

  it('equals js/gemm.ts bit for bit on both sides of the size crossover (plain SIMD)', () => {
    const spy = vi.spyOn(wasmBackend, 'gemm');
    const sizes: [number, number, number, boolean][] = [
      [2, 3, 2, false], // too small to pay for the copies
      [15, 16, 16, false],
      [16, 16, 16, true],
      [64, 65, 33, true],
      [1, 300, 64, true],
      [64, 300, 1, false], // k = 1: copying C costs more than the product
    ];
    let seed = 1;
    for (const [form, gemm, ref] of FORMS)
      for (const [m, n, k, wasm] of sizes)
        for (const types of [
          [Float64Array, Float64Array, Float64Array],
          [Float32Array, Float32Array, Float64Array],
          [Float32Array, Float64Array, Float32Array],
        ] as Type[][])
          for (const beta of [0, 1] as const) {
            const { A, B, C } = operands(form, m, n, k, types, seed++);
            const [a, b] = [A.data.slice(), B.data.slice()];
            const want = clone(C);
            ref({ m, n, k, A, B, C: want, beta });
            spy.mockClear();
            gemm({ m, n, k, A, B, C, beta });
            expect(spy.mock.calls.length, `${form} ${m}×${n}×${k}`).toBe(wasm ? 1 : 0);
            expect(C.data).toEqual(want.data);
            expect(A.data).toEqual(a);
            expect(B.data).toEqual(b);
          }
  });

  it('runs the JavaScript kernel when the backend declines the call', () => {
    vi.spyOn(wasmBackend, 'gemm').mockReturnValue(false);
    for (const [form, gemm, ref] of FORMS) {
      const { A, B, C } = operands(form, 32, 32, 32, [Float64Array, Float32Array, Float64Array], 4);
      const want = clone(C);
      ref({ m: 32, n: 32, k: 32, A, B, C: want, beta: 1 });
      gemm({ m: 32, n: 32, k: 32, A, B, C, beta: 1 });
      expect(C.data).toEqual(want.data);
    }
  });

  it('keeps NaN and ∞ in their rows and columns (0·NaN = NaN)', () => {
    for (const [form, gemm] of FORMS) {
      const { A, B, C } = operands(form, 20, 24, 16, [Float64Array, Float64Array, Float64Array], 5);
      A.data.fill(0);
      B.data.fill(1);
      A.data[A.offset] = Number.NaN; // A(0, 0)
      const at = (p: number, j: number) => B.offset + (form === 'NT' ? j * B.ld + p : p * B.ld + j);
      B.data[at(3, 7)] = Number.POSITIVE_INFINITY; // B(3, 7): 0·∞ down column 7
      gemm({ m: 20, n: 24, k: 16, A, B, C, beta: 0 });
      for (let i = 0; i < 20; i++)
        for (let j = 0; j < 24; j++) {
          const v = C.data[C.offset + i * C.ld + j]!;
          if (i === 0 || j === 7) expect(v).toBeNaN();
          else expect(v).toBe(0);
        }
    }
  });

  it('uses JavaScript alone while no backend has a gemm (nothing force-loaded)', async () => {
    vi.resetModules();
    const backend = await import('../../src/kernels/backend.js');
    const fresh = await import('../../src/kernels/gemm.js');
    expect(backend.gemmBackend()).toBeUndefined();
    const { A, B, C } = operands('NT', 64, 64, 64, [Float32Array, Float32Array, Float64Array], 6);
    const want = clone(C);
    js.gemmNT({ m: 64, n: 64, k: 64, A, B, C: want, beta: 0 });
    fresh.gemmNT({ m: 64, n: 64, k: 64, A, B, C, beta: 0 });
    expect(C.data).toEqual(want.data);
  });
});
