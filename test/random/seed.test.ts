import { describe, expect, it, vi } from 'vitest';
import { freshSeed, requireSeed, seedRule } from '../../src/random/seed.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';

describe('seeds', () => {
  it('a given seed is checked: an integer in [0, 2^53)', () => {
    expect(seedRule.parse('f', 'seed', 7)).toBe(7);
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53, '3', null])
      expect(() => seedRule.parse('f', 'seed', bad)).toThrow(SoftmaxKitError);
    expect(requireSeed('f', 'seed', 0)).toBe(0);
  });
  it('an omitted seed is drawn fresh on every call, in range', () => {
    const seeds = new Set<number>();
    for (let i = 0; i < 64; i++) {
      const s = seedRule.parse('f', 'seed', undefined);
      expect(Number.isInteger(s) && s >= 0 && s <= Number.MAX_SAFE_INTEGER).toBe(true);
      seeds.add(s);
    }
    // 64 draws of 53 bits: a repeat has probability < 2^-40
    expect(seeds.size).toBe(64);
    expect(freshSeed()).not.toBe(freshSeed());
  });
});

describe('freshSeed without a platform generator', () => {
  it('says why it cannot draw one, naming the caller', () => {
    vi.stubGlobal('crypto', undefined);
    try {
      expect(() => freshSeed()).toThrow(
        'freshSeed: expected a seed, got none (this platform has no crypto.getRandomValues to draw one)',
      );
      expect(() => seedRule.parse('gumbelSoftmax', 'seed', undefined)).toThrow(/^gumbelSoftmax: /);
      vi.stubGlobal('crypto', {});
      expect(() => freshSeed()).toThrow(SoftmaxKitError);
    } finally {
      vi.unstubAllGlobals();
    }
  });
  it('takes 21 bits of the first word and 32 of the second: w0 mod 2^21 · 2^32 + w1', () => {
    const words = [0xffffffff, 5];
    vi.stubGlobal('crypto', {
      getRandomValues: (a: Uint32Array) => {
        a.set(words);
        return a;
      },
    });
    try {
      expect(freshSeed()).toBe((2 ** 21 - 1) * 2 ** 32 + 5);
      expect(freshSeed()).toBe(Number.MAX_SAFE_INTEGER - 2 ** 32 + 6);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
