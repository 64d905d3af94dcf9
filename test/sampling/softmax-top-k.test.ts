import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { softmaxTopK } from '../../src/sampling/softmax-top-k.js';

const NEG = Number.NEGATIVE_INFINITY;

/** softmax by max shift and a plain sum, then a full sort (descending, ties by lower index). */
function refSoftmaxTopK(x: number[], k: number, log: boolean) {
  const mx = Math.max(...x);
  const e = x.map((v) => (v > NEG ? Math.exp(v - mx) : 0));
  const z = e.reduce((s, v) => s + v, 0);
  const order = x
    .map((_, i) => i)
    .sort((a, b) => x[b]! - x[a]! || a - b)
    .slice(0, k);
  return {
    indices: order,
    values: order.map((i) => (log ? (x[i]! > NEG ? x[i]! - mx - Math.log(z) : NEG) : e[i]! / z)),
  };
}

describe('softmaxTopK equals topk(softmax(x)) by a full sort', () => {
  it('on random rows with ties and −∞ (Float64, 1e-14 relative)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: -3, max: 3 }),
            fc.double({ min: -50, max: 50, noNaN: true }),
            fc.constant(NEG),
          ),
          {
            minLength: 1,
            maxLength: 80,
          },
        ),
        fc.integer({ min: 1, max: 80 }),
        fc.boolean(),
        (x, k0, log) => {
          if (!x.some((v) => v > NEG)) x[0] = 0;
          const k = Math.min(k0, x.length);
          const r = softmaxTopK(x, { k, log });
          const want = refSoftmaxTopK(x, k, log);
          expect(Array.from(r.indices)).toEqual(want.indices);
          for (let j = 0; j < k; j++) {
            const w = want.values[j]!;
            if (!Number.isFinite(w) || w === 0) expect(r.values[j]).toBe(w);
            else
              expect(Math.abs(r.values[j]! - w)).toBeLessThanOrEqual(
                1e-14 * Math.abs(w) + (log ? 1e-14 : 0),
              );
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
  it('batches, any axis, Float32 results, tensors', () => {
    const x = new Float32Array([1, 5, 2, 4, 3, 0]); // shape [3, 2]: columns [1, 2, 3], [5, 4, 0]
    const r = softmaxTopK(x, { k: 2, shape: [3, 2], axis: 0 });
    expect(r.values).toBeInstanceOf(Float32Array);
    expect(Array.from(r.indices)).toEqual([2, 1, 0, 1]);
    const t = softmaxTopK({ data: x, dims: [3, 2] }, { k: 1 });
    expect(Array.from(t.indices)).toEqual([1, 1, 0]); // rows [1, 5], [2, 4], [3, 0]
    expect(t.values[0]).toBeCloseTo(1 / (1 + Math.exp(-4)), 6);
  });
  it('non-finite rows: NaN → NaN, +∞ share 1, fully masked → 0 (log −∞); k out of range throws', () => {
    expect(Array.from(softmaxTopK([1, Number.NaN], { k: 1 }).values)).toEqual([Number.NaN]);
    const inf = Number.POSITIVE_INFINITY;
    expect(Array.from(softmaxTopK([inf, 0, inf], { k: 3 }).values)).toEqual([0.5, 0.5, 0]);
    expect(Array.from(softmaxTopK([NEG, NEG], { k: 2, log: true }).values)).toEqual([NEG, NEG]);
    expect(() => softmaxTopK([1, 2], { k: 3 })).toThrow(
      expect.objectContaining({ code: 'K_OUT_OF_RANGE' }),
    );
    expect(() => softmaxTopK([1, 2], { k: 0 })).toThrow(
      expect.objectContaining({ code: 'K_OUT_OF_RANGE' }),
    );
  });
});

describe('softmaxTopK on the wasm backend (its SIMD kernel) equals the JS kernel', () => {
  const ulp32 = (a: number, b: number) => {
    const f = new Float32Array([a, b]);
    const i = new Int32Array(f.buffer);
    return Math.abs(i[0]! - i[1]!);
  };
  const entry = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: -3, max: 3 }) },
    { weight: 6, arbitrary: fc.double({ min: -60, max: 60, noNaN: true }) },
    { weight: 1, arbitrary: fc.constant(NEG) },
    { weight: 1, arbitrary: fc.constant(Number.POSITIVE_INFINITY) },
    { weight: 1, arbitrary: fc.constant(Number.NaN) },
  );
  for (const type of [Float32Array, Float64Array])
    it(`${type.name}: same indices, values within ${type === Float32Array ? '4 ulp' : '1e-14'} (non-finite rows as the JS kernel)`, async () => {
      await import('../../src/kernels/wasm/index.js');
      fc.assert(
        fc.property(
          fc.array(entry, { minLength: 1, maxLength: 300 }),
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 64 }),
          fc.boolean(),
          (raw, rows0, k0, log) => {
            const n = Math.max(1, Math.floor(raw.length / rows0));
            const rows = Math.floor(raw.length / n);
            const x = type.from(raw.slice(0, rows * n));
            const o = { k: Math.min(k0, n), shape: [rows, n], log };
            const w = softmaxTopK(x, { ...o, backend: 'wasm' });
            const j = softmaxTopK(x, { ...o, backend: 'js' });
            expect(w.values).toBeInstanceOf(type);
            expect(Array.from(w.indices)).toEqual(Array.from(j.indices));
            for (let i = 0; i < w.values.length; i++) {
              const [a, b] = [w.values[i]!, j.values[i]!];
              if (!Number.isFinite(b) || (!log && b === 0)) expect(a).toBe(b);
              else if (type === Float32Array) expect(ulp32(a, b)).toBeLessThanOrEqual(4);
              else
                expect(Math.abs(a - b)).toBeLessThanOrEqual(
                  1e-14 * Math.abs(b) + (log ? 1e-14 : 0),
                );
            }
          },
        ),
        { numRuns: 500 },
      );
    });
  it('128,256-entry rows (cut into parts by the wasm kernel), both types, log or not: the same indices, values within 4 ulp (Float64: 1e-14)', async () => {
    await import('../../src/kernels/wasm/index.js');
    const n = 128_256;
    const raw = new Float64Array(3 * n);
    let s = 7;
    for (let i = 0; i < raw.length; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      raw[i] = (s / 2 ** 32 - 0.5) * 24;
    }
    for (const x of [Float32Array.from(raw), raw])
      for (const log of [false, true])
        for (const k of [1, 8, 64]) {
          const w = softmaxTopK(x, { k, shape: [3, n], log, backend: 'wasm' });
          const j = softmaxTopK(x, { k, shape: [3, n], log, backend: 'js' });
          expect(Array.from(w.indices)).toEqual(Array.from(j.indices));
          for (let i = 0; i < w.values.length; i++) {
            const [a, b] = [w.values[i]!, j.values[i]!];
            if (x instanceof Float32Array) expect(ulp32(a, b)).toBeLessThanOrEqual(4);
            else
              expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-14 * Math.abs(b) + (log ? 1e-14 : 0));
          }
        }
  });
});
