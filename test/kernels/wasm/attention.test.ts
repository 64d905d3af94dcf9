// Tests src/kernels/wasm/attention.ts and, through the generated module, the AssemblyScript
// attention kernels (assembly/attention.ts, attention-decode.ts, attention-vjp.ts and their helpers).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { attention, attentionVjp } from '../../../src/attention/attention.js';
import type { AttentionOptions } from '../../../src/attention/options.js';
import { configure, poolWorkers } from '../../../src/kernels/threads/pool.js';
import { WASM_DECODE_CHUNK, wasmFlashAttention } from '../../../src/kernels/wasm/attention.js';
import { wasmBackend } from '../../../src/kernels/wasm/backend.js';
import { loadWasmSync } from '../../../src/kernels/wasm/load.js';
import { freeWasmArray, wasmArray } from '../../../src/kernels/wasm/memory.js';
import type { FloatArray } from '../../../src/tensor/types.js';
import { refAttention } from '../../attention/reference.js';
import { fdVjp, gradError, randomArray } from '../../helpers/finite-difference.js';
import { enableRelaxedSimd, maxDistance, VARIANTS } from './helpers.js';

await enableRelaxedSimd();

/** max |a − b| / max |b| over the finite entries; non-finite entries must match exactly. */
function normwise(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    if (!Number.isFinite(b[i]!) || !Number.isFinite(a[i]!)) {
      if (!Object.is(a[i], b[i])) return Number.POSITIVE_INFINITY;
      continue;
    }
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return s === 0 ? d : d / s;
}

interface Case extends AttentionOptions {
  queries: number;
  keys: number;
  seed?: number;
  spread?: number;
}

function inputs(c: Case) {
  const kvh = c.kvHeads ?? c.heads ?? 1;
  const rows = (c.batch ?? 1) * (c.heads ?? 1);
  const s = c.seed ?? 1;
  const r = c.spread ?? 3;
  return {
    q: randomArray(rows * c.queries * c.dim, s, -r, r),
    k: randomArray((c.batch ?? 1) * kvh * c.keys * c.dim, s + 1, -r, r),
    v: randomArray((c.batch ?? 1) * kvh * c.keys * (c.valueDim ?? c.dim), s + 2),
  };
}

type Inputs = { q: FloatArray; k: FloatArray; v: FloatArray };

/** q, k, v copied as `type` into arrays that live in the WebAssembly memory. */
function inWasmMemory(type: Float32ArrayConstructor | Float64ArrayConstructor, x: Inputs): Inputs {
  const put = (a: FloatArray) => {
    const w = wasmArray(type, a.length);
    w.set(a);
    return w;
  };
  return { q: put(x.q), k: put(x.k), v: put(x.v) };
}

/** A case's attention options: its data keys (seed, spread) are not options (issue 15 rejects them). */
function opts({ seed: _seed, spread: _spread, ...o }: Case): AttentionOptions {
  return o;
}

function freeInputs(x: Inputs): void {
  for (const a of [x.v, x.k, x.q]) freeWasmArray(a);
}

/** Forward with backend 'wasm' (and whether the fused kernel took every head) and 'js'. */
function both(c: Case, x: Inputs = inputs(c)) {
  const spy = vi.spyOn(wasmBackend, 'flashAttention');
  const w = attention(x.q, x.k, x.v, { ...opts(c), backend: 'wasm', returnLse: true });
  const calls = spy.mock.results;
  const used = calls.length > 0 && calls.every((r) => r.value === true);
  spy.mockRestore();
  const j = attention(x.q, x.k, x.v, { ...opts(c), backend: 'js', returnLse: true });
  return { w, j, used };
}

/** Gradients with backend 'wasm' (and whether the fused backward took every head) and 'js'. */
function bothVjp(c: Case, x: Inputs = inputs(c), dOut: FloatArray = randomArray(outLength(c), 9)) {
  const spy = vi.spyOn(wasmBackend, 'flashAttentionVjp');
  const w = attentionVjp(x.q, x.k, x.v, dOut, { ...opts(c), backend: 'wasm' });
  const calls = spy.mock.results;
  const used = calls.length > 0 && calls.every((r) => r.value === true);
  spy.mockRestore();
  const j = attentionVjp(x.q, x.k, x.v, dOut, { ...opts(c), backend: 'js' });
  return { w, j, used, diff: gradDiff(c, x, dOut, w, j) };
}

/** The largest finite |a_i|. */
const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]!)) m = Math.max(m, Math.abs(a[i]!));
  return m;
};

