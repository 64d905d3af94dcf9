import { describe, expect, it } from 'vitest';
import { attentionVjp } from '../../src/attention/attention.js';
import { entry as softmaxEntry } from '../../src/normalizers/softmax.js';
import { randomArray } from '../helpers/finite-difference.js';

const dims = { batch: 1, heads: 3, kvHeads: 1, queries: 5, keys: 6, dim: 2, valueDim: 2 };
const q = randomArray(3 * 5 * 2, 71);
const k = randomArray(6 * 2, 72);
const v = randomArray(6 * 2, 73);
const dOut = randomArray(3 * 5 * 2, 74);

describe('attentionVjp', () => {
  it('grouped-query dk, dv are the sums over the group of per-head gradients', () => {
    const g = attentionVjp(q, k, v, dOut, { ...dims, causal: true, blockSize: 2 });
    const rep = (a: Float64Array) => Float64Array.from([...a, ...a, ...a]);
    const mha = attentionVjp(q, rep(k), rep(v), dOut, {
      ...dims,
      kvHeads: 3,
      causal: true,
      blockSize: 2,
    });
    for (let i = 0; i < k.length; i++) {
      const sum = mha.dk[i]! + mha.dk[i + 12]! + mha.dk[i + 24]!;
      expect(g.dk[i]!).toBeCloseTo(sum, 14);
    }
    expect(g.dq).toEqual(mha.dq);
  });

  it('the plain-logit fast path gives bit for bit the general path (an all-true mask)', () => {
    const special = Float64Array.from(q);
    special[2] = Number.NaN;
    special[5] = 1e300;
    const mask = new Uint8Array(5 * 6).fill(1);
    for (const input of [q, special, Float32Array.from(q)])
      for (const causal of [false, true])
        for (const extra of [{ blockSize: 2 }, { blockSize: 4, scale: -0.7 }, {}]) {
          const o = { ...dims, causal, ...extra };
          const fast = attentionVjp(input, k, v, dOut, o);
          const general = attentionVjp(input, k, v, dOut, { ...o, mask });
          for (const key of ['dq', 'dk', 'dv'] as const) expect(fast[key]).toEqual(general[key]);
        }
  });

  it('the materialized path (registry softmax) gives the flash backward', () => {
    const a = attentionVjp(q, k, v, dOut, { ...dims, window: 2 });
    const b = attentionVjp(q, k, v, dOut, { ...dims, window: 2, normalizer: softmaxEntry });
    for (const key of ['dq', 'dk', 'dv'] as const)
      for (let i = 0; i < a[key].length; i++) expect(b[key][i]!).toBeCloseTo(a[key][i]!, 12);
  });

  it('rows that see no key get zero gradients, never NaN', () => {
    const mask = new Uint8Array(5 * 6).fill(1);
    mask.fill(0, 0, 12); // queries 0 and 1 see nothing
    for (const normalizer of ['softmax', 'softpick', 'reluNorm', 'sigmoid', 'sparsemax']) {
      const g = attentionVjp(q, k, v, dOut, { ...dims, mask, normalizer });
      for (const a of [g.dq, g.dk, g.dv]) expect(a.every(Number.isFinite)).toBe(true);
      expect(g.dq.subarray(0, 4).every((x) => x === 0)).toBe(true);
    }
  });

  it('Float32 gradients are the Float64 ones rounded once', () => {
    const f = (a: Float64Array) => Float32Array.from(a);
    const g32 = attentionVjp(f(q), f(k), f(v), f(dOut), { ...dims, causal: true });
    const g64 = attentionVjp(
      Float64Array.from(f(q)),
      Float64Array.from(f(k)),
      Float64Array.from(f(v)),
      Float64Array.from(f(dOut)),
      { ...dims, causal: true },
    );
    expect(g32.dq).toBeInstanceOf(Float32Array);
    expect(Array.from(g32.dq)).toEqual(Array.from(g64.dq, Math.fround));
    expect(Array.from(g32.dk)).toEqual(Array.from(g64.dk, Math.fround));
  });
});
