/**
 * Temperature scaling's SIMD passes (assembly/temperature.ts via the 'wasm' backend):
 * per-row sums against 60-digit arithmetic on small rows with ties, −∞ and a dominant
 * entry, and against the JavaScript reference (js/temperature-rows.ts) on random rows
 * of every tail length, Float32 and Float64, on each build (SIMD / relaxed, plain / shared
 * memory, and with two worker threads).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASS } from '../../../src/kernels/js/temperature-rows.js';
import { temperaturePasses } from '../../../src/kernels/temperature.js';
import { configure } from '../../../src/kernels/threads/pool.js';
import { wasmBackend } from '../../../src/kernels/wasm/index.js';
import { loadWasmSync } from '../../../src/kernels/wasm/load.js';
import type { FloatArray } from '../../../src/tensor/types.js';
import { D, type Dec, dec } from '../../helpers/reference.js';
import { enableRelaxedSimd, filled, VARIANTS } from './helpers.js';

await enableRelaxedSimd();

/** Rows of 9 (odd: a padded tail in both types), label per row (−1 ignored). */
const ROWS = [
  [0.5, -1, 1.5, 0, -2, 1, -0.5, 0.25, 0.75],
  [0.5, -1, 40, 0, -2, 1, -0.5, 3, 2],
  [3, 3, -1, 0, 3, -40, 2.75, -Infinity, 1],
  [-Infinity, 2, 1, -Infinity, 0.25, -3, 1.5, -Infinity, 0],
  [7, 1, 2, 3, 4, 5, 6, 0, -1],
];
const LABELS = Int32Array.of(1, 2, 4, -1, 0);

/** The five sums of one row at β in 60 digits: ties, Σ e^(βu), Σ e^(βu)·u^k for k = 1, 2, 3 (u < 0). */
function refSums(row: number[], beta: number): [number, Dec, Dec, Dec, Dec] {
  const m = Math.max(...row);
  let ties = 0;
  let rest = new D(0);
  let s1 = new D(0);
  let s2 = new D(0);
  let s3 = new D(0);
  for (const v of row) {
    if (v === -Infinity) continue;
    const u = dec(v).minus(m);
    if (u.isZero()) {
      ties++;
      continue;
    }
    const e = D.exp(u.times(beta));
    rest = rest.plus(e);
    s1 = s1.plus(e.times(u));
    s2 = s2.plus(e.times(u).times(u));
    s3 = s3.plus(e.times(u).times(u).times(u));
  }
  return [ties, rest, s1, s2, s3];
}

/**
 * The error relative to max(|want|, ties): terms flushed to 0 (below 2^−126 in a fast
 * pass, 2^−1022 in a precise one) only count against the mass at the max (≥ 1).
 */
const rel = (got: number, want: Dec, ties: number) =>
  new D(got).minus(want).abs().div(D.max(want.abs(), ties)).toNumber();

/** Random rows of n in [−6, 6] with ties at the max and masked entries. */
function randomRows(
  type: Float32ArrayConstructor | Float64ArrayConstructor,
  rows: number,
  n: number,
) {
  const x = filled(type, rows * n, 7 * n + rows, -6, 6) as FloatArray;
  for (let r = 0; r < rows; r++) {
    if (r % 3 === 0) x[r * n + ((r * 5) % n)] = -Infinity;
    if (r % 4 === 1 && n > 1) x[r * n + n - 1] = x[r * n]! = 6;
  }
  const labels = Int32Array.from({ length: rows }, (_, r) => (r % 7 === 6 ? -1 : (r * 3) % n));
  for (let r = 0; r < rows; r++)
    if (labels[r]! >= 0 && x[r * n + labels[r]!] === -Infinity) labels[r] = -1;
  return { x, labels };
}