/**
 * The gradients' largest difference relative to the magnitude of their terms: dq and dk
 * sum terms scale·p·(dP − Δ)·k (·q) whose parts are each ≤ scale·|dO|·|v|·|k| (|q|), dv
 * terms p·dO. (Relative to the gradients themselves the difference can be large: dP − Δ
 * cancels when p concentrates on one key, in both paths alike.)
 */
function gradDiff(c: Case, x: Inputs, dOut: ArrayLike<number>, a: Grads, b: Grads): number {
  const scale = Math.abs(c.scale ?? 1 / Math.sqrt(c.dim));
  const dvTerms = maxAbs(dOut) * maxAbs(x.v);
  const worst = (u: ArrayLike<number>, v: ArrayLike<number>, s: number) => {
    let d = 0;
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i]!) || !Number.isFinite(u[i]!)) {
        if (!Object.is(u[i], v[i])) return Number.POSITIVE_INFINITY;
        continue;
      }
      d = Math.max(d, Math.abs(u[i]! - v[i]!));
    }
    return s === 0 ? d : d / s;
  };
  return Math.max(
    worst(a.dq, b.dq, scale * dvTerms * maxAbs(x.k)),
    worst(a.dk, b.dk, scale * dvTerms * maxAbs(x.q)),
    worst(a.dv, b.dv, maxAbs(dOut)),
  );
}

type Grads = { dq: FloatArray; dk: FloatArray; dv: FloatArray };

function outLength(c: Case): number {
  return (c.batch ?? 1) * (c.heads ?? 1) * c.queries * (c.valueDim ?? c.dim);
}

function reference(c: Case, x: Inputs) {
  return refAttention(x.q, x.k, x.v, {
    normalizer: 'softmax',
    batch: c.batch ?? 1,
    heads: c.heads ?? 1,
    kvHeads: c.kvHeads ?? c.heads ?? 1,
    queries: c.queries,
    keys: c.keys,
    dim: c.dim,
    valueDim: c.valueDim ?? c.dim,
    causal: c.causal,
    window: c.window,
    keyLengths: c.keyLengths as number[] | undefined,
    scale: c.scale,
  });
}

const CASES: Case[] = [
  { queries: 37, keys: 53, dim: 7, blockSize: 8 },
  { queries: 64, keys: 64, dim: 16, causal: true, blockSize: 16 },
  { queries: 9, keys: 41, dim: 5, valueDim: 6, causal: true, blockSize: 4 }, // queries < keys
  { queries: 30, keys: 30, dim: 8, window: 5, blockSize: 8 },
  { queries: 30, keys: 50, dim: 8, window: 7, causal: true, blockSize: 12 },
  { queries: 2, keys: 1, dim: 3, causal: true },
  { batch: 2, heads: 4, kvHeads: 2, queries: 13, keys: 19, dim: 6, keyLengths: [19, 7] },
  { queries: 20, keys: 10, dim: 4, causal: true, blockSize: 5 }, // early rows see no key
  { queries: 33, keys: 70, dim: 9, blockSize: 130, scale: -0.4 },
  { queries: 5, keys: 9, dim: 1, valueDim: 1, causal: true },
  // decoding (one query row): chunks of WASM_DECODE_CHUNK keys merged
  { queries: 1, keys: 1, dim: 3 },
  { queries: 1, keys: 2 * WASM_DECODE_CHUNK + 77, dim: 10, valueDim: 19, heads: 2, kvHeads: 1 },
  { queries: 1, keys: 3000, dim: 4, window: 1500, causal: true },
  { batch: 2, queries: 1, keys: 1500, dim: 4, keyLengths: [1200, 0] },
  { queries: 1, keys: 1100, dim: 1, valueDim: 1 },
];

