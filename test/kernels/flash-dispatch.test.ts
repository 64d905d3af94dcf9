import { describe, expect, it } from 'vitest';
import { newRowStates } from '../../src/kernels/attention-state.js';
import { type Backend, jsBackend } from '../../src/kernels/backend.js';
import { type FlashHead, flashAttentionHead } from '../../src/kernels/flash-dispatch.js';

const head: FlashHead = {
  q: new Float64Array(4),
  qOffset: 0,
  k: new Float64Array(6),
  kOffset: 0,
  v: new Float64Array(6),
  vOffset: 0,
  queries: 2,
  keys: 3,
  dim: 2,
  valueDim: 2,
  scale: 1,
  causal: false,
  window: Number.POSITIVE_INFINITY,
  keyLength: 3,
  blockSize: 128,
};

describe('flashAttentionHead', () => {
  it('declines (false, finish not called) on a backend without a fused kernel', () => {
    let called = false;
    expect(flashAttentionHead(jsBackend, head, () => (called = true))).toBe(false);
    expect(called).toBe(false);
  });

  it("passes the head to the backend's kernel and returns its answer", () => {
    const seen: number[] = [];
    const fake = (answer: boolean): Backend => ({
      ...jsBackend,
      flashAttention(h, finish) {
        if (answer) finish(newRowStates(h.queries, h.valueDim));
        return answer;
      },
    });
    expect(flashAttentionHead(fake(true), head, (st) => seen.push(st.m.length))).toBe(true);
    expect(flashAttentionHead(fake(false), head, (st) => seen.push(st.m.length))).toBe(false);
    expect(seen).toEqual([2]);
  });
});
