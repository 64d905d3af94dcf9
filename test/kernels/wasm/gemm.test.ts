// Tests src/kernels/wasm/gemm.ts and, through the generated module, assembly/gemm.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gemmNN, gemmNT, gemmTN } from '../../../src/kernels/js/gemm.js';
import type { GemmForm, MatrixView } from '../../../src/kernels/kernel-args.js';
import { wasmGemm } from '../../../src/kernels/wasm/gemm.js';
import { loadWasmSync } from '../../../src/kernels/wasm/load.js';
import { freeWasmArray, wasmArray } from '../../../src/kernels/wasm/memory.js';
import type { FloatArray } from '../../../src/tensor/types.js';
import { enableRelaxedSimd, filled, VARIANTS } from './helpers.js';

type Type = Float32ArrayConstructor | Float64ArrayConstructor;
const JS: Record<GemmForm, typeof gemmNT> = { NT: gemmNT, NN: gemmNN, TN: gemmTN };
const FORMS: GemmForm[] = ['NT', 'NN', 'TN'];
const SIZES = [1, 3, 4, 5, 17, 64, 65];

/** Stored shapes [rows, cols] of A and B for a form. */
function shapes(form: GemmForm, m: number, n: number, k: number): [number, number][] {
  return [form === 'TN' ? [k, m] : [m, k], form === 'NT' ? [n, k] : [k, n]];
}

/** A rows × cols view with an offset and a padded leading dimension, values in [−2, 2). */
function operand(type: Type, rows: number, cols: number, seed: number, pad = 3, off = 5) {
  const ld = cols + pad;
  return { data: filled(type, off + rows * ld + pad, seed, -2, 2), offset: off, ld };
}

const abs = (v: MatrixView): MatrixView => ({ ...v, data: v.data.map(Math.abs) as FloatArray });
const copy = (v: MatrixView): MatrixView => ({ ...v, data: v.data.slice() });

interface Case {
  form: GemmForm;
  m: number;
  n: number;
  k: number;
  A: MatrixView;
  B: MatrixView;
  C: MatrixView;
  beta: 0 | 1;
}

function makeCase(
  form: GemmForm,
  [m, n, k]: number[],
  beta: 0 | 1,
  [ta, tb, tc]: Type[],
  seed: number,
): Case {
  const [[ar, ac], [br, bc]] = shapes(form, m!, n!, k!);
  const A = operand(ta!, ar!, ac!, seed);
  const B = operand(tb!, br!, bc!, seed + 1, 1, 2);
  const C = operand(tc!, m!, n!, seed + 2, 2, 7);
  return { form, m: m!, n: n!, k: k!, A, B, C, beta };
}

/** Runs the case through JS and wasm; returns [js C, wasm C, |C| + Σ|a·b| bound data]. */
function run(c: Case): [FloatArray, FloatArray, FloatArray] {
  const { form, m, n, k, A, B, beta } = c;
  const ref = copy(c.C);
  const got = copy(c.C);
  const mag = { ...abs(c.C), data: Float64Array.from(c.C.data, Math.abs) };
  JS[form]({ m, n, k, A, B, C: ref, beta });
  JS[form]({ m, n, k, A: abs(A), B: abs(B), C: mag, beta });
  expect(wasmGemm({ form, m, n, k, A, B, C: got, beta })).toBe(true);
  return [ref.data, got.data, mag.data];
}

/**
 * Plain SIMD: bit-identical to js/gemm.ts. Relaxed (FMA): both within γ_{k+1}·(|C| + Σ|a·b|)
 * of the exact value (plus one Float32 rounding of C).
 */
function check(c: Case, relaxed: boolean, what: string): void {
  const [ref, got, mag] = run(c);
  const tol = relaxed ? 2 * (c.k + 2) * 2 ** -53 : 0;
  const f32 = relaxed && ref instanceof Float32Array ? 2 ** -23 : 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i]! - ref[i]!);
    if (!(d <= tol * mag[i]! + f32 * Math.abs(ref[i]!)) && !Object.is(got[i], ref[i]))
      throw new Error(`${what}: entry ${i}: ${got[i]} vs ${ref[i]}`);
  }
}

await enableRelaxedSimd();

