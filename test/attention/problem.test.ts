import { describe, expect, it } from 'vitest';
import { attention, attentionVjp } from '../../src/attention/attention.js';
import { linearAttention } from '../../src/attention/linear-attention.js';
import { resolveAttention, resolveShapes } from '../../src/attention/problem.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { randomArray } from '../helpers/finite-difference.js';

const dims = { batch: 2, heads: 2, queries: 3, keys: 4, dim: 2 };
const q = randomArray(2 * 2 * 3 * 2, 51);
const k = randomArray(2 * 2 * 4 * 2, 52);
const v = randomArray(2 * 2 * 4 * 5, 53);

describe('attention options', () => {
  it('infers queries, keys and valueDim from the lengths', () => {
    const s = resolveShapes('t', q, k, v, { batch: 2, heads: 2, dim: 2 });
    expect([s.queries, s.keys, s.valueDim, s.kvHeads, s.group]).toEqual([3, 4, 5, 2, 1]);
  });

  it('defaults: scale 1/√dim, blockSize 128, sigmoid bias −log(keys), softpick eps 1e-8', () => {
    const p = resolveAttention('t', q, k, v, dims);
    expect(p.scale).toBe(1 / Math.sqrt(2));
    expect(p.blockSize).toBe(4); // 128, taken as max(queries, keys) = 4: one tile either way
    expect(p.sigmoidBias).toBe(-Math.log(4));
    expect(p.eps).toBe(1e-8);
    expect(p.kind?.name).toBe('softmax');
  });

  it('a [queries, keys] mask broadcasts over batch and heads; maskShape broadcasts any axis', () => {
    const small = Uint8Array.from([1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0]);
    const full = new Uint8Array(2 * 2 * 12);
    for (let r = 0; r < 4; r++) full.set(small, r * 12);
    const a = attention(q, k, v, { ...dims, mask: small }).out;
    expect(attention(q, k, v, { ...dims, mask: full }).out).toEqual(a);
    expect(attention(q, k, v, { ...dims, mask: Array.from(small, (x) => x === 1) }).out).toEqual(a);
    // per-key padding mask [batch, 1, 1, keys] equals keyLengths
    const pad = Uint8Array.from([1, 1, 1, 0, 1, 1, 0, 0]);
    expect(attention(q, k, v, { ...dims, mask: pad, maskShape: [2, 1, 1, 4] }).out).toEqual(
      attention(q, k, v, { ...dims, keyLengths: [3, 2] }).out,
    );
  });

  it('an additive mask of 0 changes nothing; −∞ equals a boolean 0', () => {
    const zero = new Float64Array(12);
    expect(attention(q, k, v, { ...dims, mask: zero }).out).toEqual(attention(q, k, v, dims).out);
    const add = new Float32Array(12).fill(0);
    add[1] = Number.NEGATIVE_INFINITY;
    const bool = new Uint8Array(12).fill(1);
    bool[1] = 0;
    expect(attention(q, k, v, { ...dims, mask: add }).out).toEqual(
      attention(q, k, v, { ...dims, mask: bool }).out,
    );
  });

  it("backend: 'auto' and 'js' resolve to JavaScript without the wasm module; others throw", () => {
    expect(resolveAttention('t', q, k, v, dims).backend.name).toBe('js');
    expect(resolveAttention('t', q, k, v, { ...dims, backend: 'js' }).backend.name).toBe('js');
    const code = (backend: string) => {
      try {
        resolveAttention('t', q, k, v, { ...dims, backend: backend as 'js' });
      } catch (e) {
        expect(e).toBeInstanceOf(SoftmaxKitError);
        return (e as SoftmaxKitError).code;
      }
      return 'none';
    };
    expect(code('wasm')).toBe('BACKEND_UNAVAILABLE'); // not imported in this test file
    expect(code('gpu')).toBe('INVALID_PARAMETER');
  });
});

