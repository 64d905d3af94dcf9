/**
 * The edge of the double range (issue 15): rows whose x − max overflows (±1.7e308
 * alternating; [9e307, −9e307]). The Float64 log-softmax gave NaN on the wasm backend
 * (its TwoSum error term is ∞ − ∞ there) and −∞ on both backends with a temperature
 * T > 1, where s·(x − max) is finite. Every backend and algorithm is checked against
 * the 60-digit reference, with softmax, logSumExp and crossEntropy on the same rows,
 * and Float32 rows at ±3e38.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { SoftmaxAlgorithm } from '../../../src/kernels/backend.js';
import { scaledDiff } from '../../../src/kernels/js/exact.js';
import { crossEntropy } from '../../../src/losses/cross-entropy.js';
import { logSoftmax } from '../../../src/normalizers/log-softmax.js';
import { logSumExp } from '../../../src/normalizers/log-sum-exp.js';
import { softmax } from '../../../src/normalizers/softmax.js';
import type { FloatArray } from '../../../src/tensor/types.js';
import {
  type Dec,
  refLogSoftmax,
  refLogSumExp,
  refSoftmax,
  ulpError,
} from '../../helpers/reference.js';

const ALGS: SoftmaxAlgorithm[] = ['three-pass', 'two-pass', 'online'];

/** got matches the exact value: ±∞ (or 0) where it rounds there, else within 4 ulp. */
function expectClose(
  got: ArrayLike<number>,
  want: readonly Dec[],
  float32: boolean,
  what = '',
): void {
  for (let i = 0; i < want.length; i++) {
    const w = float32 ? Math.fround(want[i]!.toNumber()) : want[i]!.toNumber();
    if (!Number.isFinite(w))
      expect(got[i], `${what} entry ${i}: ${got[i]} vs ${want[i]!.toPrecision(6)}`).toBe(w);
    else
      expect(
        ulpError(got[i]!, want[i]!, float32),
        `${what} entry ${i}: ${got[i]} vs ${want[i]!.toPrecision(6)}`,
      ).toBeLessThanOrEqual(4);
  }
}

function alternating(type: typeof Float32Array | typeof Float64Array, n: number, v: number) {
  const x = new type(n);
  for (let i = 0; i < n; i++) x[i] = i % 2 ? -v : v;
  return x;
}

const ROWS: [string, FloatArray][] = [
  ['[9e307, −9e307]', Float64Array.of(9e307, -9e307)],
  ['64 × ±1.7e308', alternating(Float64Array, 64, 1.7e308)],
  ['1001 × ±1.7e308', alternating(Float64Array, 1001, 1.7e308)],
  [
    '[−MAX, 1, MAX] × 11',
    Float64Array.from({ length: 33 }, (_, i) => [-1.7e308, 1, 1.79e308][i % 3]!),
  ],
  ['64 × ±3e38 (Float32)', alternating(Float32Array, 64, 3e38)],
  ['1001 × ±3e38 (Float32)', alternating(Float32Array, 1001, 3e38)],
];

describe('rows at the edge of the range (issue 15)', () => {
  beforeAll(async () => {
    await (await import('../../../src/kernels/wasm/index.js')).wasmReady;
  });

  it('scaledDiff: 2·s·(a/2 − m/2) when a − m overflows', () => {
    expect(scaledDiff(-1.7e308, 1.7e308, 1)).toBe(-Infinity);
    expect(scaledDiff(-1.7e308, 1.7e308, 0.25)).toBe(-8.5e307);
    expect(scaledDiff(-1e308, 1.5e308, 0.5)).toBe(-1.25e308);
  });

  for (const [name, x] of ROWS)
    for (const T of [1, 4])
      it(`${name}, T = ${T}: logSoftmax, softmax, logSumExp on every backend and algorithm`, () => {
        const f32 = x instanceof Float32Array;
        const wantLog = refLogSoftmax(x, T);
        const wantP = refSoftmax(x, T);
        const wantL = refLogSumExp(x, T);
        for (const backend of ['js', 'wasm'] as const)
          for (const algorithm of ALGS) {
            const o = { backend, algorithm, temperature: T };
            const at = `${backend} ${algorithm}`;
            expectClose(logSoftmax(x, o), wantLog, f32, `logSoftmax ${at}`);
            expectClose(softmax(x, o), wantP, f32, `softmax ${at}`);
            if (T === 1)
              expectClose(logSumExp(x, { backend, algorithm }), [wantL], f32, `logSumExp ${at}`);
          }
      });

  for (const [name, x] of ROWS)
    it(`${name}: crossEntropy loss and gradient on both backends`, () => {
      const f32 = x instanceof Float32Array;
      const p = refSoftmax(x);
      const logP = refLogSoftmax(x);
      for (const t of [0, 1])
        for (const backend of ['js', 'wasm'] as const) {
          const { loss, grad } = crossEntropy(x, [t], { backend });
          expectClose([loss as number], [logP[t]!.neg()], false);
          expectClose(
            grad,
            p.map((v, j) => (j === t ? v.minus(1) : v)),
            f32,
          );
        }
    });

  it('a temperature so small that s·(x − max) overflows: the T → 0 limit, never ∞ − ∞ (issue 15)', () => {
    // 1/T clamps to the largest double; s·(3.4e38 − 1e300) overflows to −∞ while the
    // rounding error of x − max, times s, overflows to +∞: the kernel must not add them
    const x = new Float64Array([-1.6e233, 1e300, 1e-259, 3.4e38, -4e-15]);
    for (const algorithm of ALGS) {
      const y = logSoftmax(x, { backend: 'wasm', algorithm, temperature: 1e-310 });
      expect(Array.from(y)).toEqual([-Infinity, 0, -Infinity, -Infinity, -Infinity]);
      expect(Array.from(softmax(x, { backend: 'wasm', algorithm, temperature: 1e-310 }))).toEqual([
        0, 1, 0, 0, 0,
      ]);
    }
  });
});
