/**
 * entry.ts declares the NormalizerEntry type only; the entries themselves are
 * tested through registry.test.ts and each normalizer's own file. Here: every
 * registered entry has the declared shape, and a hand-written entry (no rules, as
 * written outside the library) type-checks and runs.
 */
import { describe, expect, it } from 'vitest';
import type { NormalizerEntry } from '../../src/normalizers/entry.js';
import { normalizers } from '../../src/normalizers/registry.js';
import type { ArrayInput } from '../../src/tensor/types.js';

describe('NormalizerEntry', () => {
  it('every registered entry has its name, forward and vjp; its rules hold the row options', () => {
    for (const [name, e] of Object.entries(normalizers) as [string, NormalizerEntry][]) {
      expect(e.name).toBe(name);
      expect(typeof e.forward).toBe('function');
      expect(typeof e.vjp).toBe('function');
      // (adaptiveTemperatureSoftmax and clippedSoftmax give no rules yet: callers forward unchecked)
      if (e.rules) expect(Object.keys(e.rules)).toEqual(expect.arrayContaining(['shape', 'axis']));
    }
  });
  it('an entry written outside the library needs no rules', () => {
    const identity: NormalizerEntry = {
      name: 'identity',
      forward: (x: ArrayInput) => Float64Array.from(x as ArrayLike<number>),
      vjp: (_x: ArrayInput, dy: ArrayInput) => Float64Array.from(dy as ArrayLike<number>),
    };
    expect(identity.rules).toBeUndefined();
    expect(Array.from(identity.forward([1, 2]))).toEqual([1, 2]);
  });
});
