/** The @example of every gating doc comment, run and checked against its stated result. */
import { describe, expect, it } from 'vitest';
import * as g from '../../src/gating/index.js';

const E = Math.E;

describe('gating doc examples', () => {
  it('topKGating', () => {
    const r = g.topKGating(new Float32Array([2, 0, 1, -1, 0, 3, 0, 0]), { shape: [2, 4], k: 2 });
    expect(Array.from(r.indices)).toEqual([0, 2, 1, 0]);
    const want = [(E * E) / (E * E + E), E / (E * E + E), E ** 3 / (E ** 3 + 1), 1 / (E ** 3 + 1)];
    want.forEach((w, j) => {
      expect(r.weights[j]).toBeCloseTo(w, 7);
    });
  });
  it('loadBalancingLoss, routerZLoss, sequenceBalanceLoss, updateExpertBias', () => {
    expect(g.loadBalancingLoss([0, 0, 0, 0], { shape: [2, 2], k: 1 }).loss).toBe(1);
    expect(g.routerZLoss([0, 0], { shape: [1, 2] }).loss).toBeCloseTo(Math.LN2 ** 2, 15);
    expect(g.sequenceBalanceLoss([0, 0, 0, 0], { shape: [2, 2], k: 1, alpha: 1 }).loss).toBe(1);
    expect(Array.from(g.updateExpertBias([0, 0, 0], [5, 1, 3], { rate: 0.001 }))).toEqual([
      -0.001, 0.001, 0,
    ]);
  });
  it('topPGating, expertChoiceGating, softMoeWeights, denseToSparseGating, routerStats', () => {
    expect(Array.from(g.topPGating([3, 1, 0, -1], { p: 0.9 }).indices)).toEqual([0, 1, -1, -1]);
    expect(
      Array.from(g.expertChoiceGating([2, 0, 0, 2, 1, 1], { shape: [3, 2], capacity: 1 }).indices),
    ).toEqual([0, 1]);
    const s = g.softMoeWeights([0, 0, Math.log(3), 0], { shape: [2, 2] });
    expect(Array.from(s.dispatch, (v) => +v.toFixed(12))).toEqual([0.25, 0.5, 0.75, 0.5]);
    expect(Array.from(s.combine, (v) => +v.toFixed(12))).toEqual([0.5, 0.5, 0.75, 0.25]);
    const d = g.denseToSparseGating([2, 1, -3], { temperature: 0.5, threshold: 0.05 }).weights;
    expect(d[2]).toBe(0);
    expect(d[1]).toBeCloseTo(0.1192, 4);
    const tokens = 16;
    const logits = new Float64Array(tokens * 8);
    for (let t = 0; t < tokens; t++) {
      logits[t * 8 + (t % 8)] = 5;
      logits[t * 8 + ((t + 1) % 8)] = 3;
    }
    const r = g.topKGating(logits, { shape: [tokens, 8], k: 2, capacityFactor: 1.25 });
    expect(g.routerStats(r, { shape: [tokens, 8] }).cv).toBe(0); // 4 slots each
  });
});
