import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configure } from '../../src/kernels/threads/pool.js';
import '../../src/kernels/wasm/index.js';
import { loadWasmSync } from '../../src/kernels/wasm/load.js';
import { wasmArray } from '../../src/kernels/wasm/memory.js';
import { type SampleOptions, sample } from '../../src/sampling/sample.js';
import { createSampler } from '../../src/sampling/sampler.js';
import { softmaxTopK } from '../../src/sampling/softmax-top-k.js';
import type { SoftmaxKitError } from '../../src/tensor/errors.js';

const NEG = Number.NEGATIVE_INFINITY;

/** sample's result, or the error's code and message. */
function attempt(x: Float32Array | Float64Array, o: SampleOptions) {
  try {
    return sample(x, o);
  } catch (e) {
    return { code: (e as SoftmaxKitError).code, message: (e as Error).message };
  }
}

/** Deterministic logits in [−s, s), some rows with ties. */
function logits(
  type: Float32ArrayConstructor | Float64ArrayConstructor,
  len: number,
  seed: number,
  s = 8,
) {
  const x = new type(len);
  let u = seed >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    u = (Math.imul(u, 1103515245) + 12345) >>> 0;
    x[i] = (u / 2 ** 32 - 0.5) * 2 * s;
  }
  return x;
}

describe('sample on the wasm backend (its SIMD top-k) equals the JS kernels', () => {
  beforeAll(() => loadWasmSync());
  const entry = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: -3, max: 3 }) },
    { weight: 6, arbitrary: fc.double({ min: -30, max: 30, noNaN: true }) },
    { weight: 1, arbitrary: fc.constant(NEG) },
    { weight: 1, arbitrary: fc.constant(Number.POSITIVE_INFINITY) },
    { weight: 1, arbitrary: fc.constant(Number.NaN) },
  );
  for (const type of [Float32Array, Float64Array])
    it(`${type.name}: the same tokens, log-probabilities and errors, penalties and bias before top-k`, () => {
      fc.assert(
        fc.property(
          fc.array(entry, { minLength: 2, maxLength: 400 }),
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 50 }),
          fc.array(fc.nat(), { maxLength: 80 }),
          fc.boolean(),
          fc.nat(),
          (raw, rows0, topK, hist, hfOrder, seed) => {
            const n = Math.max(1, Math.floor(raw.length / rows0));
            const rows = Math.floor(raw.length / n);
            const x = type.from(raw.slice(0, rows * n));
            const tokens = hist.map((t) => t % n);
            const o: SampleOptions = {
              shape: [rows, n],
              seed,
              topK,
              topP: 0.9,
              minP: 0.05,
              temperature: 0.7,
              penalties: { tokens, repetition: 1.3, frequency: 0.2, presence: 0.1 },
              logitBias: { [seed % n]: -2, [(seed >> 3) % n]: NEG },
              rawLogprobs: true,
              topLogprobs: 3,
              ...(hfOrder && {
                order: ['temperature', 'penalties', 'topK', 'topP', 'minP', 'logitBias'],
              }),
            };
            expect(attempt(x, { ...o, backend: 'wasm' })).toEqual(
              attempt(x, { ...o, backend: 'js' }),
            );
          },
        ),
        { numRuns: 400 },
      );
    });

  it('long rows and a batch (more edits than the batch buffers hold ahead): the same tokens', () => {
    const n = 50_000;
    const x = logits(Float32Array, 5 * n, 3, 6);
    x.fill(x[7]!, 100, 400); // ties at the top
    const history = Array.from({ length: 150 }, (_, i) => (i * 331) % n); // 150 edits > 64
    // row 0's 30 largest tokens edited: more than the 8 its buffer holds beyond k
    const top = Array.from({ length: n }, (_, i) => i)
      .sort((a, b) => x[b]! - x[a]! || a - b)
      .slice(0, 30);
    for (const tokens of [history.slice(0, 20), history, top, top.slice(0, 6)]) {
      const o: SampleOptions = {
        shape: [5, n],
        seed: 9,
        topK: 40,
        topP: 0.95,
        penalties: { tokens, repetition: 1.2 },
      };
      expect(sample(x, { ...o, backend: 'wasm' })).toEqual(sample(x, { ...o, backend: 'js' }));
      expect(sample(x.subarray(0, n), { ...o, shape: [n], backend: 'wasm' })).toEqual(
        sample(x.subarray(0, n), { ...o, shape: [n], backend: 'js' }),
      );
    }
  });
});

