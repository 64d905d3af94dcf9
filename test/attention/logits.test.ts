import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildLogits,
  newQueryBlock,
  setQueryBlock,
  tileInterior,
} from '../../src/attention/logits.js';
import { resolveAttention } from '../../src/attention/problem.js';

/** The structural visibility of (i, j), straight from the option docs. */
function visible(
  i: number,
  j: number,
  Q: number,
  K: number,
  causal: boolean,
  w: number,
  len: number,
) {
  const p = i + K - Q;
  if (j >= len) return false;
  if (causal && j > p) return false;
  if (p - j >= w) return false;
  if (!causal && j - p >= w) return false;
  return true;
}

const problem = fc.record({
  queries: fc.integer({ min: 1, max: 9 }),
  keys: fc.integer({ min: 1, max: 9 }),
  causal: fc.boolean(),
  window: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
  len: fc.integer({ min: 0, max: 9 }),
  bs: fc.integer({ min: 1, max: 4 }),
});

describe('visible intervals, tile skipping and interior tiles', () => {
  it('agree with the per-element definition', () => {
    fc.assert(
      fc.property(problem, ({ queries, keys, causal, window, len, bs }) => {
        const L = Math.min(len, keys);
        const o = { queries, keys, dim: 1, causal, window, keyLengths: [L], blockSize: bs };
        const p = resolveAttention(
          't',
          new Float64Array(queries),
          new Float64Array(keys),
          new Float64Array(keys),
          o,
        );
        const blk = newQueryBlock(bs);
        for (let i0 = 0; i0 < queries; i0 += bs) {
          const rows = Math.min(bs, queries - i0);
          setQueryBlock(p, blk, 0, 0, i0, rows);
          const { from, to } = blk;
          let first = Number.POSITIVE_INFINITY;
          let last = -1;
          for (let r = 0; r < rows; r++)
            for (let j = 0; j < keys; j++) {
              const vis = visible(i0 + r, j, queries, keys, causal, window ?? Infinity, L);
              expect(vis).toBe(j >= blk.lo[r]! && j < blk.hi[r]!);
              if (vis) {
                first = Math.min(first, j);
                last = Math.max(last, j);
              }
            }
          // the block's key range is tight: the first and one past the last visible key
          if (last < 0) expect(from).toBe(to);
          else expect([from, to]).toEqual([first, last + 1]);
          for (let j0 = 0; j0 < keys; j0 += bs) {
            const cols = Math.min(bs, keys - j0);
            if (!tileInterior(blk, j0, cols)) continue;
            for (let r = 0; r < rows; r++)
              for (let j = j0; j < j0 + cols; j++)
                expect(visible(i0 + r, j, queries, keys, causal, window ?? Infinity, L)).toBe(true);
          }
        }
      }),
    );
  });
});

describe('buildLogits', () => {
  it('adds the mask, ALiBi and forget-gate biases and hides masked keys', () => {
    const p = resolveAttention('t', [1, 1], [1, 2, 3], [0, 0, 0], {
      dim: 1,
      scale: 1,
      queries: 2,
      keys: 3,
      mask: new Float64Array([0, -Infinity, 0.5, 0, 0, 0]),
      alibiSlopes: [0.5],
      logForget: [-0.1, -0.2, -0.3],
    });
    const blk = newQueryBlock(2);
    setQueryBlock(p, blk, 0, 0, 0, 2);
    const X = new Float64Array([1, 2, 3, 1, 2, 3]); // raw q·k
    buildLogits(p, blk, 0, 3, X, X, false);
    // row 0 sits at p = 1: bias −0.5·|1 − j| and forget ±(C_1 − C_j), C = [−0.1, −0.3, −0.6]
    expect(X[0]).toBeCloseTo(1 - 0.5 - 0.2, 15);
    expect(X[1]).toBe(-Infinity);
    expect(X[2]).toBeCloseTo(3 + 0.5 - 0.5 - 0.3, 15);
    // row 1 sits at p = 2
    expect(X[3]).toBeCloseTo(1 - 1 - 0.5, 15);
    expect(X[5]).toBeCloseTo(3, 15);
  });
});
