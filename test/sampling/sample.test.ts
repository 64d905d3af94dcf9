import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sample } from '../../src/sampling/sample.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { refMinP, refPenalize, refTopK, refTopP, refTypical } from './reference.js';

const NEG = Number.NEGATIVE_INFINITY;

/** log-softmax of the finite entries of x / T (−∞ elsewhere), by a plain max-shifted sum. */
function refLogSoftmax(x: readonly number[], t: number): number[] {
  const y = x.map((v) => (v > NEG ? v / t : NEG));
  const mx = Math.max(...y);
  const lse = mx + Math.log(y.reduce((s, v) => s + (v > NEG ? Math.exp(v - mx) : 0), 0));
  return y.map((v) => v - lse);
}

/** The default chain by the references: penalties → top-k → top-p → min-p (temperature-1 logits). */
function refChain(
  x: number[],
  o: { history: number[]; repetition: number; topK: number; topP: number; minP: number },
): number[] {
  let y = refPenalize(x, o.history, { repetition: o.repetition, frequency: 0, presence: 0 });
  y = refTopK(y, o.topK);
  y = refTopP(y, o.topP, 1);
  return refMinP(y, o.minP, 1);
}

/** Chi-square statistic of counts against probabilities, and the 1e-4 critical value (Wilson–Hilferty). */
function chiSquare(
  counts: number[],
  probs: number[],
  total: number,
): { stat: number; crit: number } {
  let stat = 0;
  let df = -1;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i]! === 0) continue;
    const e = probs[i]! * total;
    stat += (counts[i]! - e) ** 2 / e;
    df++;
  }
  const z = 3.719; // upper 1e-4 quantile of N(0, 1)
  const a = 2 / (9 * df);
  return { stat, crit: df * (1 - a + z * Math.sqrt(a)) ** 3 };
}

describe('sample draws from the processed distribution', () => {
  it('the chosen token is always kept by the reference chain, and its logprob is the final log-softmax', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 48 })
          .chain((n) =>
            fc.tuple(
              fc.array(
                fc.oneof(
                  fc.integer({ min: -3, max: 3 }),
                  fc.double({ min: -10, max: 10, noNaN: true }),
                  fc.constant(NEG),
                ),
                { minLength: n, maxLength: n },
              ),
              fc.array(fc.integer({ min: 0, max: n - 1 }), { maxLength: 8 }),
            ),
          ),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 30 }),
        fc.nat(1000),
        ([x, history], topK, p100, minP100, t10, seed) => {
          if (!x.some((v) => v > NEG)) x[0] = 0;
          const o = { history, repetition: 1.3, topK, topP: p100 / 100, minP: minP100 / 100 };
          const temperature = t10 / 10;
          const r = sample(Float64Array.from(x), {
            seed,
            penalties: { tokens: history, repetition: o.repetition },
            topK,
            topP: o.topP,
            minP: o.minP,
            temperature,
            topLogprobs: 3,
          });
          const kept = refChain(x, o);
          const t = r.tokens[0]!;
          expect(kept[t]).toBeGreaterThan(NEG);
          const lp = refLogSoftmax(kept, temperature);
          expect(r.logprobs[0]).toBeCloseTo(lp[t]!, 12);
          // the most probable kept token: largest tempered logit, ties by lower index
          const best = kept
            .map((v, i) => [v / temperature, i] as const)
            .sort((a, b) => b[0] - a[0] || a[1] - b[1])[0]![1];
          expect(r.topLogprobs!.tokens[0]).toBe(best);
          expect(r.topLogprobs!.logprobs[0]).toBeCloseTo(lp[best]!, 12);
        },
      ),
      { numRuns: 1000 },
    );
  });

  const V = 30;
  const base = Array.from(
    { length: V },
    (_, i) => Math.sin(i * 3.1) * 2.5 + (i % 5 === 0 ? 1.5 : 0),
  );
  const DRAWS = 100_000;
  const configs: [string, Parameters<typeof sample>[1], (x: number[]) => number[]][] = [
    [
      'the default chain (llama.cpp order): penalties, top-k, top-p, min-p, temperature 0.8',
      {
        penalties: { tokens: [3, 3, 7], repetition: 1.5 },
        topK: 12,
        topP: 0.9,
        minP: 0.05,
        temperature: 0.8,
      },
      (x) =>
        refLogSoftmax(
          refChain(x, { history: [3, 3, 7], repetition: 1.5, topK: 12, topP: 0.9, minP: 0.05 }),
          0.8,
        ),
    ],
    [
      "HF's order: temperature 1.5 first, then top-k and top-p",
      { topK: 15, topP: 0.8, temperature: 1.5, order: ['temperature', 'topK', 'topP'] },
      (x) =>
        refLogSoftmax(
          refTopP(
            refTopK(
              x.map((v) => v / 1.5),
              15,
            ),
            0.8,
            1,
          ),
          1,
        ),
    ],
    [
      'typical sampling at temperature 1.2',
      { typicalP: 0.7, temperature: 1.2 },
      (x) => refLogSoftmax(refTypical(x, 0.7, 1), 1.2),
    ],
  ];
  for (const [name, options, ref] of configs)
    it(`chi-square over 10⁵ draws: ${name}`, () => {
      const x = new Float32Array(DRAWS * V);
      for (let r = 0; r < DRAWS; r++) x.set(base, r * V);
      const xs = Array.from(Float32Array.from(base));
      const probs = ref(xs).map(Math.exp);
      const { tokens } = sample(x, { ...options, shape: [DRAWS, V], seed: 2024 });
      const counts = new Array<number>(V).fill(0);
      for (const t of tokens) counts[t]!++;
      for (let i = 0; i < V; i++) if (probs[i] === 0) expect(counts[i]).toBe(0); // never a removed token
      const { stat, crit } = chiSquare(counts, probs, DRAWS);
      expect(stat).toBeLessThan(crit);
    });
});

