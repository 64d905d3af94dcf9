// Tests src/kernels/wasm/backend.ts and, through the generated module, the AssemblyScript row
// kernels (assembly/softmax-rows.ts, cross-entropy-rows.ts and the passes they call).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsBackend, type SoftmaxAlgorithm } from '../../../src/kernels/backend.js';
import {
  expScaleRows as expScaleRowsJs,
  splitStateRows as splitStateRowsJs,
} from '../../../src/kernels/js/logit-tiles.js';
import { wasmBackend } from '../../../src/kernels/wasm/backend.js';
import { loadWasmSync } from '../../../src/kernels/wasm/load.js';
import { freeWasmArray, wasmArray } from '../../../src/kernels/wasm/memory.js';
import { crossEntropy } from '../../../src/losses/cross-entropy.js';
import { logSoftmax, logSoftmaxVjp } from '../../../src/normalizers/log-softmax.js';
import { logSumExp, logSumExpVjp } from '../../../src/normalizers/log-sum-exp.js';
import { softmax, softmaxVjp } from '../../../src/normalizers/softmax.js';
import type { FloatArray } from '../../../src/tensor/types.js';
import { fdVjp, gradError } from '../../helpers/finite-difference.js';
import {
  dec,
  refLogSumExp,
  refLogSumExpGrouped,
  refSoftmax,
  refSoftmaxGrouped,
  ulpError,
} from '../../helpers/reference.js';
import { enableRelaxedSimd, filled, maxDistance, TINY32, VARIANTS } from './helpers.js';

const ALGS: SoftmaxAlgorithm[] = ['three-pass', 'two-pass', 'online'];
const TYPES = [Float32Array, Float64Array] as const;
const SIZES = [1, 3, 4, 5, 15, 16, 17, 1000];
/** Bounds vs the JS reference: Float32 in ulps, Float64 relative. */
const bound = (a: FloatArray) => (a instanceof Float32Array ? 4 : 1e-14);

/** Rows that exercise the kernels: mixed ranges, [90, 100] (f32 e^x overflows), a dominant entry. */
function rowsFor(type: (typeof TYPES)[number], n: number, seed: number): FloatArray {
  const x = filled(type, 4 * n, seed, -10, 10);
  for (let i = n; i < 2 * n; i++) x[i] = 90 + ((x[i]! + 10) / 20) * 10;
  x[2 * n] = 60; // row 2: one entry dominates by e^50
  for (let i = 3 * n; i < 4 * n; i++) x[i] = x[i]! * 1e-3;
  return x;
}

await enableRelaxedSimd();