for (const variant of VARIANTS) {
  describe(`wasm gemm (${variant.name})`, () => {
    const relaxed = variant.relaxedSimd;
    beforeAll(() => {
      loadWasmSync(variant);
    });
    afterAll(() => {
      loadWasmSync();
    });

    it('matches the JS kernel for every form, odd sizes, offsets and strides (Float64)', () => {
      let seed = 1;
      for (const form of FORMS)
        for (const m of SIZES)
          for (const n of SIZES)
            for (const k of SIZES) {
              const beta = (seed & 1) as 0 | 1;
              const T = [Float64Array, Float64Array, Float64Array];
              check(makeCase(form, [m, n, k], beta, T, seed++), relaxed, `${form} ${m}×${n}×${k}`);
            }
    });

    it('takes Float32 and mixed operands into Float32 or Float64 C, beta 0 and 1', () => {
      const types: Type[] = [Float32Array, Float64Array];
      let seed = 100;
      for (const form of FORMS)
        for (const size of [
          [5, 17, 3],
          [64, 65, 17],
          [1, 64, 65],
          [17, 4, 64],
        ])
          for (const ta of types)
            for (const tb of types)
              for (const tc of types)
                for (const beta of [0, 1] as const) {
                  const what = `${form} ${size} ${ta.name} ${tb.name} → ${tc.name} beta=${beta}`;
                  check(makeCase(form, size, beta, [ta, tb, tc], seed++), relaxed, what);
                }
    });

    it('splits products larger than its scratch budget into chunks of rows', () => {
      for (const form of FORMS) {
        const types = [Float32Array, Float64Array, Float64Array];
        check(makeCase(form, [3001, 256, 64], 1, types, 11), relaxed, `${form} 3001×256×64`);
      }
    });

    it('propagates NaN and ∞ as the JS kernel does (0·NaN = NaN, 0·∞ = NaN)', () => {
      for (const form of FORMS) {
        const c = makeCase(form, [9, 6, 7], 0, [Float64Array, Float32Array, Float64Array], 7);
        const a = c.A.data;
        const b = c.B.data;
        a.fill(0);
        a[c.A.offset] = Number.NaN; // A(0, 0)
        a[c.A.offset + (form === 'TN' ? 1 : c.A.ld)] = Number.POSITIVE_INFINITY; // A(1, 0)
        b.fill(0);
        const [ref, got] = run(c);
        expect(got).toEqual(ref);
        expect(got[c.C.offset]).toBeNaN();
        expect(got[c.C.offset + c.C.ld + 5]).toBeNaN();
        expect(got[c.C.offset + 2 * c.C.ld]).toBe(0);
      }
    });

    it('does not modify A or B, nor C outside its m×n block', () => {
      for (const form of FORMS) {
        const c = makeCase(form, [6, 5, 9], 1, [Float32Array, Float64Array, Float32Array], 3);
        const [a, b] = [c.A.data.slice(), c.B.data.slice()];
        const got = copy(c.C);
        expect(wasmGemm({ form, m: c.m, n: c.n, k: c.k, A: c.A, B: c.B, C: got, beta: 1 })).toBe(
          true,
        );
        expect(c.A.data).toEqual(a);
        expect(c.B.data).toEqual(b);
        for (let i = 0; i < got.data.length; i++) {
          const r = Math.floor((i - c.C.offset) / c.C.ld);
          const j = i - c.C.offset - r * c.C.ld;
          if (r < 0 || r >= c.m || j >= c.n) expect(got.data[i]).toBe(c.C.data[i]);
        }
      }
    });

    it('reads and writes operands that live in the wasm memory', () => {
      const A = wasmArray(Float32Array, 40 * 30);
      const C = wasmArray(Float64Array, 40 * 20);
      A.set(filled(Float32Array, A.length, 5, -1, 1));
      const B = operand(Float64Array, 20, 30, 6, 0, 0);
      const Av = { data: A, offset: 0, ld: 30 };
      const ref = { data: new Float64Array(C.length), offset: 0, ld: 20 };
      gemmNT({ m: 40, n: 20, k: 30, A: Av, B, C: ref, beta: 0 });
      expect(
        wasmGemm({
          form: 'NT',
          m: 40,
          n: 20,
          k: 30,
          A: Av,
          B,
          C: { data: C, offset: 0, ld: 20 },
          beta: 0,
        }),
      ).toBe(true);
      if (!relaxed) expect(C).toEqual(ref.data);
      freeWasmArray(C);
      freeWasmArray(A);
    });

    if (!variant.sharedMemory)
      it('declines (false) rather than grow a plain memory that holds arrays', () => {
        loadWasmSync(variant); // a fresh memory of 32 pages
        const held = wasmArray(Float64Array, 16);
        const c = makeCase('NN', [256, 256, 256], 0, [Float64Array, Float64Array, Float64Array], 9);
        expect(
          wasmGemm({ form: 'NN', m: 256, n: 256, k: 256, A: c.A, B: c.B, C: copy(c.C), beta: 0 }),
        ).toBe(false);
        expect(held.byteLength).toBe(128);
        freeWasmArray(held);
        check(c, false, 'after the array is freed');
      });
  });
}
