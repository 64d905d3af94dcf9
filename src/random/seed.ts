/**
 * Seeds. A seed is an integer in [0, 2^53) (the Philox key, see noise.ts). A
 * seed the caller gives reproduces exactly; a seed the caller leaves out is drawn
 * fresh from the platform's cryptographic generator on every call (as PyTorch's
 * global generator moves on between calls), so a training loop that omits it gets
 * new noise each step rather than the same noise forever.
 */
import { SoftmaxKitError } from '../tensor/errors.js';
import type { Rule } from '../tensor/options.js';
import { requireNumber } from '../tensor/validate.js';

/** Check a seed (or a stream offset): an integer in [0, 2^53). */
export function requireSeed(fn: string, name: string, value: unknown): number {
  return requireNumber(fn, name, value, {
    integer: true,
    atLeast: 0,
    atMost: Number.MAX_SAFE_INTEGER,
  });
}

/** A fresh seed in [0, 2^53) from `crypto.getRandomValues` (Node ≥ 20 and every browser). */
export function freshSeed(fn = 'freshSeed'): number {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (c?.getRandomValues === undefined)
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected a seed, got none (this platform has no crypto.getRandomValues to draw one)`,
    );
  const w = c.getRandomValues(new Uint32Array(2));
  return (w[0]! & 0x1fffff) * 2 ** 32 + w[1]!;
}

/** `seed`: a given seed is checked; an omitted one is drawn fresh ({@link freshSeed}). */
export const seedRule: Rule<number> = {
  parse: (fn, name, v) => (v === undefined ? freshSeed(fn) : requireSeed(fn, name, v)),
};