for (const variant of VARIANTS)
  describe(`wasm flash attention (${variant.name}) agrees with the JavaScript path and the reference`, () => {
    beforeAll(() => {
      loadWasmSync(variant);
    });

    it.each(CASES.map((c, i) => [i, c] as const))('case %i: Float64 ≤ 1e-14', (_, c) => {
      const x = inputs(c);
      const { w, j, used } = both(c, x);
      expect(used).toBe(true);
      expect(normwise(w.out, j.out)).toBeLessThanOrEqual(1e-14);
      expect(normwise(w.lse!, j.lse!)).toBeLessThanOrEqual(1e-14);
      if (c.queries * c.keys <= 5000) {
        const ref = reference(c, x);
        expect(normwise(w.out, ref.out)).toBeLessThanOrEqual(1e-14);
        expect(normwise(w.lse!, ref.lse)).toBeLessThanOrEqual(1e-14);
      }
    });

    it('Float32 inputs: within 4 ulp of the Float64 result, blocked and decoding', () => {
      for (const c of [CASES[1]!, CASES[4]!, CASES[11]!]) {
        const x = inputs(c);
        const x32 = {
          q: Float32Array.from(x.q),
          k: Float32Array.from(x.k),
          v: Float32Array.from(x.v),
        };
        const { w, used } = both(c, x32);
        expect(used).toBe(true);
        expect(w.out).toBeInstanceOf(Float32Array);
        const exact = attention(
          Float64Array.from(x32.q),
          Float64Array.from(x32.k),
          Float64Array.from(x32.v),
          {
            ...opts(c),
            backend: 'js',
          },
        );
        expect(maxDistance(w.out, Float32Array.from(exact.out))).toBeLessThanOrEqual(4);
      }
    });

    it('rows that see no key give zeros and L = −∞', () => {
      const c: Case = { queries: 12, keys: 8, dim: 4, causal: true, blockSize: 4 };
      const { w, used } = both(c);
      expect(used).toBe(true);
      for (let i = 0; i < 4; i++) {
        expect(w.lse![i]).toBe(Number.NEGATIVE_INFINITY);
        for (let d = 0; d < 4; d++) expect(w.out[i * 4 + d]).toBe(0);
      }
      const all = both({ queries: 5, keys: 6, dim: 2, keyLengths: [0] });
      expect(all.used).toBe(true);
      expect([...all.w.out].every((y) => y === 0)).toBe(true);
    });

    it('huge logits: one key takes all the weight, as in the JavaScript path', () => {
      // integer q, k: every dot product is exact in any order, so both paths see the same x
      for (const queries of [1, 7]) {
        const c: Case = { queries, keys: 40, dim: 8, scale: 300, blockSize: 8 };
        const x = inputs(c);
        const round = (a: FloatArray) => a.map((t) => Math.round(3 * t));
        const xi = { q: round(x.q), k: round(x.k), v: x.v };
        const { w, j, used } = both(c, xi);
        expect(used).toBe(true);
        expect(normwise(w.out, j.out)).toBeLessThanOrEqual(1e-14);
        expect(normwise(w.lse!, j.lse!)).toBeLessThanOrEqual(1e-14);
        expect(Math.max(...w.lse!)).toBeGreaterThan(1000);
      }
    });

    it('NaN or ±∞ in q: the head goes to the JavaScript path (same bits)', () => {
      for (const queries of [1, 6]) {
        const c: Case = { queries, keys: 9, dim: 3, heads: 2 };
        const x = inputs(c);
        x.q[1] = Number.NaN;
        x.q[queries * 3] = Number.POSITIVE_INFINITY;
        const { w, j, used } = both(c, x);
        expect(used).toBe(false);
        expect(w.out).toEqual(j.out);
        expect(w.lse).toEqual(j.lse);
        expect(Number.isNaN(w.out[0])).toBe(true);
      }
    });

    it('q, k, v of different element types are left to the JavaScript path', () => {
      const c: Case = { queries: 5, keys: 7, dim: 2 };
      const x = inputs(c);
      const mixed = { ...x, k: Float32Array.from(x.k) };
      expect(both(c, mixed).used).toBe(false);
    });

    it("backend: 'js' never calls the fused kernel; other options keep the JavaScript path", () => {
      const c: Case = { queries: 6, keys: 6, dim: 2 };
      const x = inputs(c);
      const spy = vi.spyOn(wasmBackend, 'flashAttention');
      attention(x.q, x.k, x.v, { ...opts(c), backend: 'js' });
      attention(x.q, x.k, x.v, { ...opts(c), alibiSlopes: [0.5] });
      attention(x.q, x.k, x.v, { ...opts(c), normalizer: 'ssmax' });
      attention(x.q, x.k, x.v, { ...opts(c), sinks: [0.3] });
      expect(spy).not.toHaveBeenCalled();
      attention(x.q, x.k, x.v, { ...opts(c), gate: randomArray(12, 5) }); // gate: fused, gated on finish
      expect(spy).toHaveBeenCalled();
      spy.mockRestore();
    });

    it.each(CASES.map((c, i) => [i, c] as const))(
      'case %i: the fused backward gives the JavaScript gradients (≤ 1e-14 of the terms)',
      (_, c) => {
        const { used, diff } = bothVjp(c);
        expect(used).toBe(true);
        expect(diff).toBeLessThanOrEqual(1e-14);
      },
    );

    it('the fused backward agrees with central finite differences (Float64)', () => {
      const c: Case = { queries: 6, keys: 9, dim: 3, valueDim: 2, causal: true, blockSize: 4 };
      const x = inputs(c);
      const dOut = randomArray(outLength(c), 4);
      const { w, used } = bothVjp(c, x, dOut);
      expect(used).toBe(true);
      const o = { ...opts(c), backend: 'wasm' as const };
      const fq = fdVjp((t) => attention(t, x.k, x.v, o).out, x.q, dOut);
      const fk = fdVjp((t) => attention(x.q, t, x.v, o).out, x.k, dOut);
      const fv = fdVjp((t) => attention(x.q, x.k, t, o).out, x.v, dOut);
      expect(gradError(w.dq, fq)).toBeLessThanOrEqual(1e-6);
      expect(gradError(w.dk, fk)).toBeLessThanOrEqual(1e-6);
      expect(gradError(w.dv, fv)).toBeLessThanOrEqual(1e-6);
    });

    it('Float32 gradients: within 4 ulp of the Float64 ones; a gate keeps the fused backward', () => {
      const c: Case = { heads: 2, queries: 19, keys: 23, dim: 5, causal: true, blockSize: 8 };
      const x = inputs(c);
      const x32 = {
        q: Float32Array.from(x.q),
        k: Float32Array.from(x.k),
        v: Float32Array.from(x.v),
      };
      const d32 = Float32Array.from(randomArray(outLength(c), 3));
      const { w, used } = bothVjp(c, x32, d32);
      expect(used).toBe(true);
      const up = (a: FloatArray) => Float64Array.from(a);
      const exact = attentionVjp(up(x32.q), up(x32.k), up(x32.v), up(d32), {
        ...opts(c),
        backend: 'js',
      });
      for (const key of ['dq', 'dk', 'dv'] as const)
        expect(maxDistance(w[key], Float32Array.from(exact[key]))).toBeLessThanOrEqual(4);
      const gate = randomArray(outLength(c), 8);
      const g = bothVjp({ ...c, gate }, x);
      expect(g.used).toBe(true);
      expect(g.diff).toBeLessThanOrEqual(1e-14);
      expect(normwise(g.w.dGate!, g.j.dGate!)).toBeLessThanOrEqual(1e-14);
    });

    it('the backward leaves a head with NaN in q to the JavaScript path (same bits)', () => {
      const c: Case = { queries: 5, keys: 7, dim: 2, heads: 2 };
      const x = inputs(c);
      x.q[3] = Number.NaN; // head 0
      const { w, j, diff } = bothVjp(c, x);
      expect(w.dq.subarray(0, 10)).toEqual(j.dq.subarray(0, 10));
      expect(w.dk.subarray(0, 14)).toEqual(j.dk.subarray(0, 14));
      expect(w.dv.subarray(0, 14)).toEqual(j.dv.subarray(0, 14));
      expect(diff).toBeLessThanOrEqual(1e-14); // head 1 fused
    });

    it('operands already in the WebAssembly memory are used in place (same bits)', () => {
      for (const c of [CASES[2]!, CASES[11]!]) {
        const x = inputs(c);
        const inWasm = inWasmMemory(Float64Array, x);
        const a = both(c, inWasm);
        const b = both(c, x);
        expect(a.used && b.used).toBe(true);
        expect(a.w.out).toEqual(b.w.out);
        const onlyK = both(c, { ...x, k: inWasm.k }); // one operand in place, the others copied
        expect(onlyK.used).toBe(true);
        expect(onlyK.w.out).toEqual(b.w.out);
        freeInputs(inWasm);
      }
    });

    it('the head wrapper declines nothing it can take and reports each head once', () => {
      const c: Case = { queries: 4, keys: 4, dim: 2 };
      const x = inputs(c);
      const seen: number[] = [];
      const head = {
        ...x,
        qOffset: 0,
        kOffset: 0,
        vOffset: 0,
        queries: 4,
        keys: 4,
        dim: 2,
        valueDim: 2,
        scale: 1,
        causal: false,
        window: Number.POSITIVE_INFINITY,
        keyLength: 4,
        blockSize: 128,
      };
      expect(wasmFlashAttention(head, (st) => seen.push(st.m.length))).toBe(true);
      expect(seen).toEqual([4]);
    });
  });

