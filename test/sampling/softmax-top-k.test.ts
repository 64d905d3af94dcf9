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
