import { describe, expect, it } from 'vitest';
import { attention } from '../../src/attention/attention.js';
import { resolveAttention, resolveShapes } from '../../src/attention/options.js';
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
    expect(p.blockSize).toBe(128);
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