describe('sample semantics', () => {
  const x = new Float32Array([0.5, 2, 2, -1, 1.5]);
  it('temperature 0 takes the first maximum; its logprob is that of the kept set at T = 1', () => {
    const r = sample(x, { temperature: 0, seed: 1 });
    expect(r.tokens[0]).toBe(1);
    expect(r.logprobs[0]).toBeCloseTo(refLogSoftmax(Array.from(x), 1)[1]!, 12);
  });
  it('is a pure function of (seed, step, row)', () => {
    const batch = new Float32Array(40 * 5);
    for (let r = 0; r < 40; r++) batch.set(x, r * 5);
    const a = sample(batch, { shape: [40, 5], seed: 7, step: 3 });
    const b = sample(batch, { shape: [40, 5], seed: 7, step: 3 });
    const c = sample(batch, { shape: [40, 5], seed: 7, step: 4 });
    expect(Array.from(a.tokens)).toEqual(Array.from(b.tokens));
    expect(Array.from(a.tokens)).not.toEqual(Array.from(c.tokens));
    // the same rows along axis 0 of the transpose draw the same tokens
    const t = new Float32Array(5 * 40);
    for (let r = 0; r < 40; r++) for (let i = 0; i < 5; i++) t[i * 40 + r] = x[i]!;
    const d = sample(t, { shape: [5, 40], axis: 0, seed: 7, step: 3 });
    expect(Array.from(d.tokens)).toEqual(Array.from(a.tokens));
  });
  it('takes transformers.js / onnxruntime tensors, float16 included, row by row', () => {
    const half = new Uint16Array([0x3800, 0x4000, 0x4000, 0xbc00, 0x3e00]); // 0.5, 2, 2, −1, 1.5
    const f16 = sample({ data: half, dims: [1, 5], type: 'float16' }, { seed: 5, topK: 3 });
    const f32 = sample(x, { seed: 5, topK: 3 });
    expect(Array.from(f16.tokens)).toEqual(Array.from(f32.tokens));
    const t = sample({ data: x, dims: [1, 5], type: 'float32' }, { seed: 5, topK: 3 });
    expect(Array.from(t.tokens)).toEqual(Array.from(f32.tokens));
  });
  it('rawLogprobs are log-softmax of the raw logits', () => {
    const r = sample(x, { seed: 3, topK: 2, temperature: 0.5, rawLogprobs: true });
    expect(r.rawLogprobs![0]).toBeCloseTo(refLogSoftmax(Array.from(x), 1)[r.tokens[0]!]!, 6);
  });
  it('the allowed mask constrains the draw; logit bias bans', () => {
    for (let s = 0; s < 50; s++) {
      const r = sample(x, {
        seed: s,
        allowed: [true, false, false, true, true],
        logitBias: { 4: NEG },
      });
      expect([0, 3]).toContain(r.tokens[0]);
    }
  });
  it('throws INVALID_INPUT naming the row for NaN, +∞, or no token left', () => {
    const bad = [0, 1, Number.NaN, 2];
    expect(() => sample(bad, { shape: [2, 2], seed: 1 })).toThrow(/row 1/);
    expect(() => sample([0, Number.POSITIVE_INFINITY], { seed: 1 })).toThrow(/row 0/);
    expect(() => sample([NEG, NEG, 1, 2], { shape: [2, 2], seed: 1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/row 0/) }),
    );
  });
  it('topLogprobs above the vocabulary gives the whole vocabulary (it was a RangeError)', () => {
    const r = sample(new Float32Array([0, 1]), { seed: 1, topLogprobs: 2 ** 52 });
    expect(r.topLogprobs!.tokens).toEqual(Int32Array.from([1, 0]));
    expect(r.topLogprobs!.logprobs[0]).toBeCloseTo(-Math.log1p(Math.exp(-1)), 15);
  });
  it('rejects an order that leaves out a configured step, and unknown options', () => {
    expect(() => sample(x, { topK: 2, order: ['topP'] })).toThrow(/'topK'/);
    expect(() => sample(x, { topk: 2 } as never)).toThrow(/did you mean 'topK'/);
    expect(() => sample(x, { topK: 0 })).toThrow(SoftmaxKitError);
  });
});