describe('wasm flash attention on random shapes and masks (fast-check)', () => {
  beforeAll(() => {
    loadWasmSync({ relaxedSimd: false, sharedMemory: true });
  });

  it('agrees with the JavaScript path to 1e-14 for any sizes, block size and structural mask', () => {
    const shape = fc.record({
      queries: fc.integer({ min: 1, max: 40 }),
      keys: fc.integer({ min: 1, max: 60 }),
      dim: fc.integer({ min: 1, max: 11 }),
      valueDim: fc.integer({ min: 1, max: 21 }),
      blockSize: fc.integer({ min: 1, max: 40 }),
      causal: fc.boolean(),
      window: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      seed: fc.integer({ min: 1, max: 1000 }),
    });
    fc.assert(
      fc.property(shape, ({ cut, ...c }) => {
        const keyLengths = cut === undefined ? undefined : [cut % (c.keys + 1)];
        const { w, j, used } = both({ ...c, keyLengths });
        expect(used).toBe(true);
        expect(normwise(w.out, j.out)).toBeLessThanOrEqual(1e-14);
        expect(normwise(w.lse!, j.lse!)).toBeLessThanOrEqual(1e-14);
      }),
      { numRuns: 150 },
    );
  });

  it('the fused backward agrees with the JavaScript path for any sizes and masks', () => {
    const shape = fc.record({
      queries: fc.integer({ min: 1, max: 30 }),
      keys: fc.integer({ min: 1, max: 40 }),
      dim: fc.integer({ min: 1, max: 9 }),
      valueDim: fc.integer({ min: 1, max: 9 }),
      blockSize: fc.integer({ min: 1, max: 24 }),
      causal: fc.boolean(),
      window: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
      seed: fc.integer({ min: 1, max: 1000 }),
    });
    fc.assert(
      fc.property(shape, (c) => {
        const { used, diff } = bothVjp(c);
        expect(used).toBe(true);
        expect(diff).toBeLessThanOrEqual(1e-14);
      }),
      { numRuns: 80 },
    );
  });
});

