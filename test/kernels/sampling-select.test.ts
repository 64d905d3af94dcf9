import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kthValue, weightedSelect } from '../../src/kernels/sampling-select.js';

/** The cut by a sort and a cumulative sum: the key where the running mass first reaches T. */
function bySort(keys: number[], w: number[], target: number): number {
  const order = keys.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]!);
  // group ties: the mass of a key value counts whole
  let cum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && keys[order[j]!] === keys[order[i]!]) cum += w[order[j++]!]!;
    if (cum >= target) return keys[order[i]!]!;
    i = j;
  }
  return keys[order[order.length - 1]!]!;
}

describe('weightedSelect', () => {
  it('finds the cut a sort + cumulative sum finds (integer masses: exact sums)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -6, max: 6 }), fc.integer({ min: 0, max: 5 })), {
          minLength: 1,
          maxLength: 60,
        }),
        fc.integer({ min: -2, max: 200 }),
        (pairs, target) => {
          const keys = pairs.map((p) => p[0]);
          const w = pairs.map((p) => p[1]);
          const got = weightedSelect(
            Float64Array.from(keys),
            Float64Array.from(w),
            keys.length,
            target,
          );
          expect(got).toBe(bySort(keys, w, target));
        },
      ),
      { numRuns: 3000 },
    );
  });
  it('k-th largest and smallest count ties', () => {
    const x = [3, 1, 3, 2, 5];
    const s = new Float64Array(5);
    const o = new Float64Array(5);
    expect([1, 2, 3, 4, 5].map((k) => kthValue(x, 5, k, s, o, -1))).toEqual([5, 3, 3, 2, 1]);
    expect([1, 2, 3, 4, 5].map((k) => kthValue(x, 5, k, s, o, 1))).toEqual([1, 2, 3, 3, 5]);
  });
  it('stays linear on sorted and constant input (no quadratic pivot)', () => {
    const n = 200_000;
    const up = Float64Array.from({ length: n }, (_, i) => i);
    const ones = new Float64Array(n).fill(1);
    expect(weightedSelect(up, ones, n, n / 2)).toBe(n / 2 - 1);
    const flat = new Float64Array(n).fill(7);
    expect(weightedSelect(flat, new Float64Array(n).fill(1), n, 5)).toBe(7);
  });
});
