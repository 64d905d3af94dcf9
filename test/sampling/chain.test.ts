/**
 * The sampling chain (driven end to end by sample.test.ts and sampler.test.ts).
 * Here, directly: the order check, and one row through runChain against a sort —
 * the bias and top-k steps leave exactly the k largest biased logits as candidates.
 */
import { describe, expect, it } from 'vitest';
import { candidatesFor } from '../../src/kernels/sampling-candidates.js';
import { newTopKState } from '../../src/kernels/top-k.js';
import { checkOrder, DEFAULT_ORDER, RowChain, runChain } from '../../src/sampling/chain.js';
import { CHAIN_RULES, chainConfig } from '../../src/sampling/sample-options.js';
import { resolveOptions } from '../../src/tensor/options.js';

const config = (options: object) => {
  const o = resolveOptions('f', options, CHAIN_RULES);
  return chainConfig('f', { ...o, penalties: undefined, dry: undefined, noRepeatNgram: undefined });
};

describe('checkOrder', () => {
  it('names a configured step that the order leaves out', () => {
    const cfg = { ...config({ topK: 2 }), order: DEFAULT_ORDER.filter((s) => s !== 'topK') };
    expect(() => checkOrder('f', cfg)).toThrow(/f: expected order to include 'topK'/);
    expect(() => checkOrder('f', config({ topK: 2 }))).not.toThrow();
  });
});

describe('runChain', () => {
  it('bias then top-k keeps the k largest biased logits, values exact, in token order', () => {
    const logits = [0.3, 2.5, -1, 1.75, 0.9, 2.4, -Infinity, 1.1];
    const cfg = config({ topK: 3, logitBias: { 2: 5 } });
    const rc = new RowChain('f', candidatesFor(undefined, 8), newTopKState(8));
    rc.a = logits;
    rc.n = 8;
    runChain(rc, cfg, 1, 0, 0);
    const biased = logits.map((v, t) => (t === 2 ? v + 5 : v));
    const top = biased
      .map((v, t) => [v, t] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, 3)
      .sort((a, b) => a[1] - b[1]);
    expect(Array.from(rc.c.idx.subarray(0, rc.c.m))).toEqual(top.map(([, t]) => t));
    expect(Array.from(rc.c.val.subarray(0, rc.c.m))).toEqual(top.map(([v]) => v));
  });
});
