import { describe, expect, it } from 'vitest';
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
