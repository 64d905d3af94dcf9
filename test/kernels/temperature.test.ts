/**
 * temperaturePasses, the dispatch under fitTemperature and fitVectorScaling (also
 * tested through test/calibration/temperature.test.ts; the SIMD kernels themselves in
 * test/kernels/wasm/temperature.test.ts): the row constants, the NLL and its β
 * derivatives against the test's own direct evaluation and central differences, on
 * both backends.
 */
import { describe, expect, it } from 'vitest';
import '../../src/kernels/wasm/index.js';
import { temperaturePasses } from '../../src/kernels/temperature.js';

/** Σ over labelled rows of log Σ_j e^(β·x_j) − β·x_t (shifted by the row max), summed plainly. */
function nll(x: ArrayLike<number>, n: number, t: number[], beta: number): number {
  let s = 0;
  for (let r = 0; r < t.length; r++) {
    if (t[r]! < 0) continue;
    const row = Array.from({ length: n }, (_, j) => x[r * n + j]!);
    const m = Math.max(...row);
    s += Math.log(row.reduce((a, v) => a + Math.exp(beta * (v - m)), 0)) - beta * (row[t[r]!]! - m);
  }
  return s;
}

const n = 5;
const x = [
  [2, 0.5, -1, 0, 1.25],
  [-0.5, 3, 3, 1, -Infinity],
  [0.1, 0.2, 0.3, 0.4, 0.5],
  [4, -4, 0, 2, -2],
].flat();
const t = [1, 2, -1, 3];

describe('temperaturePasses', () => {
  for (const backend of ['js', 'wasm'] as const)
    for (const Arr of [Float64Array, Float32Array])
      it(`gives the NLL and its first three β derivatives (${backend}, ${Arr.name})`, () => {
        const xs = Arr.from(x);
        const p = temperaturePasses('test', xs, 4, n, Int32Array.from(t), backend);
        expect(p.bad).toBe(-1);
        expect(p.stats.count).toBe(3);
        for (const beta of [0.25, 1, 3]) {
          const s = p.at(beta, false);
          expect(s.nll).toBeCloseTo(nll(xs, n, t, beta), 12);
          const h = 1e-4;
          const f = (b: number) => nll(xs, n, t, b);
          expect(s.slope).toBeCloseTo((f(beta + h) - f(beta - h)) / (2 * h), 6);
          expect(s.curvature).toBeCloseTo((f(beta + h) - 2 * f(beta) + f(beta - h)) / (h * h), 4);
          // ℓ‴: the central difference of the pass's own ℓ″
          const c = (b: number) => p.at(b, false).curvature;
          expect(s.third).toBeCloseTo((c(beta + h) - c(beta - h)) / (2 * h), 5);
        }
      });
  it('names the first labelled row that cannot be fitted (NaN, or its label masked)', () => {
    const bad = Float64Array.from(x);
    bad[2 * n + 1] = Number.NaN; // row 2 is ignored: not bad
    bad[3 * n + 3] = -Infinity; // row 3's label is masked: bad
    const p = temperaturePasses('test', bad, 4, n, Int32Array.from(t), 'js');
    expect(p.bad).toBe(3);
  });
  it('takes a fast pass only where the kernel has one (Float32 on wasm)', () => {
    const labels = Int32Array.from(t);
    expect(temperaturePasses('test', Float32Array.from(x), 4, n, labels, 'wasm').hasFast).toBe(
      true,
    );
    expect(temperaturePasses('test', Float32Array.from(x), 4, n, labels, 'js').hasFast).toBe(false);
  });
});