for (const variant of VARIANTS) {
  describe(`wasm backend (${variant.name})`, () => {
    beforeAll(() => {
      const k = loadWasmSync(variant);
      expect(k.relaxedSimd).toBe(variant.relaxedSimd);
      expect(k.sharedMemory).toBe(variant.sharedMemory);
    });

    it('softmax and logSoftmax match the JS reference (all algorithms, sizes, scales)', () => {
      for (const type of TYPES)
        for (const n of SIZES)
          for (const alg of ALGS)
            for (const log of [false, true])
              for (const s of [1, 0.7]) {
                const x = rowsFor(type, n, n + 1);
                const a = new type(x.length);
                const b = new type(x.length);
                jsBackend.softmax({ x, y: a, rows: 4, n, algorithm: alg, s, log });
                wasmBackend.softmax({ x, y: b, rows: 4, n, algorithm: alg, s, log });
                const d = maxDistance(b, a);
                if (d > bound(a))
                  throw new Error(`${type.name} n=${n} ${alg} log=${log} s=${s}: ${d}`);
              }
    });

    it('the vjps match the JS reference', () => {
      for (const type of TYPES)
        for (const n of SIZES)
          for (const alg of ALGS)
            for (const log of [false, true]) {
              const x = rowsFor(type, n, 7 * n);
              const dy = filled(type, x.length, n + 3, -1, 1);
              const a = new type(x.length);
              const b = new type(x.length);
              jsBackend.softmaxVjp({ x, dy, dx: a, rows: 4, n, algorithm: alg, s: 0.8, log });
              wasmBackend.softmaxVjp({ x, dy, dx: b, rows: 4, n, algorithm: alg, s: 0.8, log });
              // differences of nearly equal terms: absolute below 1, relative above
              let worst = 0;
              for (let i = 0; i < a.length; i++)
                worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(a[i]!)));
              expect(worst, `${type.name} n=${n} ${alg} log=${log}`).toBeLessThan(
                type === Float32Array ? 5e-7 : 1e-14,
              );
            }
    });

    it('logSumExp matches the JS reference', () => {
      for (const type of TYPES)
        for (const n of SIZES)
          for (const alg of ALGS) {
            const x = rowsFor(type, n, 3 * n);
            const a = new type(4);
            const b = new type(4);
            jsBackend.logSumExp({ x, out: a, rows: 4, n, algorithm: alg, s: 1 });
            wasmBackend.logSumExp({ x, out: b, rows: 4, n, algorithm: alg, s: 1 });
            expect(maxDistance(b, a), `${type.name} n=${n} ${alg}`).toBeLessThanOrEqual(bound(a));
          }
    });

    it('non-finite rows equal the reference exactly (−∞, all −∞, +∞, NaN)', () => {
      const rows = [
        [1, -Infinity, 3, -Infinity, 2],
        [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity],
        [1, Infinity, 2, Infinity, -Infinity],
        [1, Number.NaN, 2, 3, 4],
        [Number.NaN, -Infinity, -Infinity, -Infinity, -Infinity],
      ];
      for (const type of TYPES)
        for (const alg of ALGS)
          for (const log of [false, true]) {
            const x = type.from(rows.flat());
            const dy = type.from(rows.flat().map((_, i) => (i % 3) - 1));
            const pairs: [FloatArray, FloatArray][] = [];
            const a = new type(x.length);
            const b = new type(x.length);
            jsBackend.softmax({ x, y: a, rows: 5, n: 5, algorithm: alg, s: 1, log });
            wasmBackend.softmax({ x, y: b, rows: 5, n: 5, algorithm: alg, s: 1, log });
            pairs.push([a, b]);
            const ga = new type(x.length);
            const gb = new type(x.length);
            jsBackend.softmaxVjp({ x, dy, dx: ga, rows: 5, n: 5, algorithm: alg, s: 1, log });
            wasmBackend.softmaxVjp({ x, dy, dx: gb, rows: 5, n: 5, algorithm: alg, s: 1, log });
            pairs.push([ga, gb]);
            const la = new type(5);
            const lb = new type(5);
            jsBackend.logSumExp({ x, out: la, rows: 5, n: 5, algorithm: alg, s: 1 });
            wasmBackend.logSumExp({ x, out: lb, rows: 5, n: 5, algorithm: alg, s: 1 });
            pairs.push([la, lb]);
            for (const [u, v] of pairs) {
              // the finite row 0 within bounds, rows 1–4 bit for bit
              expect(maxDistance(v, u)).toBeLessThanOrEqual(bound(u));
              for (let i = 0; i < u.length; i++)
                if (!Number.isFinite(u[i]!) || u.length === 5 ? i > 0 : i >= 5)
                  expect(Object.is(u[i], v[i]) || (u[i] === 0 && v[i] === 0)).toBe(true);
            }
          }
    });

    it('softmax, log-softmax and logSumExp by batches of rows: partial batches, non-finite rows inside them', () => {
      // 19 rows: batches of 8 (n = 16), 4 (n = 1000 f32) or 1 row, or (Float32
      // three-pass at s = 1, n = 16) groups of four rows with a last group of three;
      // rows 0, 7, 8, 18 not finite; row 3 near 3e6 (beyond the f32 two-pass split:
      // three-pass inside a batch); row 5 has its max twice, row 6 one dominant entry
      const special = new Map([
        [0, Number.NaN],
        [7, Infinity],
        [8, -Infinity],
        [18, Number.NaN],
      ]);
      for (const type of TYPES)
        for (const n of [16, 1000, 5000])
          for (const alg of ALGS) {
            const rows = 19;
            const x = filled(type, rows * n, n, -20, 20);
            for (const [r, v] of special)
              for (let j = 0; j < n; j += r === 8 ? 1 : 3) x[r * n + j] = v;
            for (let j = 3 * n; j < 4 * n; j++) x[j] = x[j]! + 3e6;
            x[5 * n + 1] = 30;
            x[5 * n + 4] = 30;
            x[6 * n + 2] = 60;
            const pairs: [FloatArray, FloatArray][] = [];
            for (const sc of [0.9, 1]) {
              for (const log of [true, false]) {
                const a = new type(x.length);
                const b = new type(x.length);
                jsBackend.softmax({ x, y: a, rows, n, algorithm: alg, s: sc, log });
                wasmBackend.softmax({ x, y: b, rows, n, algorithm: alg, s: sc, log });
                pairs.push([a, b]);
              }
              const la = new type(rows);
              const lb = new type(rows);
              jsBackend.logSumExp({ x, out: la, rows, n, algorithm: alg, s: sc });
              wasmBackend.logSumExp({ x, out: lb, rows, n, algorithm: alg, s: sc });
              pairs.push([la, lb]);
            }
            for (const [u, v] of pairs) {
              const m = u.length / rows;
              for (let r = 0; r < rows; r++) {
                const ur = u.subarray(r * m, (r + 1) * m);
                const vr = v.subarray(r * m, (r + 1) * m);
                if (special.has(r)) expect(ur.every((e, i) => Object.is(e, vr[i]))).toBe(true);
                else
                  expect(
                    maxDistance(vr, ur),
                    `${type.name} n=${n} ${alg} row ${r}`,
                  ).toBeLessThanOrEqual(bound(ur));
              }
            }
          }
    });

    it('crossEntropy matches the JS reference (smoothing, weights, ignored and masked targets, batches)', () => {
      // 19 rows: batches of 8, 8 and 3 (n = 37), or (Float32, no smoothing, n ≤ 16) groups
      // of four rows with a last group of three; NaN and +∞ rows (the JS reference takes
      // them) inside
      const rows = 19;
      for (const n of [37, 16, 6])
        for (const type of TYPES)
          for (const smoothing of [0, 0.1])
            for (const weighted of [false, true]) {
              const x = new type(rows * n);
              x.set(rowsFor(type, n, 11));
              x.set(filled(type, 15 * n, 12, -3, 3), 4 * n);
              x[5 * n + 2] = -Infinity;
              x[8 * n + 1] = -Infinity; // class 1 has weight 0 when weighted: no 0·∞ in its loss
              x[9 * n + 4] = Number.NaN;
              x[16 * n + (30 % n)] = Infinity;
              const targets = Int32Array.from({ length: rows }, (_, r) =>
                r < 6 ? [0, 5, -1, 36, 9, 2][r]! % n : r === 12 ? -1 : (r * 11) % n,
              );
              const w = weighted ? filled(Float64Array, n, 5, 0, 2) : undefined;
              if (w) w[1] = 0;
              const scale = Float64Array.from({ length: rows }, (_, r) => 1 / (r + 1));
              const out = [0, 1].map(() => ({
                loss: new Float64Array(rows),
                lse: new Float64Array(rows),
                grad: new type(rows * n),
              }));
              for (const [k, backend] of [jsBackend, wasmBackend].entries()) {
                const { loss, lse, grad } = out[k]!;
                const classWeight = w as Float64Array;
                backend.crossEntropy({
                  x,
                  targets,
                  rows,
                  n,
                  smoothing,
                  classWeight,
                  scale,
                  loss,
                  lse,
                  grad,
                });
              }
              // Float32 logits: lse and loss carry the f32 exp's error (≤ 2^−23 relative)
              const tol = type === Float32Array ? 5e-7 : 1e-14;
              expect(maxDistance(out[1]!.lse, out[0]!.lse)).toBeLessThanOrEqual(tol);
              expect(out[1]!.loss[5]).toBe(out[0]!.loss[5]); // masked logit: +∞ when smoothing
              expect(out[1]!.loss[9]).toBeNaN();
              expect(Number.isFinite(out[1]!.loss[8]!)).toBe(weighted || smoothing === 0);
              for (let r = 0; r < rows; r++)
                if (!Object.is(out[1]!.loss[r], out[0]!.loss[r]))
                  expect(Math.abs(out[1]!.loss[r]! - out[0]!.loss[r]!)).toBeLessThanOrEqual(
                    tol * Math.max(1, Math.abs(out[0]!.loss[r]!)),
                  );
              let worst = 0;
              const [ga, gb] = [out[0]!.grad, out[1]!.grad];
              for (let i = 0; i < ga.length; i++)
                if (!Object.is(ga[i], gb[i])) worst = Math.max(worst, Math.abs(ga[i]! - gb[i]!));
              expect(worst).toBeLessThan(type === Float32Array ? 2e-7 : 1e-14);
            }
    });

    it('the logit-tile kernels match the JS reference (split states, exp-scale), special rows too', () => {
      const n = 37;
      const x = filled(Float64Array, 6 * n, 11, -30, 30) as Float64Array;
      x[n + 5] = 80; // row 1: one entry dominates (u ≈ 1e−22)
      x.fill(-Infinity, 2 * n, 3 * n); // row 2: fully masked
      x[3 * n + 4] = Number.POSITIVE_INFINITY; // row 3: +∞
      x[4 * n + 9] = Number.NaN; // row 4: NaN
      x[5 * n + 1] = -Infinity; // row 5: one masked entry
      const m = [new Float64Array(6), new Float64Array(6)];
      const u = [new Float64Array(6), new Float64Array(6)];
      splitStateRowsJs({ x, rows: 6, n, m: m[0]!, u: u[0]! });
      expect(wasmBackend.splitStateRows!({ x, rows: 6, n, m: m[1]!, u: u[1]! })).toBe(true);
      expect(Array.from(m[1]!)).toEqual(Array.from(m[0]!));
      expect(maxDistance(u[1]!, u[0]!)).toBeLessThan(1e-15);
      const f = Float64Array.of(1, 0.25, 2, 3, 4, 1e-3);
      const a = new Float64Array(x.length);
      const b = new Float64Array(x.length);
      const lse = Float64Array.of(31, 80.5, 0, 0, 0, 29);
      expScaleRowsJs({ x, y: a, rows: 6, n, m: lse, f });
      expect(wasmBackend.expScaleRows!({ x, y: b, rows: 6, n, m: lse, f })).toBe(true);
      for (const r of [0, 1, 5])
        expect(
          maxDistance(b.subarray(r * n, (r + 1) * n), a.subarray(r * n, (r + 1) * n)),
        ).toBeLessThan(4e-16);
      expect(b[5 * n + 1]).toBe(0);
    });

    if (!variant.sharedMemory)
      it('the logit-tile kernels decline rather than grow a plain memory that holds arrays', () => {
        const k = loadWasmSync(variant); // a fresh memory
        const held = wasmArray(Float64Array, 16);
        const size = k.memory.buffer.byteLength;
        const n = 512;
        const rows = Math.ceil(size / (n * 8)); // a tile larger than the whole memory
        const x = new Float64Array(rows * n).fill(0.5);
        const m = new Float64Array(rows);
        const u = new Float64Array(rows);
        expect(wasmBackend.splitStateRows!({ x, rows, n, m, u })).toBe(false);
        expect(wasmBackend.expScaleRows!({ x, y: x, rows, n, m, f: u })).toBe(false);
        expect(k.memory.buffer.byteLength).toBe(size);
        expect(held.byteLength).toBe(128);
        freeWasmArray(held);
        expect(wasmBackend.splitStateRows!({ x, rows: 4, n, m, u })).toBe(true);
        expect(u[0]).toBe(n - 1);
      });

    it('agrees with the JS reference on random rows (fast-check)', () => {
      fc.assert(
        fc.property(
          fc.array(fc.float({ min: -80, max: 80, noNaN: true }), { minLength: 1, maxLength: 70 }),
          fc.constantFrom(...ALGS),
          fc.boolean(),
          (v, alg, log) => {
            const x = Float32Array.from(v);
            const a = new Float32Array(x.length);
            const b = new Float32Array(x.length);
            jsBackend.softmax({ x, y: a, rows: 1, n: x.length, algorithm: alg, s: 1, log });
            wasmBackend.softmax({ x, y: b, rows: 1, n: x.length, algorithm: alg, s: 1, log });
            return maxDistance(b, a) <= 4;
          },
        ),
        { numRuns: 200 },
      );
    });
  });
}