describe('flash-decoding across the worker pool', () => {
  beforeAll(() => {
    loadWasmSync({ relaxedSimd: false, sharedMemory: true });
  });
  afterAll(() => configure({ threads: 1 }));

  // dim 16: the copied chunks fit one scratch slot; dim 64: three slots, pipelined
  for (const dim of [16, 64])
    it(`dim ${dim}: 1, 2 and 3 threads give the same bits (copied and in-place operands)`, () => {
      const c: Case = {
        heads: 2,
        queries: 1,
        keys: 5 * WASM_DECODE_CHUNK + 300,
        dim,
        causal: true,
      };
      const x = inputs(c);
      const x32 = {
        q: Float32Array.from(x.q),
        k: Float32Array.from(x.k),
        v: Float32Array.from(x.v),
      };
      const inWasm = inWasmMemory(Float32Array, x32);
      const run = () => [x, x32, inWasm].map((y) => both(c, y));
      const one = run();
      for (const t of [2, 3]) {
        configure({ threads: t });
        const many = run();
        expect(poolWorkers()).toBe(t - 1);
        for (let i = 0; i < one.length; i++) {
          expect(many[i]!.used).toBe(true);
          expect(many[i]!.w.out).toEqual(one[i]!.w.out);
          expect(many[i]!.w.lse).toEqual(one[i]!.w.lse);
        }
      }
      expect(one[2]!.w.out).toEqual(one[1]!.w.out); // in place = copied
      freeInputs(inWasm);
    });
});

describe("backend: 'js' keeps attention's matrix products in JavaScript", () => {
  beforeAll(() => {
    loadWasmSync({ relaxedSimd: false, sharedMemory: true });
  });

  it('never calls the WebAssembly gemm, and agrees bit for bit with the plain-SIMD one', () => {
    // sigmoid attention takes the tiled path, whose 64×64×32 products are worth copying
    const c: Case = { queries: 64, keys: 64, dim: 32, normalizer: 'sigmoid' };
    const x = inputs(c);
    const dOut = randomArray(outLength(c), 4);
    const spy = vi.spyOn(wasmBackend, 'gemm');
    const j = attention(x.q, x.k, x.v, { ...opts(c), backend: 'js' });
    const jg = attentionVjp(x.q, x.k, x.v, dOut, { ...opts(c), backend: 'js' });
    expect(spy).not.toHaveBeenCalled();
    const w = attention(x.q, x.k, x.v, { ...opts(c), backend: 'wasm' });
    const wg = attentionVjp(x.q, x.k, x.v, dOut, { ...opts(c), backend: 'wasm' });
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
    expect(Array.from(w.out)).toEqual(Array.from(j.out));
    for (const g of ['dq', 'dk', 'dv'] as const)
      expect(Array.from(wg[g])).toEqual(Array.from(jg[g]));
  });
});
