import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newQueryBlock, setQueryBlock } from '../../src/attention/logits.js';
import { resolveAttention } from '../../src/attention/problem.js';
import {
  finishRows,
  foldKeys,
  initRowStates,
  mergeRowStates,
  newRowStates,
} from '../../src/attention/row-state.js';
import { randomArray } from '../helpers/finite-difference.js';

const keys = 40;
const q = randomArray(3 * 2, 41, -3, 3);
const k = randomArray(keys * 2, 42, -3, 3);
const v = randomArray(keys * 2, 43);

/** Fold keys [0, keys) whole, or as [0, a) ⊕ [a, b) ⊕ [b, keys), and finish. */
function run(kind: string, cuts: number[], causal: boolean, sinks?: number[]) {
  const p = resolveAttention('t', q, k, v, {
    dim: 2,
    normalizer: kind,
    blockSize: 3,
    causal,
    sinks,
  });
  const blk = newQueryBlock(3);
  setQueryBlock(p, blk, 0, 0, 0, 3);
  const st = newRowStates(3, 2);
  const part = newRowStates(3, 2);
  const S = new Float64Array(9);
  initRowStates(p, blk, st, true);
  const edges = [0, ...cuts, keys];
  for (let c = 0; c + 1 < edges.length; c++) {
    initRowStates(p, blk, part, false);
    foldKeys(p, blk, part, edges[c]!, edges[c + 1]!, S);
    mergeRowStates(st, part, 3, 2);
  }
  const out = new Float64Array(6);
  const lse = new Float64Array(3);
  finishRows(p, blk, st, out, false, lse);
  return [...out, ...lse];
}

describe('row states: folding key ranges and merging them is exact', () => {
  for (const kind of ['softmax', 'softpick', 'softplusNorm', 'sigmoid'])
    it(`${kind}: any split of the keys gives the same result`, () => {
      const sinks = kind === 'sigmoid' ? undefined : [0.5];
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: keys }),
          fc.integer({ min: 0, max: keys }),
          fc.boolean(),
          (a, b, causal) => {
            const whole = run(kind, [], causal, sinks);
            const split = run(kind, [Math.min(a, b), Math.max(a, b)], causal, sinks);
            for (let i = 0; i < whole.length; i++)
              expect(Math.abs(split[i]! - whole[i]!)).toBeLessThanOrEqual(
                1e-14 * Math.max(1, Math.abs(whole[i]!)),
              );
          },
        ),
        { numRuns: 40 },
      );
    });

  it('a causal row that sees nothing finishes as zeros with L = −∞', () => {
    const p = resolveAttention('t', [1, 2], [1], [5], { dim: 1, queries: 2, causal: true });
    const blk = newQueryBlock(2);
    setQueryBlock(p, blk, 0, 0, 0, 2);
    const st = newRowStates(2, 1);
    initRowStates(p, blk, st, true);
    foldKeys(p, blk, st, 0, 1, new Float64Array(4));
    const out = new Float64Array(2);
    const lse = new Float64Array(2);
    finishRows(p, blk, st, out, false, lse);
    expect([...out]).toEqual([0, 5]);
    expect(lse[0]).toBe(-Infinity);
  });
});
