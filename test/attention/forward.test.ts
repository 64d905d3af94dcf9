import { describe, expect, it } from 'vitest';
import { attention } from '../../src/attention/attention.js';
import { entry as softmaxEntry } from '../../src/normalizers/softmax.js';
import { randomArray } from '../helpers/finite-difference.js';

const dims = { batch: 1, heads: 2, kvHeads: 1, queries: 9, keys: 11, dim: 4, valueDim: 3 };
const q = randomArray(2 * 9 * 4, 61);
const k = randomArray(11 * 4, 62);
const v = randomArray(11 * 3, 63);

describe('attention forward', () => {
  it('a materialized registry entry gives the online result (softmax both ways)', () => {
    for (const causal of [false, true]) {
      const online = attention(q, k, v, { ...dims, causal, blockSize: 4 }).out;
      const mat = attention(q, k, v, {
        ...dims,
        causal,
        blockSize: 4,
        normalizer: softmaxEntry,
      }).out;
      for (let i = 0; i < online.length; i++) expect(mat[i]!).toBeCloseTo(online[i]!, 14);
    }
  });

  it('allocates no O(queries·keys) buffer: the largest scratch is blockSize² (Float32 inputs)', () => {
    const n = 1024;
    const [q32, k32, v32] = [61, 62, 63].map((s) => Float32Array.from(randomArray(n * 8, s)));
    const Native = globalThis.Float64Array;
    let largest = 0;
    class Counting extends Native {
      constructor(...args: unknown[]) {
        super(...(args as [number]));
        if (typeof args[0] === 'number') largest = Math.max(largest, args[0]);
      }
    }
    globalThis.Float64Array = Counting as unknown as Float64ArrayConstructor;
    try {
      attention(q32!, k32!, v32!, { dim: 8, causal: true, blockSize: 32 });
    } finally {
      globalThis.Float64Array = Native;
    }
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThanOrEqual(32 * 32);
  });
});
