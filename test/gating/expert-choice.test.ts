import { describe, expect, it } from 'vitest';
import { expertChoiceGating, expertChoiceGatingVjp } from '../../src/gating/expert-choice.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { rows, softmaxRow, topkIndices } from './reference.js';

describe('expertChoiceGating (Zhou et al. 2022)', () => {
  it('each expert takes its c best tokens by softmax score, ties by lower token', () => {
    for (const [tokens, E, cf] of [
      [12, 4, 2],
      [9, 3, 1],
      [16, 8, 1.5],
    ] as const) {
      const x = randomArray(tokens * E, tokens * E, -3, 3).map((v) => Math.round(v * 2) / 2); // ties
      const r = expertChoiceGating(x, { shape: [tokens, E], capacityFactor: cf });
      const c = Math.ceil((cf * tokens) / E);
      const S = rows(x, E).map(softmaxRow);
      const counts = new Array<number>(tokens).fill(0);
      for (let e = 0; e < E; e++) {
        const column = S.map((s) => s[e]!);
        const want = topkIndices(column, c);
        expect(Array.from(r.indices.subarray(e * c, (e + 1) * c))).toEqual(want);
        want.forEach((t, j) => {
          expect(r.weights[e * c + j]).toBeCloseTo(column[t]!, 15);
          counts[t]!++;
        });
      }
      expect(Array.from(r.counts)).toEqual(counts);
    }
  });

  it('the doc example; capacity overrides the factor', () => {
    const r = expertChoiceGating([2, 0, 0, 2, 1, 1], { shape: [3, 2], capacity: 1 });
    expect(Array.from(r.indices)).toEqual([0, 1]);
    expect(Array.from(r.counts)).toEqual([1, 1, 0]);
  });

  it('gradient (selection fixed) against central differences', () => {
    const x = randomArray(6 * 3, 17, -2, 2);
    const opts = { shape: [6, 3], capacity: 3 };
    const dw = randomArray(9, 18);
    const fd = fdVjp((z) => expertChoiceGating(z, opts).weights, x, dw);
    expect(gradError(expertChoiceGatingVjp(x, dw, opts), fd)).toBeLessThan(1e-8);
  });

  it('rejects a capacity beyond the tokens', () => {
    expect(() => expertChoiceGating([1, 2, 3, 4], { shape: [2, 2], capacity: 3 })).toThrow(
      SoftmaxKitError,
    );
  });

  it('tokenGroups: each expert takes its c best tokens within each group (batch of sequences)', () => {
    const [G, n, E, cf] = [3, 8, 4, 1.5];
    const x = randomArray(G * n * E, 41, -3, 3).map((v) => Math.round(v * 2) / 2); // ties
    const r = expertChoiceGating(x, { shape: [G, n, E], capacityFactor: cf, tokenGroups: G });
    const c = Math.ceil((cf * n) / E);
    expect(r.indices.length).toBe(G * E * c);
    const S = rows(x, E).map(softmaxRow);
    const counts = new Array<number>(G * n).fill(0);
    for (let g = 0; g < G; g++)
      for (let e = 0; e < E; e++) {
        const column = S.slice(g * n, (g + 1) * n).map((s) => s[e]!);
        const want = topkIndices(column, c).map((t) => t + g * n);
        const o = (g * E + e) * c;
        expect(Array.from(r.indices.subarray(o, o + c))).toEqual(want);
        want.forEach((t, j) => {
          expect(r.weights[o + j]).toBeCloseTo(S[t]![e]!, 15);
          counts[t]!++;
        });
      }
    expect(Array.from(r.counts)).toEqual(counts);
    // one group is the pool of every token: the default
    const pooled = expertChoiceGating(x, { shape: [G * n, E], capacity: 2 });
    const one = expertChoiceGating(x, { shape: [G * n, E], capacity: 2, tokenGroups: 1 });
    expect(Array.from(one.indices)).toEqual(Array.from(pooled.indices));
  });

  it('tokenGroups: gradient (selection fixed) against central differences', () => {
    const x = randomArray(2 * 5 * 3, 43, -2, 2);
    const opts = { shape: [2, 5, 3], capacity: 2, tokenGroups: 2 };
    const dw = randomArray(2 * 3 * 2, 44);
    const fd = fdVjp((z) => expertChoiceGating(z, opts).weights, x, dw);
    expect(gradError(expertChoiceGatingVjp(x, dw, opts), fd)).toBeLessThan(1e-8);
  });

  it('tokenGroups must divide the tokens; capacity is per group', () => {
    expect(() =>
      expertChoiceGating(new Float64Array(12), { shape: [6, 2], tokenGroups: 4 }),
    ).toThrow(/expertChoiceGating: expected tokenGroups to divide the 6 tokens, got 4/);
    expect(() =>
      expertChoiceGating(new Float64Array(12), { shape: [6, 2], tokenGroups: 3, capacity: 3 }),
    ).toThrow(/capacity in \[1, 2\] \(the tokens per group\)/);
  });
});
