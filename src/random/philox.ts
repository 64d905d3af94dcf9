/**
 * Philox4x32-10: the counter-based generator of Salmon, Moraes, Dror & Shaw,
 * "Parallel random numbers: as easy as 1, 2, 3" (SC'11), as in Random123.
 *
 * A pure bijection of a 128-bit counter under a 64-bit key: no hidden state,
 * so any element of a stream can be computed on its own, in any order, on any
 * engine. Each of the 10 rounds is
 *   (hi0, lo0) = M0 · c0,  (hi1, lo1) = M1 · c2        (32×32 → 64-bit products)
 *   c = (hi1 ⊕ c1 ⊕ k0, lo1, hi0 ⊕ c3 ⊕ k1, lo0)
 * and the key is bumped by the Weyl constants (W0, W1) between rounds.
 *
 * Portability: the low half of a product is `Math.imul`; the high half is
 * assembled from four 16×16-bit partial products, each exact in a double, so
 * every JavaScript engine gives the same bits. Verified against the Random123
 * known-answer vectors in test/random/philox.test.ts.
 *
 * @example
 * const out = new Uint32Array(4);
 * philox4x32(0, 0, 0, 0, 0, 0, out); // Uint32Array [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]
 */
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import { requireNumber } from '../tensor/validate.js';

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const ROUNDS = 10;

/** The high 32 bits of the 64-bit product a·b of two uint32 values. */
function mulHi(a: number, b: number): number {
  const aH = a >>> 16;
  const aL = a & 0xffff;
  const bH = b >>> 16;
  const bL = b & 0xffff;
  const lh = aL * bH;
  const hl = aH * bL;
  const mid = ((aL * bL) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (aH * bH + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

const WORDS = ['c0', 'c1', 'c2', 'c3', 'k0', 'k1'] as const;

/**
 * One Philox4x32-10 block: writes the four output words of counter
 * (c0, c1, c2, c3) under key (k0, k1) into out[0..3]. Each word must be an
 * integer in [0, 2^32) and `out` a Uint32Array of length ≥ 4; anything else
 * throws INVALID_PARAMETER / NON_FINITE_PARAMETER / INVALID_OUT (a NaN key
 * used to read as 0, silently).
 */
export function philox4x32(
  ...w: [c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array]
): void {
  const fn = 'philox4x32';
  for (let i = 0; i < 6; i++)
    requireNumber(fn, WORDS[i]!, w[i], { integer: true, atLeast: 0, atMost: 0xffffffff });
  const out = w[6];
  if (!(out instanceof Uint32Array) || out.length < 4)
    throw new SoftmaxKitError(
      'INVALID_OUT',
      `${fn}: expected out to be a Uint32Array of length >= 4, got ${describe(out)}`,
    );
  philoxBlock(...w);
}

/** {@link philox4x32} without the checks, for the noise loops (words already uint32). */
export function philoxBlock(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
): void {
  for (let r = 0; r < ROUNDS; r++) {
    if (r > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulHi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulHi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}
