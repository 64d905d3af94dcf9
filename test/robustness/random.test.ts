/**
 * Robustness of the random exports (issue 15): philox4x32, uniform and gumbel with
 * arbitrary words, seeds, offsets and outs → the documented result (draws in (0, 1),
 * finite Gumbel draws, reproducible) or a SoftmaxKitError naming the function.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gumbel, philox4x32, uniform } from '../../src/index.js';
import { anyValue, check, edgeNumber, expectCleanOutcome } from '../helpers/robust.js';

const word = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
  edgeNumber,
  anyValue,
);
const seed = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(0, 1, 42, 2 ** 32, 2 ** 53 - 1) },
  edgeNumber,
  anyValue,
);
const out = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 8 }).map((n) => new Float64Array(n)) },
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 8 }).map((n) => new Float32Array(n)) },
  anyValue,
);

const RUNS = 700;

describe('robustness: random (issue 15)', () => {
  it('philox4x32', () => {
    const words = fc.tuple(word, word, word, word, word, word);
    const block = fc.oneof(
      { weight: 8, arbitrary: fc.constant(null).map(() => new Uint32Array(4)) },
      fc.constant(null).map(() => new Uint32Array(2)),
      anyValue,
    );
    check(
      fc.tuple(words, block),
      ([w, o]) =>
        expectCleanOutcome(
          'philox4x32',
          () =>
            philox4x32(
              ...(w as [number, number, number, number, number, number]),
              o as Uint32Array,
            ),
          [w],
          () => {
            // a result only for valid words: the same block again
            const again = new Uint32Array(4);
            philox4x32(...(w as [number, number, number, number, number, number]), again);
            expect(Array.from(again)).toEqual(Array.from(o as Uint32Array).slice(0, 4));
          },
        ),
      RUNS,
    );
  });

  it('uniform and gumbel', () => {
    check(
      fc.tuple(seed, seed, out),
      ([s, off, o]) => {
        expectCleanOutcome(
          'uniform',
          () => uniform(s as number, off as number, o as Float64Array),
          [s, off],
          (u) => {
            for (const v of u) expect(v > 0 && v < 1).toBe(true);
          },
        );
        expectCleanOutcome(
          'gumbel',
          () => gumbel(s as number, off as number, o as Float64Array),
          [s, off],
          (g) => {
            for (const v of g) expect(Number.isFinite(v)).toBe(true);
          },
        );
      },
      RUNS,
    );
  });
});
