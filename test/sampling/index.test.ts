/**
 * src/sampling/index.ts only re-exports (the "./sampling" subpath); each sampler and
 * filter is tested in its own file. Here: the subpath's names against the SPEC and the
 * root, and DEFAULT_ORDER, its one constant, is the chain's step order.
 */
import { describe, expect, it } from 'vitest';
import * as sampling from '../../src/sampling/index.js';
import { subpathChecks } from '../helpers/subpath.js';

describe('softmax-kit/sampling', () => {
  subpathChecks(sampling, 'sampling', ['DEFAULT_ORDER']);
  it("DEFAULT_ORDER is llama.cpp's: logit bias first, temperature last, each step once", () => {
    const order = sampling.DEFAULT_ORDER;
    expect(new Set(order).size).toBe(order.length);
    expect(order[0]).toBe('logitBias');
    expect(order.at(-1)).toBe('temperature');
    expect(order.indexOf('topK')).toBeLessThan(order.indexOf('topP'));
  });
});