describe('attention options through the options layer (regressions, issue 15)', () => {
  const fail = (f: () => unknown): SoftmaxKitError => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(SoftmaxKitError);
      return e as SoftmaxKitError;
    }
    throw new Error('expected a SoftmaxKitError');
  };

  it("a misspelled key throws with the nearest name: casual → 'causal'", () => {
    const e = fail(() => attention(q, k, v, { ...dims, casual: true } as never));
    expect(e.code).toBe('INVALID_PARAMETER');
    expect(e.message).toMatch(/^attention: unknown option 'casual' \(did you mean 'causal'\?\)/);
    expect(
      fail(() => attentionVjp(q, k, v, q, { ...dims, blocksize: 4 } as never)).message,
    ).toMatch(/did you mean 'blockSize'/);
    expect(
      fail(() => linearAttention(q, k, v, { ...dims, feature_map: 'relu' } as never)).message,
    ).toMatch(/^linearAttention: .*did you mean 'featureMap'/);
  });

  it('null or non-object options, and wrong types, are SoftmaxKitErrors naming the function', () => {
    for (const o of [null, 3, 'x', [1]])
      expect(fail(() => attention(q, k, v, o as never)).message).toMatch(/^attention: /);
    expect(fail(() => linearAttention(q, k, v, null as never)).message).toMatch(
      /^linearAttention: /,
    );
    expect(fail(() => attention(q, k, v, { ...dims, causal: 'yes' } as never)).code).toBe(
      'INVALID_PARAMETER',
    );
    expect(
      fail(() => attention(q, k, v, { ...dims, normalizerOptions: null } as never)).message,
    ).toMatch(/^attention: expected normalizerOptions to be an object/);
  });

  it('normalizerOptions reach the registry entry: sparseSoftmax with k = 2 equals softmax over the top 2', () => {
    const one = { queries: 3, keys: 4, dim: 2 };
    const [q1, k1, v1] = [q.slice(0, 6), k.slice(0, 8), v.slice(0, 4 * 5)];
    const { out } = attention(q1, k1, v1, {
      ...one,
      normalizer: 'sparseSoftmax',
      normalizerOptions: { k: 2 },
    });
    // reference: scores, keep the two largest per row, softmax over them, weights · v
    for (let i = 0; i < 3; i++) {
      const s = [0, 1, 2, 3].map(
        (j) => (q1[i * 2]! * k1[j * 2]! + q1[i * 2 + 1]! * k1[j * 2 + 1]!) / Math.sqrt(2),
      );
      const top = [...s].sort((a, b) => b - a).slice(0, 2);
      const e = s.map((x) => (x >= top[1]! ? Math.exp(x - top[0]!) : 0));
      const z = e.reduce((a, b) => a + b, 0);
      for (let c = 0; c < 5; c++) {
        let want = 0;
        for (let j = 0; j < 4; j++) want += (e[j]! / z) * v1[j * 5 + c]!;
        expect(out[i * 5 + c]).toBeCloseTo(want, 12);
      }
    }
    // the vjp takes the same options
    const g = attentionVjp(q1, k1, v1, new Float64Array(15).fill(1), {
      ...one,
      normalizer: 'sparseSoftmax',
      normalizerOptions: { k: 2 },
    });
    expect(g.dq.every(Number.isFinite)).toBe(true);
  });

  it('keys a normalizer does not take are rejected naming attention', () => {
    const e1 = fail(() =>
      attention(q, k, v, {
        ...dims,
        normalizer: 'sparseSoftmax',
        normalizerOptions: { kk: 2 },
      } as never),
    );
    expect(e1.message).toMatch(
      /^attention: unknown option 'normalizerOptions.kk' \(did you mean 'normalizerOptions.k'\?\)/,
    );
    const e2 = fail(() => attention(q, k, v, { ...dims, normalizerOptions: { s: 2 } }));
    expect(e2.message).toMatch(/^attention: unknown option 'normalizerOptions.s'/); // softmax takes none
    const e3 = fail(() =>
      attention(q, k, v, {
        ...dims,
        normalizer: 'sparseSoftmax',
        normalizerOptions: { k: 9 },
      } as never),
    );
    expect(e3.code).toBe('K_OUT_OF_RANGE');
    expect(e3.message).toMatch(/^attention: normalizer 'sparseSoftmax'/);
    expect(
      fail(() =>
        attention(q, k, v, { ...dims, normalizer: 'ssmax', normalizerOptions: { eps: 1 } }),
      ).message,
    ).toMatch(/unknown option 'normalizerOptions.eps'/);
  });

  it('a huge blockSize is taken as the sequence (same result) or a clear error, never a RangeError', () => {
    expect(attention(q, k, v, { ...dims, blockSize: 1e9 }).out).toEqual(
      attention(q, k, v, { ...dims, blockSize: 4 }).out, // max(queries, keys): one tile
    );
    const nq = 20000;
    const big = new Float64Array(nq * 2);
    const e = fail(() =>
      attention(big, big, big, { queries: nq, keys: nq, dim: 2, blockSize: 1e9 }),
    );
    expect(e.code).toBe('INVALID_PARAMETER');
    expect(e.message).toMatch(/^attention: expected blockSize/);
  });
});
