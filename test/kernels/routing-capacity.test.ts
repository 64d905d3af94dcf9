import { describe, expect, it } from 'vitest';
import { serveCapacity } from '../../src/kernels/routing-capacity.js';

describe('serveCapacity', () => {
  // 3 tokens, k = 2, 2 experts, capacity 2
  const indices = new Int32Array([0, 1, 0, 1, 0, 1]);
  const score = new Float64Array([0.5, 0.5, 0.6, 0.4, 0.9, 0.1]);
  it('position: rank 0 in token order, then rank 1', () => {
    const counts = new Int32Array(2);
    const dropped = new Uint8Array(6);
    serveCapacity(indices, score, 3, 2, 2, false, counts, dropped);
    expect(Array.from(dropped)).toEqual([0, 0, 0, 0, 1, 1]);
    expect(Array.from(counts)).toEqual([2, 2]);
  });
  it('probability: each rank by score descending, ties by position; NaN last', () => {
    const counts = new Int32Array(2);
    const dropped = new Uint8Array(6);
    serveCapacity(indices, score, 3, 2, 2, true, counts, dropped);
    expect(Array.from(dropped)).toEqual([1, 0, 0, 0, 0, 1]);
    const nanScore = new Float64Array([Number.NaN, 0, 0.1, 0, 0.2, 0]);
    serveCapacity(indices, nanScore, 3, 2, 2, true, counts, dropped);
    expect(Array.from(dropped.filter((_, j) => j % 2 === 0))).toEqual([1, 0, 0]);
  });
  it('infinite capacity keeps all', () => {
    const counts = new Int32Array(2);
    const dropped = new Uint8Array(6).fill(1);
    serveCapacity(indices, score, 3, 2, Infinity, true, counts, dropped);
    expect(Array.from(dropped)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(counts)).toEqual([3, 3]);
  });
});
