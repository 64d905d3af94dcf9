import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { philox4x32 } from '../../src/random/philox.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';

// Random123 known-answer vectors (Random123 tests/kat_vectors, the three
// "philox4x32 10" lines): counter (4 words), key (2 words) -> output (4 words).
const KAT: [number[], number[], number[]][] = [
  [
    [0, 0, 0, 0],
    [0, 0],
    [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
  ],
  [
    [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    [0xffffffff, 0xffffffff],
    [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  ],
  [
    [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    [0xa4093822, 0x299f31d0],
    [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  ],
];

/** An independent Philox4x32-10 in BigInt arithmetic (no 16-bit split). */
function philoxBig(c: number[], k: number[]): number[] {
  const M = 0xffffffffn;
  let [c0, c1, c2, c3] = c.map(BigInt) as [bigint, bigint, bigint, bigint];
  let [k0, k1] = k.map(BigInt) as [bigint, bigint];
  for (let r = 0; r < 10; r++) {
    const p0 = 0xd2511f53n * c0;
    const p1 = 0xcd9e8d57n * c2;
    [c0, c1, c2, c3] = [(p1 >> 32n) ^ c1 ^ k0, p1 & M, (p0 >> 32n) ^ c3 ^ k1, p0 & M];
    k0 = (k0 + 0x9e3779b9n) & M;
    k1 = (k1 + 0xbb67ae85n) & M;
  }
  return [c0, c1, c2, c3].map(Number);
}

describe('philox4x32', () => {
  it('matches the Random123 known-answer vectors', () => {
    const out = new Uint32Array(4);
    for (const [c, k, want] of KAT) {
      philox4x32(c[0]!, c[1]!, c[2]!, c[3]!, k[0]!, k[1]!, out);
      expect(Array.from(out)).toEqual(want);
    }
  });

  it('agrees with a BigInt implementation on random counters and keys', () => {
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    const out = new Uint32Array(4);
    fc.assert(
      fc.property(fc.array(u32, { minLength: 6, maxLength: 6 }), (w) => {
        philox4x32(w[0]!, w[1]!, w[2]!, w[3]!, w[4]!, w[5]!, out);
        expect(Array.from(out)).toEqual(philoxBig(w.slice(0, 4), w.slice(4)));
      }),
      { numRuns: 200 },
    );
  });

  it('is pure: the same block twice gives the same words', () => {
    const a = new Uint32Array(4);
    const b = new Uint32Array(4);
    philox4x32(7, 8, 9, 10, 11, 12, a);
    philox4x32(1, 2, 3, 4, 5, 6, b);
    philox4x32(7, 8, 9, 10, 11, 12, b);
    expect(b).toEqual(a);
  });
});

describe('philox4x32 argument checks (regression, issue 15)', () => {
  const err = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e instanceof SoftmaxKitError ? e.code : 'other';
    }
    return 'none';
  };
  it('rejects NaN, non-integer and out-of-range words, and a short or wrong out', () => {
    const out = new Uint32Array(4);
    expect(err(() => philox4x32(0, 0, 0, 0, Number.NaN, 0, out))).toBe('NON_FINITE_PARAMETER');
    expect(err(() => philox4x32(0, 0, 0, 0, 1.5, 0, out))).toBe('INVALID_PARAMETER');
    expect(err(() => philox4x32(-1, 0, 0, 0, 0, 0, out))).toBe('INVALID_PARAMETER');
    expect(err(() => philox4x32(2 ** 32, 0, 0, 0, 0, 0, out))).toBe('INVALID_PARAMETER');
    expect(err(() => philox4x32(0, 0, 0, 0, 0, 0, new Uint32Array(3)))).toBe('INVALID_OUT');
    expect(err(() => philox4x32(0, 0, 0, 0, 0, 0, null as never))).toBe('INVALID_OUT');
    expect(() => philox4x32(0, 0, 0, 0, Number.NaN, 0, out)).toThrow(/^philox4x32: expected k0/);
    expect(err(() => philox4x32(0, 0, 0, 0, 0xffffffff, 0, new Uint32Array(8)))).toBe('none');
    expect(() => philox4x32(0, 0, 0, 0, 0, 0, new Uint32Array(3))).toThrow(
      'philox4x32: expected out to be a Uint32Array of length >= 4, got Uint32Array(3)',
    );
  });
});
