import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dryPenalty, logitBias, noRepeatNgram, penalize } from '../../src/sampling/penalties.js';
import { refDry, refNgram, refPenalize } from './reference.js';

const NEG = Number.NEGATIVE_INFINITY;
const value = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -20, max: 20, noNaN: true }) },
  { weight: 1, arbitrary: fc.constant(NEG) },
);
/** A row and a history over a small alphabet (so repeats and n-grams recur). */
const rowAndHistory = fc
  .integer({ min: 1, max: 12 })
  .chain((n) =>
    fc.tuple(
      fc.array(value, { minLength: n, maxLength: n }),
      fc.array(fc.integer({ min: 0, max: Math.min(n, 4) - 1 }), { maxLength: 40 }),
    ),
  );
const RUNS = 1000;

function both(
  f: (x: Float64Array | Float32Array) => Float64Array | Float32Array,
  ref: (x: number[]) => number[],
  x: number[],
) {
  expect(Array.from(f(Float64Array.from(x)))).toEqual(ref(x));
  const x32 = Float32Array.from(x);
  expect(Array.from(f(x32))).toEqual(Array.from(Float32Array.from(ref(Array.from(x32)))));
}

describe('penalties equal their references', () => {
  it('penalize: repetition (HF/llama.cpp), frequency and presence (OpenAI), window', () => {
    fc.assert(
      fc.property(
        rowAndHistory,
        fc.double({ min: 0.5, max: 2, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
        ([x, h], repetition, frequency, presence, window) => {
          const o = { repetition, frequency, presence, window };
          both(
            (a) => penalize(a, { tokens: h, ...o }),
            (r) => refPenalize(r, h, o),
            x,
          );
        },
      ),
      { numRuns: RUNS },
    );
  });
  it('dryPenalty equals a brute-force DRY (llama.cpp), breakers included', () => {
    fc.assert(
      fc.property(
        rowAndHistory,
        fc.double({ min: 0, max: 3, noNaN: true }),
        fc.double({ min: 1, max: 3, noNaN: true }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }),
        ([x, h], multiplier, base, allowedLength, breakers) => {
          const o = { multiplier, base, allowedLength };
          both(
            (a) => dryPenalty(a, { tokens: h, sequenceBreakers: breakers, ...o }),
            (r) => refDry(r, h, { ...o, breakers }),
            x,
          );
        },
      ),
      { numRuns: RUNS },
    );
  });
  it('noRepeatNgram equals HF’s n-gram table', () => {
    fc.assert(
      fc.property(rowAndHistory, fc.integer({ min: 1, max: 4 }), ([x, h], n) =>
        both(
          (a) => noRepeatNgram(a, { tokens: h, n }),
          (r) => refNgram(r, h, n),
          x,
        ),
      ),
      { numRuns: RUNS },
    );
  });
  it('logitBias adds, −∞ bans, on every row', () => {
    const y = logitBias([1, 2, 3, 4, 5, 6], { shape: [2, 3], bias: { 0: 5, 2: NEG } });
    expect(Array.from(y)).toEqual([6, 2, NEG, 9, 5, NEG]);
    const m = logitBias(new Float32Array([1, 2]), { bias: new Map([[1, 0.5]]) });
    expect(Array.from(m)).toEqual([1, 2.5]);
  });
});

describe('penalty edges', () => {
  it('the doc examples', () => {
    expect(
      Array.from(penalize([2, -2, 1], { tokens: [0, 1, 0], repetition: 2, frequency: 0.5 })),
    ).toEqual([0, -4.5, 1]);
    expect(
      Array.from(dryPenalty([0, 0, 0, 0], { tokens: [0, 1, 2, 3, 0, 1], multiplier: 1 })),
    ).toEqual([0, 0, -1, 0]);
    expect(Array.from(noRepeatNgram([0, 0, 0], { tokens: [1, 2, 1], n: 2 }))).toEqual([0, 0, NEG]);
  });
  it('one history per row, on a non-last axis', () => {
    // shape [3 vocab, 2 rows], axis 0: row 0 = column 0
    const x = [1, 1, 1, 1, 1, 1];
    const y = penalize(x, { shape: [3, 2], axis: 0, tokens: [[0], [2]], presence: 1 });
    expect(Array.from(y)).toEqual([0, 1, 1, 1, 1, 0]);
  });
  it('tokens outside the vocabulary and bad histories throw', () => {
    expect(() => penalize([1, 2], { tokens: [2], presence: 1 })).toThrow(
      expect.objectContaining({ code: 'TARGET_OUT_OF_RANGE' }),
    );
    expect(() => penalize([1, 2], { tokens: [0.5] })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(() => penalize([1, 2, 3, 4], { shape: [2, 2], tokens: [[0], [1], [0]] })).toThrow(
      expect.objectContaining({ code: 'SHAPE_MISMATCH' }),
    );
    expect(() => logitBias([1, 2], { bias: { 5: 1 } })).toThrow(/\[0, 2\)/);
    expect(() => logitBias([1, 2], { bias: { 0: Number.POSITIVE_INFINITY } })).toThrow(
      expect.objectContaining({ code: 'NON_FINITE_PARAMETER' }),
    );
  });
});