for (const variant of VARIANTS)
  describe(`temperature passes (${variant.name})`, () => {
    beforeAll(() => {
      loadWasmSync(variant);
    });

    for (const type of [Float32Array, Float64Array])
      it(`${type.name}: the per-row sums against 60 digits (precise ≤ 1e-14, fast ≤ 3e-7)`, () => {
        const x = type.from(ROWS.flat());
        const p = temperaturePasses('test', x, 5, 9, LABELS, 'wasm');
        expect(p.bad).toBe(-1);
        expect(p.hasFast).toBe(type === Float32Array);
        const out = new Float64Array(PASS * 5);
        for (const beta of [1, 0.37, 4.5])
          for (const fast of [false, true]) {
            const args = { x, rows: 5, n: 9, labels: LABELS, max: p.stats.max, beta, fast, out };
            expect(wasmBackend.temperaturePass?.(args)).toBe(true);
            ROWS.forEach((row, r) => {
              if (LABELS[r]! < 0) {
                expect(Array.from(out.subarray(PASS * r, PASS * r + PASS))).toEqual([
                  0, 0, 0, 0, 0,
                ]);
                return;
              }
              const [ties, rest, s1, s2, s3] = refSums(Array.from(type.from(row)), beta);
              const tol = fast && type === Float32Array ? 3e-7 : 1e-14;
              const at = PASS * r;
              expect(out[at]).toBe(ties);
              expect(rel(out[at + 1]!, rest, ties), `rest r${r} β${beta}`).toBeLessThan(tol);
              expect(rel(out[at + 2]!, s1, ties), `s1 r${r} β${beta}`).toBeLessThan(tol);
              expect(rel(out[at + 3]!, s2, ties), `s2 r${r} β${beta}`).toBeLessThan(tol);
              expect(rel(out[at + 4]!, s3, ties), `s3 r${r} β${beta}`).toBeLessThan(tol);
            });
          }
      });

    it('row constants and passes match the JS reference on every tail length', () => {
      for (const type of [Float32Array, Float64Array])
        for (const n of [1, 2, 3, 4, 5, 7, 8, 33, 130]) {
          const { x, labels } = randomRows(type, 23, n);
          const js = temperaturePasses('test', x, 23, n, labels, 'js');
          const wasm = temperaturePasses('test', x, 23, n, labels, 'wasm');
          expect(wasm.bad).toBe(js.bad);
          expect(Array.from(wasm.stats.max)).toEqual(Array.from(js.stats.max));
          expect(Array.from(wasm.stats.gap)).toEqual(Array.from(js.stats.gap));
          expect(wasm.stats.logTiesSum).toBe(js.stats.logTiesSum);
          expect(wasm.stats.logFiniteSum).toBe(js.stats.logFiniteSum);
          expect(wasm.stats.count).toBe(js.stats.count);
          expect(wasm.stats.range).toBe(js.stats.range);
          // the pass at β = 1 made with the row constants is the kernel's own pass there
          const f32 = type === Float32Array;
          expect(wasm.firstFast).toBe(f32);
          expect(wasm.first).toEqual(wasm.at(1, f32));
          expect(js.first).toEqual(js.at(1, false));
          const near = (a: number, b: number, tol: number) =>
            expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * Math.max(Math.abs(b), 1e-300));
          near(wasm.stats.slopeAtZero, js.stats.slopeAtZero, 1e-12);
          for (const beta of [0.5, 1, 3])
            for (const fast of [false, true]) {
              const a = wasm.at(beta, fast);
              const b = js.at(beta, false);
              const tol = fast && type === Float32Array ? 1e-6 : 1e-12;
              near(a.nll, b.nll, tol);
              near(a.curvature, b.curvature, tol);
              near(a.third, b.third, tol);
              near(a.scale, b.scale, tol);
              // the slope is a sum of signed terms: its error is relative to the scale
              expect(Math.abs(a.slope - b.slope)).toBeLessThanOrEqual(tol * b.scale);
            }
        }
    });

    it('rows holding NaN or +∞, or whose label is masked, are reported as bad', () => {
      for (const type of [Float32Array, Float64Array]) {
        const x = type.of(1, 2, 3, 0, Number.NaN, 1, 0, Infinity, 1, -Infinity, 0, 1);
        const labels = Int32Array.of(0, 1, 2, 0);
        for (const [r, want] of [
          [0, -1],
          [1, 1],
          [2, 2],
          [3, 3],
        ] as const) {
          const l = Int32Array.from(labels, (v, i) => (i === 0 || i === r ? v : -1));
          expect(temperaturePasses('test', x, 4, 3, l, 'wasm').bad).toBe(want);
        }
      }
    });
  });

describe('temperature passes on two threads', () => {
  beforeAll(async () => {
    loadWasmSync({ sharedMemory: true });
    await configure({ threads: 2 });
  });
  afterAll(async () => {
    await configure({ threads: 1 });
  });
  it('give the one-thread sums bit for bit', async () => {
    const { x, labels } = randomRows(Float32Array, 400, 300);
    const before = temperaturePasses('test', x, 400, 300, labels, 'wasm').at(0.8, false);
    await configure({ threads: 1 });
    const one = temperaturePasses('test', x, 400, 300, labels, 'wasm').at(0.8, false);
    await configure({ threads: 2 });
    expect(before).toEqual(one);
  });
});
