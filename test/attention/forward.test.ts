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

  it('the plain-logit fast path gives bit for bit the general path (an all-true mask)', () => {
    const special = Float64Array.from(q);
    special[4] = Number.NaN; // row 1
    special[9] = Number.POSITIVE_INFINITY; // row 2
    special[12] = 1e300; // row 3: rowScale·max overflows
    special[16] = -1e300; // row 4
    const mask = new Uint8Array(9 * 11).fill(1);
    const qs = Float64Array.from({ length: 18 }, (_, i) => [1.5, -0.5, 0, 2][i % 4]!);
    for (const input of [q, special, Float32Array.from(special)])
      for (const causal of [false, true])
        for (const blockSize of [3, 4, 128])
          for (const extra of [{}, { scale: -0.7 }, { scale: 0 }, { queryScale: qs }]) {
            const o = { ...dims, causal, blockSize, returnLse: true, ...extra };
            const fast = attention(input, k, v, o);
            const general = attention(input, k, v, { ...o, mask });
            expect(fast.out).toEqual(general.out);
            expect(fast.lse).toEqual(general.lse);
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