describe('wasm backend accuracy against 60-digit references', () => {
  beforeAll(() => loadWasmSync());

  it('Float32 softmax of rows in [90, 100] within 4 ulp; Float64 within 1e-14', () => {
    for (const type of TYPES)
      for (const alg of ALGS) {
        const x = filled(type, 1000, 99, 90, 100);
        const y = softmax(x, { backend: 'wasm', algorithm: alg });
        const ref = refSoftmax(x);
        let worst = 0;
        for (let i = 0; i < x.length; i++)
          worst = Math.max(
            worst,
            type === Float32Array
              ? ulpError(y[i]!, ref[i]!, true)
              : dec(y[i]!).minus(ref[i]!).abs().div(ref[i]!).toNumber(),
          );
        expect(worst, `${type.name} ${alg}`).toBeLessThanOrEqual(bound(x));
      }
  });

  it('a Float32 row of 10^6 (1000 distinct values, random order) within 4 ulp', () => {
    const values = Array.from(filled(Float32Array, 1000, 5, -30, 30));
    const counts = values.map(() => 1000);
    const n = 1_000_000;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = values[(i * 7919) % 1000]!;
    const ref = refSoftmaxGrouped(values, counts);
    const lse = refLogSumExpGrouped(values, counts);
    for (const alg of ALGS) {
      const y = softmax(x, { backend: 'wasm', algorithm: alg });
      const ly = logSoftmax(x, { backend: 'wasm', algorithm: alg });
      let worst = 0;
      let worstLog = 0;
      for (let j = 0; j < 1000; j++) {
        const i = (j * 7919) % 1000; // x[j] = values[i]
        if (ref[i]!.toNumber() >= TINY32) worst = Math.max(worst, ulpError(y[j]!, ref[i]!, true));
        worstLog = Math.max(worstLog, ulpError(ly[j]!, dec(values[i]!).minus(lse), true));
      }
      expect(worst, alg).toBeLessThanOrEqual(4);
      expect(worstLog, alg).toBeLessThanOrEqual(4);
      expect(
        ulpError(logSumExp(x, { backend: 'wasm', algorithm: alg })[0]!, lse, true),
      ).toBeLessThanOrEqual(1);
    }
  });

  it('Float32 short rows (four at a time): softmax, log-softmax within 4 ulp, logSumExp within 1', () => {
    // 7 rows (a group of four, then one of three) of every width up to 16; row 1 has
    // its max three times, row 2 one entry 60 above the rest, row 5 a spread [−80, 0]
    for (let n = 1; n <= 16; n++) {
      const rows = 7;
      const x = filled(Float32Array, rows * n, 40 + n, -30, 30);
      for (const j of [0, 2, n - 1]) x[n + j] = 31;
      x[2 * n + (n >> 1)] = 90;
      for (let j = 0; j < n; j++) x[5 * n + j] = Math.fround(-80 * (j / n));
      const shape = [rows, n];
      const y = softmax(x, { shape, backend: 'wasm' });
      const ly = logSoftmax(x, { shape, backend: 'wasm' });
      const lse = logSumExp(x, { shape, backend: 'wasm' });
      for (let r = 0; r < rows; r++) {
        const row = Array.from(x.subarray(r * n, (r + 1) * n));
        const ref = refSoftmax(row);
        const refL = refLogSumExp(row);
        for (let j = 0; j < n; j++) {
          if (ref[j]!.toNumber() >= TINY32)
            expect(ulpError(y[r * n + j]!, ref[j]!, true), `n=${n} row ${r}`).toBeLessThanOrEqual(
              4,
            );
          expect(ulpError(ly[r * n + j]!, dec(row[j]!).minus(refL), true)).toBeLessThanOrEqual(4);
        }
        expect(ulpError(lse[r]!, refL, true), `n=${n} row ${r}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it('Float32 logSumExp near zero (max + log Σ cancelling) within 2 ulp; cross-entropy lse too', () => {
    // each row shifted by its own log Σ e^(s·x) / s less 1e−6 and rounded to f32: the
    // result is ~1e−6 (log Σ ~1–10), where f32 exps (2^−24 of log Σ) alone would be off
    // by ~1e5 ulps; the double-precision sum holds down to |result| ≈ 1e−8·log Σ
    for (const n of [2, 5, 16, 17, 100, 3000])
      for (const s of [1, 0.7]) {
        const rows = 6;
        const x = filled(Float32Array, rows * n, 7 * n, -3, 3);
        for (let r = 0; r < rows; r++) {
          const row = x.subarray(r * n, (r + 1) * n);
          const shift =
            refLogSumExp(row, 1 / s)
              .div(s)
              .toNumber() - 1e-6;
          for (let j = 0; j < n; j++) row[j] = row[j]! - shift;
        }
        // the 60-digit references, once per row (they dominate the test's time)
        const refs = Array.from({ length: rows }, (_, r) =>
          refLogSumExp(x.subarray(r * n, (r + 1) * n), 1 / s),
        );
        for (const alg of ALGS) {
          const lse = new Float32Array(rows);
          wasmBackend.logSumExp({ x, out: lse, rows, n, algorithm: alg, s });
          for (let r = 0; r < rows; r++) {
            const ref = refs[r]!;
            expect(Math.abs(ref.toNumber())).toBeLessThan(2e-6);
            expect(
              ulpError(lse[r]!, ref, true),
              `n=${n} s=${s} ${alg} row ${r}`,
            ).toBeLessThanOrEqual(2);
          }
        }
        if (s !== 1) continue;
        const shape = [rows, n];
        const targets = Int32Array.from({ length: rows }, (_, r) => r % n);
        const ce = crossEntropy(x, targets, { shape, returnLse: true, backend: 'wasm' });
        const lse = logSumExp(x, { shape, backend: 'wasm' });
        for (let r = 0; r < rows; r++) {
          const ref = refs[r]!; // s = 1 here
          expect(
            ulpError(ce.lse![r]!, ref, true),
            `crossEntropy n=${n} row ${r}`,
          ).toBeLessThanOrEqual(2);
          expect(ulpError(lse[r]!, ref, true), `logSumExp n=${n} row ${r}`).toBeLessThanOrEqual(2);
        }
      }
  });

  it('log-softmax of a dominant entry keeps its tiny log-probability (log1p path)', () => {
    for (const type of TYPES) {
      const x = type.from([40, 0, -3, 1]);
      const y = logSoftmax(x, { backend: 'wasm' });
      const exact = dec(x[0]!).minus(refLogSumExpGrouped(Array.from(x), [1, 1, 1, 1]));
      const err = ulpError(y[0]!, exact, type === Float32Array);
      expect(err).toBeLessThanOrEqual(type === Float32Array ? 4 : 45);
    }
  });

  it("Float32 log-softmax keeps a dominant entry's subnormal log-probability", () => {
    // log p_0 = −log1p(e^−100 + e^−120) ≈ −3.7e−44: a subnormal float32 (terms below 2^−126 kept)
    const x = Float32Array.from([0, -100, -120, -100]);
    const exact = dec(x[0]!).minus(refLogSumExpGrouped(Array.from(x), [1, 1, 1, 1]));
    for (const alg of ALGS) {
      const y = logSoftmax(x, { backend: 'wasm', algorithm: alg });
      expect(ulpError(y[0]!, exact, true), alg).toBeLessThanOrEqual(1);
    }
  });

  it('cross-entropy of a confident row keeps its tiny loss; a spread row its gradient', () => {
    const n = 1000;
    for (const type of TYPES)
      for (const confident of [true, false]) {
        // confident: Σ e^(x − max) < 2 (the compensated sum); spread: Σ ≫ 2 (the plain one)
        const x = filled(type, n, 21, -3, 3);
        const t = 17;
        if (confident) x[t] = 30;
        const out = { loss: new Float64Array(1), lse: new Float64Array(1), grad: new type(n) };
        wasmBackend.crossEntropy({
          x,
          targets: Int32Array.of(t),
          rows: 1,
          n,
          smoothing: 0,
          classWeight: undefined,
          scale: Float64Array.of(1),
          loss: out.loss,
          lse: out.lse,
          grad: out.grad,
        });
        const lse = refLogSumExpGrouped(Array.from(x), new Array(n).fill(1));
        const loss = lse.minus(dec(x[t]!));
        const f32 = type === Float32Array;
        // Float32: the f32 exp's error (≤ 1 ulp per term); Float64: ≤ 1e−14
        expect(dec(out.loss[0]!).minus(loss).abs().div(loss).toNumber()).toBeLessThan(
          f32 ? 3e-7 : 1e-14,
        );
        const p = refSoftmax(x);
        let worst = 0;
        for (let j = 0; j < n; j++)
          if (j !== t) worst = Math.max(worst, ulpError(out.grad[j]!, p[j]!, f32));
        expect(worst, `${type.name} confident=${confident}`).toBeLessThanOrEqual(f32 ? 4 : 45);
        const gt = p[t]!.minus(1);
        expect(dec(out.grad[t]!).minus(gt).abs().div(gt.abs()).toNumber()).toBeLessThan(
          f32 ? 1e-5 : 1e-6,
        );
      }
  });

  it("cross-entropy's target entry keeps its relative accuracy as p_t → 1, both backends", () => {
    // margins 20, 30, 40: 1 − p_t ≈ 5e−7, 2e−11, 1e−15; scale·w_t·(p_t − 1) formed as
    // f·e_t − q_t was 8% off at 40 (the old JS and WebAssembly kernels alike)
    const n = 100;
    for (const type of TYPES)
      for (const backend of [jsBackend, wasmBackend])
        for (const margin of [20, 30, 40]) {
          const x = filled(type, n, 41, -2, 2);
          x[3] = margin;
          const w = filled(Float64Array, n, 42, 0.5, 2) as Float64Array;
          const out = { loss: new Float64Array(1), lse: new Float64Array(1), grad: new type(n) };
          const args = { targets: Int32Array.of(3), rows: 1, n, smoothing: 0, classWeight: w };
          backend.crossEntropy({ x, ...args, scale: Float64Array.of(0.25), ...out });
          const want = refSoftmax(x)[3]!
            .minus(1)
            .times(0.25 * w[3]!);
          const f32 = type === Float32Array;
          const err = f32
            ? ulpError(out.grad[3]!, want, true)
            : dec(out.grad[3]!).minus(want).abs().div(want.abs()).toNumber();
          expect(err, `${type.name} ${backend.name} ${margin}`).toBeLessThanOrEqual(
            f32 ? 2 : 1e-14,
          );
        }
  });

  it('label smoothing: gradient entries near 0 (p_j ≈ ε/n, the two terms cancelling) in Float32 within 4 ulp', () => {
    // p_j = ε/n·(1 + δ_j), |δ_j| ≤ 1e−3, beside a target of 1 − ε(n − 1)/n: each
    // g_j = (Σq)·p_j − ε/n is ~1e−3 of its terms, where f32 exps (and an f32 Σ) would be
    // off by ~1e3 ulps. Float64 (either backend) holds 1e−14 of the terms, not of g_j.
    const n = 50;
    const eps = 0.1;
    const t = 7;
    for (const type of TYPES)
      for (const backend of [jsBackend, wasmBackend]) {
        const d = filled(Float64Array, n, 31, -1e-3, 1e-3);
        const x = new type(n);
        for (let j = 0; j < n; j++)
          x[j] = Math.log(j === t ? 1 - (eps * (n - 1)) / n : (eps / n) * (1 + d[j]!));
        const out = { loss: new Float64Array(1), lse: new Float64Array(1), grad: new type(n) };
        const args = {
          targets: Int32Array.of(t),
          rows: 1,
          n,
          smoothing: eps,
          classWeight: undefined,
        };
        backend.crossEntropy({ x, ...args, scale: Float64Array.of(1), ...out });
        const p = refSoftmax(x);
        let worst = 0;
        for (let j = 0; j < n; j++) {
          const q = (j === t ? 1 - eps : 0) + eps / n;
          const g = p[j]!.minus(q);
          const err = dec(out.grad[j]!).minus(g).abs().div(q).toNumber();
          worst = Math.max(worst, type === Float32Array ? ulpError(out.grad[j]!, g, true) : err);
        }
        expect(worst, `${type.name} ${backend.name}`).toBeLessThanOrEqual(
          type === Float32Array ? 4 : 1e-14,
        );
      }
  });

  it('Float64 vjps agree with central finite differences', () => {
    const x = filled(Float64Array, 24, 3, -2, 2) as Float64Array;
    const dy = filled(Float64Array, 24, 4, -1, 1);
    const opts = { backend: 'wasm' as const, shape: [2, 3, 4], axis: 1 };
    const g1 = softmaxVjp(x, dy, opts);
    expect(
      gradError(
        g1,
        fdVjp((v) => softmax(v, opts), x, dy),
      ),
    ).toBeLessThan(1e-6);
    const g2 = logSoftmaxVjp(x, dy, opts);
    expect(
      gradError(
        g2,
        fdVjp((v) => logSoftmax(v, opts), x, dy),
      ),
    ).toBeLessThan(1e-6);
  });
});

describe('public functions with backend: wasm', () => {
  beforeAll(() => loadWasmSync());
  afterAll(() => loadWasmSync());

  it('equal backend: js on every axis of a 3-D tensor, both types, and do not mutate inputs', () => {
    for (const type of TYPES)
      for (const axis of [0, 1, -1]) {
        const x = filled(type, 5 * 6 * 7, 17, -5, 5);
        const dy = filled(type, x.length, 18, -1, 1);
        const x0 = x.slice();
        const shape = [5, 6, 7];
        const w = { shape, axis, backend: 'wasm' as const };
        const j = { shape, axis, backend: 'js' as const };
        const outs: [FloatArray, FloatArray][] = [
          [softmax(x, w), softmax(x, j)],
          [logSoftmax(x, w), logSoftmax(x, j)],
          [softmaxVjp(x, dy, w), softmaxVjp(x, dy, j)],
          [logSoftmaxVjp(x, dy, w), logSoftmaxVjp(x, dy, j)],
          [logSumExp(x, w), logSumExp(x, j)],
        ];
        const lseDy = filled(type, outs[4]![1].length, 2, -1, 1);
        outs.push([logSumExpVjp(x, lseDy, w), logSumExpVjp(x, lseDy, j)]);
        for (const [a, b] of outs) {
          expect(a).toBeInstanceOf(type);
          let worst = 0;
          for (let i = 0; i < a.length; i++)
            worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
          expect(worst).toBeLessThan(type === Float32Array ? 5e-7 : 1e-14);
        }
        expect(x).toEqual(x0);
      }
  });

  it('in place in WebAssembly memory (out = the input): non-finite rows still equal backend: js', () => {
    // a flagged row is left to the JS reference, which reads its input: the kernels
    // must not have written it (n ≤ 16: the four-rows-at-a-time kernel; 40: one row)
    for (const type of TYPES)
      for (const n of [5, 16, 40])
        for (const algorithm of ALGS)
          for (const fn of [softmax, logSoftmax]) {
            const rows = 9;
            const x = wasmArray(type, rows * n);
            x.set(filled(type, rows * n, n, -5, 5));
            x[2 * n + 1] = Infinity;
            x[5 * n + 3] = Number.NaN;
            x.fill(-Infinity, 6 * n, 7 * n);
            const want = fn(x.slice(), { shape: [rows, n], algorithm, backend: 'js' });
            fn(x, { shape: [rows, n], algorithm, backend: 'wasm', out: x });
            for (const r of [2, 5, 6])
              for (let j = r * n; j < (r + 1) * n; j++)
                expect(
                  Object.is(x[j], want[j]),
                  `${type.name} ${fn.name} n=${n} ${algorithm} row ${r}`,
                ).toBe(true);
            expect(maxDistance(x, want)).toBeLessThanOrEqual(bound(want));
            freeWasmArray(x);
          }
  });
});
