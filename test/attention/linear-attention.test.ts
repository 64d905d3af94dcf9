import { describe, expect, it } from 'vitest';
import {
  type FeatureMap,
  linearAttention,
  linearAttentionVjp,
} from '../../src/attention/linear-attention.js';
import type { SoftmaxKitError } from '../../src/tensor/errors.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';

const dims = { batch: 2, heads: 2, kvHeads: 1, queries: 4, keys: 6, dim: 3, valueDim: 2 };
const q = randomArray(2 * 2 * 4 * 3, 21, -1.5, 1.5);
const k = randomArray(2 * 1 * 6 * 3, 22, -1.5, 1.5);
const v = randomArray(2 * 1 * 6 * 2, 23);
const dOut = randomArray(2 * 2 * 4 * 2, 24);

/** The quadratic form: kernel values κ(i, j) = φ(q_i)·φ(k_j) formed one by one. */
function reference(map: FeatureMap, causal: boolean, eps = 1e-6): Float64Array {
  const { batch, heads, kvHeads, queries: Q, keys: K, dim, valueDim: dv } = dims;
  const out = new Float64Array(batch * heads * Q * dv);
  const phi = (x: number) => (map === 'elu+1' ? (x > 0 ? x + 1 : Math.exp(x)) : Math.max(x, 0));
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < heads; h++)
      for (let i = 0; i < Q; i++) {
        const p = i + K - Q;
        const kv = b * kvHeads + Math.floor(h / (heads / kvHeads));
        let den = eps;
        const num = new Float64Array(dv);
        for (let j = 0; j < K; j++) {
          if (causal && j > p) continue;
          let kap = 0;
          for (let d = 0; d < dim; d++)
            kap += phi(q[((b * heads + h) * Q + i) * dim + d]!) * phi(k[(kv * K + j) * dim + d]!);
          if (map === 'cosformer') kap *= Math.cos((Math.PI * (p - j)) / (2 * K));
          den += kap;
          for (let c = 0; c < dv; c++) num[c] = num[c]! + kap * v[(kv * K + j) * dv + c]!;
        }
        for (let c = 0; c < dv; c++) out[((b * heads + h) * Q + i) * dv + c] = num[c]! / den;
      }
  return out;
}

const maps: FeatureMap[] = ['elu+1', 'relu', 'cosformer'];

describe('linearAttention', () => {
  for (const featureMap of maps)
    for (const causal of [false, true]) {
      it(`${featureMap}, causal ${causal}: agrees with the quadratic form`, () => {
        const { out } = linearAttention(q, k, v, { ...dims, featureMap, causal });
        const ref = reference(featureMap, causal);
        for (let i = 0; i < out.length; i++) expect(out[i]!).toBeCloseTo(ref[i]!, 12);
      });
      it(`${featureMap}, causal ${causal}: vjp agrees with central differences`, () => {
        const o = { ...dims, featureMap, causal };
        const g = linearAttentionVjp(q, k, v, dOut, o);
        const f = (qq: Float64Array, kk: Float64Array, vv: Float64Array) =>
          linearAttention(qq, kk, vv, o).out;
        expect(
          gradError(
            g.dq,
            fdVjp((x) => f(x, k, v), q, dOut),
          ),
        ).toBeLessThan(1e-6);
        expect(
          gradError(
            g.dk,
            fdVjp((x) => f(q, x, v), k, dOut),
          ),
        ).toBeLessThan(1e-6);
        expect(
          gradError(
            g.dv,
            fdVjp((x) => f(q, k, x), v, dOut),
          ),
        ).toBeLessThan(1e-6);
      });
    }

  it('a row that sees nothing gives zeros with eps = 0 (relu, all features 0)', () => {
    const zq = new Float64Array(q.length).fill(-1);
    const { out } = linearAttention(zq, k, v, { ...dims, featureMap: 'relu', eps: 0 });
    expect(out.every((x) => x === 0)).toBe(true);
    const g = linearAttentionVjp(zq, k, v, dOut, { ...dims, featureMap: 'relu', eps: 0 });
    expect(g.dq.every((x) => x === 0)).toBe(true);
  });

  it('keeps Float32 and does not mutate its inputs', () => {
    const q32 = Float32Array.from(q);
    const copy = Float32Array.from(q32);
    const { out } = linearAttention(q32, Float32Array.from(k), Float32Array.from(v), dims);
    expect(out).toBeInstanceOf(Float32Array);
    expect(q32).toEqual(copy);
  });

  it('rejects bad options', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as SoftmaxKitError).code;
      }
      return 'none';
    };
    expect(code(() => linearAttention(q, k, v, { ...dims, featureMap: 'x' as FeatureMap }))).toBe(
      'INVALID_PARAMETER',
    );
    expect(code(() => linearAttention(q, k, v, { ...dims, eps: -1 }))).toBe('INVALID_PARAMETER');
    expect(code(() => linearAttention(q, k, v, { ...dims, keys: 5 }))).toBe('SHAPE_MISMATCH');
    expect(code(() => linearAttentionVjp(q, k, v, dOut.subarray(1), dims))).toBe('SHAPE_MISMATCH');
  });
});
