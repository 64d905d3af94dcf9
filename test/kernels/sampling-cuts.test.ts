import { describe, expect, it } from 'vitest';
import { gatherRow, newCandidates } from '../../src/kernels/sampling-candidates.js';
import { cutMinP, cutTopK } from '../../src/kernels/sampling-cuts.js';

// The samplers' filters; tested against sort-based references in test/sampling/filters.test.ts.

const kept = (x: number[], cut: (c: ReturnType<typeof newCandidates>) => void) => {
  const c = newCandidates(x.length);
  gatherRow(c, x, 0, x.length);
  cut(c);
  return Array.from(c.idx.subarray(0, c.m));
};

describe('sampling cuts', () => {
  it('top-k keeps the k largest (ties kept), min-p those ≥ p·p_max', () => {
    const x = [1, 3, 2, 3, 0];
    expect(kept(x, (c) => cutTopK(c, 2))).toEqual([1, 3]);
    expect(kept(x, (c) => cutTopK(c, 3))).toEqual([1, 2, 3]);
    // p_j / p_max = e^(x_j − 3): 1 and 3 (1), 2 (0.37) kept at 0.3; 1 (0.14) and 0 (0.05) cut
    expect(kept(x, (c) => cutMinP(c, 0.3, 1))).toEqual([1, 2, 3]);
  });
});
