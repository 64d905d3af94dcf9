import { describe, expect, it } from 'vitest';
import { lengthFactor, resolveNormalizer } from '../../src/attention/normalizer-options.js';

// Also exercised through resolveAttention in test/attention/problem.test.ts.

describe('resolveNormalizer', () => {
  it('an online kind takes only its own parameters; a registry name runs materialized', () => {
    expect(resolveNormalizer('t', 'softmax', undefined).kind?.name).toBe('softmax');
    expect(resolveNormalizer('t', 'sparsemax', undefined).entry).not.toBeNull();
    expect(() => resolveNormalizer('t', 'softmax', { eps: 1 })).toThrow(/^t: /);
    expect(() => resolveNormalizer('t', 'nope' as never, undefined)).toThrow(
      /expected normalizer to be a registered normalizer name or entry/,
    );
  });

  it('LSSAR re-weighting makes softplusNorm a materialized entry', () => {
    const r = resolveNormalizer('t', 'softplusNorm', { reweight: 2 });
    expect(r.kind).toBeNull();
    expect(r.entry).not.toBeNull();
  });
});

describe('lengthFactor', () => {
  it('is ssmax’s s, softplusNorm’s 1 unless lengthScale is false, else null', () => {
    expect(lengthFactor('ssmax', { s: 0.4, lengthScale: true })).toBe(0.4);
    expect(lengthFactor('softplusNorm', { s: 1, lengthScale: true })).toBe(1);
    expect(lengthFactor('softplusNorm', { s: 1, lengthScale: false })).toBeNull();
    expect(lengthFactor('softmax', { s: 1, lengthScale: true })).toBeNull();
  });
});
