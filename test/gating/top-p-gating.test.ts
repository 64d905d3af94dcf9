import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topPGating, topPGatingVjp } from '../../src/gating/top-p-gating.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { rows, softmaxRow, topkIndices } from './reference.js';

/** Huang et al.'s rule by a full sort: the shortest prefix whose mass reaches p. */
function refTopP(row: number[], p: number, maxK: number): number[] {
  const s = softmaxRow(row);
  const order = topkIndices(
    s.map((v, i) => (row[i] === -Infinity ? -Infinity : v)),
    row.length,
  ).filter((i) => row[i] !== -Infinity);
  const out: number[] = [];
  let cum = 0;
  for (const i of order) {
    if (cum >= p || out.length === maxK) break;
    out.push(i);
    cum += s[i]!;
  }
  return out;
}

describe('topPGating (dynamic routing)', () => {
  it('takes the fewest experts whose mass reaches p, padded with −1', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(
          fc.oneof(
            fc.integer({ min: -3, max: 3 }),
            fc.integer({ min: -256, max: 256 }).map((v) => v / 32),
            fc.constant(Number.NEGATIVE_INFINITY),
          ),
          { minLength: 50, maxLength: 50 },
        ),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 10 }),
        (E, tokens, pool, p, maxKRaw) => {
          const maxK = Math.min(maxKRaw, E);
          const x = pool.slice(0, tokens * E);
          const r = topPGating(x, { shape: [tokens, E], p, maxK });
          rows(x, E).forEach((row, t) => {
            const want = refTopP(row, p, maxK);
            const s = softmaxRow(row);
            const got = Array.from(r.indices.subarray(t * maxK, (t + 1) * maxK));
            expect(got).toEqual([...want, ...new Array(maxK - want.length).fill(-1)]);
            expect(r.k[t]).toBe(want.length);
            want.forEach((e, j) => {
              expect(r.weights[t * maxK + j]).toBeCloseTo(s[e]!, 14);
            });
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the doc example; p = 1 takes every unmasked expert', () => {
    const r = topPGating([3, 1, 0, -1], { p: 0.9 });
    expect(Array.from(r.k)).toEqual([2]);
    expect(Array.from(r.indices)).toEqual([0, 1, -1, -1]);
    const all = topPGating([1, -Infinity, 0], { p: 1 });
    expect(Array.from(all.indices)).toEqual([0, 2, -1]);
  });

  it('gradient (selection fixed) against central differences; Float32 kept', () => {
    const x = randomArray(4 * 6, 13, -2, 2);
    const opts = { shape: [4, 6], p: 0.7, maxK: 4 };
    const dw = randomArray(16, 14);
    const g = topPGatingVjp(x, dw, opts);
    const fd = fdVjp((z) => topPGating(z, opts).weights, x, dw);
    expect(gradError(g, fd)).toBeLessThan(1e-8);
    expect(topPGating(new Float32Array(3), { p: 0.5 }).weights).toBeInstanceOf(Float32Array);
  });

  it('rejects p outside (0, 1] and maxK outside [1, experts]', () => {
    expect(() => topPGating([1, 2], { p: 0 })).toThrow(SoftmaxKitError);
    expect(() => topPGating([1, 2], { p: 1.5 })).toThrow(SoftmaxKitError);
    expect(() => topPGating([1, 2], { maxK: 3 })).toThrow(/maxK/);
  });
});