describe("position: 'last'", () => {
  beforeAll(() => loadWasmSync());
  it('samples the last position of each sequence, never reading the others', () => {
    const [batch, seq, n] = [3, 4, 300];
    const x = logits(Float32Array, batch * seq * n, 11);
    const last = new Float32Array(batch * n);
    for (let b = 0; b < batch; b++) {
      last.set(x.subarray((b * seq + seq - 1) * n, (b * seq + seq) * n), b * n);
      x.fill(Number.NaN, b * seq * n, (b * seq + seq - 1) * n); // read, a NaN would throw
    }
    const o = { seed: 5, topK: 20, topP: 0.9 };
    for (const backend of ['js', 'wasm'] as const) {
      const want = sample(last, { ...o, shape: [batch, n], backend });
      const t = { data: x, dims: [batch, seq, n] };
      expect(sample(t, { ...o, position: 'last', backend })).toEqual(want);
      expect(sample(x, { ...o, shape: [batch, seq, n], position: 'last', backend })).toEqual(want);
      // in WebAssembly memory: read in place at the sequence stride
      const xw = wasmArray(Float32Array, x.length);
      xw.set(x);
      expect(sample(xw, { ...o, shape: [batch, seq, n], position: 'last', backend })).toEqual(want);
      const s = createSampler({ ...o, backend });
      expect(s.sample(t, { position: 'last' })).toEqual(want);
    }
    // [seq, vocabulary]: one row
    const one = sample(x.subarray(0, seq * n), { ...o, shape: [seq, n], position: 'last' });
    expect(one.tokens).toHaveLength(1);
  });
  it('needs [..., seq, vocabulary] with the vocabulary last', () => {
    for (const o of [{ shape: [6] }, { shape: [2, 3], axis: 0 }])
      expect(() => sample(new Float32Array(6), { ...o, position: 'last' })).toThrow(
        expect.objectContaining({
          code: 'INVALID_PARAMETER',
          message: expect.stringMatching(/^sample: expected position 'last'/),
        }),
      );
    expect(() => sample(new Float32Array(6), { position: 'first' as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMETER' }),
    );
  });
});

describe('the batch on threads', () => {
  afterAll(() => configure({ threads: 1 }));
  it('2 and 3 threads give the same tokens and values as one (sample, softmaxTopK)', () => {
    loadWasmSync();
    const [rows, n] = [24, 4096];
    const x = logits(Float32Array, rows * n, 21);
    x[3 * n + 5] = Number.NaN; // a row left to the JS kernel: softmaxTopK gives NaN
    const o: SampleOptions = {
      shape: [rows, n],
      seed: 3,
      topK: 40,
      topP: 0.95,
      minP: 0.05,
      temperature: 0.8,
      penalties: { tokens: [1, 2, 3, 900], repetition: 1.1, frequency: 0.1, presence: 0.1 },
    };
    const clean = x.slice();
    clean[3 * n + 5] = 0;
    const run = (threads: number) => {
      configure({ threads });
      return [sample(clean, o), softmaxTopK(x, { k: 64, shape: [rows, n] })];
    };
    const one = run(1);
    expect(run(2)).toEqual(one);
    expect(run(3)).toEqual(one);
  });

  it('pipelined (rows chained while the pool selects the next): the same tokens, the error of the first bad row', () => {
    loadWasmSync();
    const [rows, n] = [24, 200_000]; // several copy chunks per block with 2 and 3 threads
    const x = logits(Float32Array, rows * n, 8);
    let top = 0;
    for (let i = 1; i < n; i++) if (x[5 * n + i]! > x[5 * n + top]!) top = i;
    x.fill(x[5 * n + top]!, 5 * n, 5 * n + 12); // row 5: 13 edited tokens among its largest
    const o: SampleOptions = {
      shape: [rows, n],
      seed: 4,
      topK: 40,
      topP: 0.95,
      minP: 0.05,
      temperature: 0.8,
      rawLogprobs: true,
      penalties: { tokens: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, top], repetition: 1.1 },
    };
    const bad = x.slice();
    bad[17 * n + 9] = Number.NaN;
    bad[20 * n + 3] = Number.NaN;
    const run = (threads: number) => {
      configure({ threads });
      return [sample(x, o), attempt(bad, o), sample(x, o)];
    };
    configure({ threads: 1 });
    const want = [sample(x, { ...o, backend: 'js' }), attempt(bad, { ...o, backend: 'js' })];
    expect(want[1]).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('row 17'),
    });
    for (const threads of [1, 2, 3]) expect(run(threads)).toEqual([want[0], want[1], want[0]]);
  });
  it('logits in WebAssembly memory (wasmArray), read in place: the same tokens and values on 1, 2, 3 threads, the array untouched', () => {
    loadWasmSync();
    const [rows, seq, n] = [21, 2, 60_000]; // the pool's chunks, and a sequence stride
    const x = logits(Float32Array, rows * seq * n, 12);
    const o: SampleOptions = {
      shape: [rows * seq, n],
      seed: 6,
      topK: 40,
      topP: 0.95,
      minP: 0.05,
      temperature: 0.8,
      rawLogprobs: true,
      topLogprobs: 3,
      penalties: { tokens: [5, 17, 17, 4000, 59_999], repetition: 1.1, frequency: 0.1 },
    };
    const last: SampleOptions = { ...o, shape: [rows, seq, n], position: 'last' };
    const bad = x.slice();
    bad[(2 * 9 + 1) * n + 4] = Number.NaN; // row 9 of the batch, row 19 of all positions
    configure({ threads: 1 });
    const want = [
      sample(x, { ...o, backend: 'js' }),
      sample(x, { ...last, backend: 'js' }),
      attempt(bad, { ...o, backend: 'js' }),
      softmaxTopK(x, { k: 8, shape: [rows * seq, n] }), // the wasm kernel's normalizer, copied in
    ];
    expect(want[2]).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('row 19'),
    });
    const xw = wasmArray(Float32Array, x.length);
    const bw = wasmArray(Float32Array, x.length);
    xw.set(x);
    bw.set(bad);
    const same = (a: Float32Array | Float64Array, b: Float32Array | Float64Array) =>
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
        Buffer.from(b.buffer, b.byteOffset, b.byteLength),
      );
    for (const threads of [1, 2, 3]) {
      configure({ threads });
      const got = [
        sample(xw, o),
        sample(xw, last),
        attempt(bw, o),
        softmaxTopK(xw, { k: 8, shape: [rows * seq, n] }),
      ];
      expect(got).toEqual(want);
      expect(same(xw, x) && same(bw, bad)).toBe(true);
    }
    configure({ threads: 1 });
  });
});
