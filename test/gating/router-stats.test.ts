import { describe, expect, it } from 'vitest';
import { routerStats } from '../../src/gating/router-stats.js';
import { topKGating } from '../../src/gating/top-k-gating.js';
import { topPGating } from '../../src/gating/top-p-gating.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';

describe('routerStats', () => {
  it('counts, load, cv, maxLoad, dropped fraction and entropy on a hand-made routing', () => {
    const scores = [0.5, 0.5, 0, 1, 0, 0, 0.25, 0.25, 0.5];
    const indices = new Int32Array([0, 1, 0, 1, 2, 0]);
    const dropped = new Uint8Array([0, 0, 0, 1, 0, 1]);
    const s = routerStats({ scores, indices, dropped }, { shape: [3, 3] });
    expect(Array.from(s.counts)).toEqual([2, 1, 1]);
    expect(Array.from(s.load)).toEqual([0.5, 0.25, 0.25]);
    const mean = 4 / 3;
    const std = Math.sqrt(((2 - mean) ** 2 + 2 * (1 - mean) ** 2) / 3);
    expect(s.cv).toBeCloseTo(std / mean, 15);
    expect(s.maxLoad).toBeCloseTo(1.5, 15);
    expect(s.droppedFraction).toBeCloseTo(2 / 6, 15);
    const h = (Math.LN2 + 0 + (0.5 * Math.log(4) + 0.5 * Math.log(2))) / 3;
    expect(s.entropy).toBeCloseTo(h, 15);
  });

  it('reads topKGating and topPGating results (−1 slots skipped); balanced gives cv 0', () => {
    const x = [4, 0, 0, 0, 4, 0, 0, 0, 4];
    const s = routerStats(topKGating(x, { shape: [3, 3], k: 1 }), { shape: [3, 3] });
    expect(s.cv).toBe(0);
    expect(s.maxLoad).toBe(1);
    const p = routerStats(topPGating(x, { shape: [3, 3], p: 0.5 }), { shape: [3, 3] });
    expect(Array.from(p.counts)).toEqual([1, 1, 1]);
  });

  it('rejects indices out of range or of the wrong length', () => {
    expect(() => routerStats({ scores: [0.5, 0.5], indices: [2] }, { shape: [1, 2] })).toThrow(
      SoftmaxKitError,
    );
    expect(() =>
      routerStats({ scores: [0.5, 0.5, 1, 0], indices: [0, 1, 0] }, { shape: [2, 2] }),
    ).toThrow(SoftmaxKitError);
    expect(() => routerStats(null as never)).toThrow(SoftmaxKitError);
  });
});
