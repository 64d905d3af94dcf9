import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gumbel, uniform } from '../../src/random/noise.js';
import { philox4x32 } from '../../src/random/philox.js';

/** The documented mapping, written out with BigInt: (seed, index) -> Philox words. */
function words(seed: number, index: number): Uint32Array {
  const s = BigInt(seed);
  const i = BigInt(index);
  const w = new Uint32Array(4);
  const lo = (v: bigint) => Number(v & 0xffffffffn);
  philox4x32(lo(i), Number(i >> 32n), 0, 0, lo(s), Number(s >> 32n), w);
  return w;
}

/** The documented Float64 grid: (j + 1/2)·2^−52, j = the 52 leading bits of (w0, w1). */
function expectedU64(seed: number, index: number): number {
  const w = words(seed, index);
  const j = (BigInt(w[0]!) << 20n) | (BigInt(w[1]!) >> 12n);
  return (Number(j) + 0.5) / 2 ** 52;
}

/** The documented Float32 grid: (j + 1/2)·2^−23, j = the 23 leading bits of w0. */
function expectedU32(seed: number, index: number): number {
  return ((words(seed, index)[0]! >>> 9) + 0.5) / 2 ** 23;
}

const EULER_GAMMA = 0.5772156649015329;

function moments(a: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  const mean = s / a.length;
  let v = 0;
  for (let i = 0; i < a.length; i++) v += (a[i]! - mean) ** 2;
  return { mean, variance: v / (a.length - 1) };
}

describe('uniform', () => {
  it('pins the first draws to the documented mapping of the Philox words', () => {
    for (const seed of [0, 1, 42, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) {
      const u64 = uniform(seed, 0, new Float64Array(8));
      const u32 = uniform(seed, 0, new Float32Array(8));
      for (let i = 0; i < 8; i++) {
        expect(u64[i]).toBe(expectedU64(seed, i));
        expect(u32[i]).toBe(expectedU32(seed, i));
      }
    }
  });

  it('uses the high counter word for indices beyond 2^32', () => {
    const at = 2 ** 40 + 3;
    expect(uniform(9, at, new Float64Array(1))[0]).toBe(expectedU64(9, at));
  });

  it('stays in the open interval (0, 1) and reaches its extreme grid points', () => {
    // The grid's ends are exact: (0 + 1/2)·2^−52 and (2^52 − 1/2)·2^−52 < 1.
    expect(2 ** -53).toBeGreaterThan(0);
    expect(1 - 2 ** -53).toBeLessThan(1);
    expect(Math.fround(1 - 2 ** -24)).toBeLessThan(1);
    const a = uniform(3, 0, new Float64Array(20000));
    const b = uniform(3, 0, new Float32Array(20000));
    for (let i = 0; i < a.length; i++) {
      expect(a[i]! > 0 && a[i]! < 1).toBe(true);
      expect(b[i]! > 0 && b[i]! < 1).toBe(true);
    }
  });

  it('gives a Float32 draw that is the Float64 draw on the coarser grid', () => {
    const a = uniform(11, 100, new Float64Array(1000));
    const b = uniform(11, 100, new Float32Array(1000));
    for (let i = 0; i < a.length; i++) {
      expect(b[i]).toBe((Math.floor(a[i]! * 2 ** 23) + 0.5) / 2 ** 23);
    }
  });

  it('has mean 1/2 and variance 1/12 within statistical tolerance (10^5 draws)', () => {
    const N = 100000;
    for (const out of [new Float64Array(N), new Float32Array(N)]) {
      const { mean, variance } = moments(uniform(2024, 0, out));
      // sd of the mean: sqrt(1/12/N) ≈ 9.1e−4; of the variance: ≈ sqrt(1/180/N) ≈ 2.4e−4.
      expect(Math.abs(mean - 0.5)).toBeLessThan(5 * 9.2e-4);
      expect(Math.abs(variance - 1 / 12)).toBeLessThan(5 * 2.4e-4);
    }
  });

  it('regenerates any slice independently: slices equal the whole stream', () => {
    const whole = uniform(77, 0, new Float64Array(300));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 299 }), fc.integer({ min: 0, max: 50 }), (o, len) => {
        const l = Math.min(len, 300 - o);
        expect(uniform(77, o, new Float64Array(l))).toEqual(whole.subarray(o, o + l));
      }),
      { numRuns: 50 },
    );
  });

  it('differs between seeds and is identical for the same seed', () => {
    const a = uniform(1, 0, new Float64Array(16));
    expect(uniform(1, 0, new Float64Array(16))).toEqual(a);
    expect(uniform(2, 0, new Float64Array(16))).not.toEqual(a);
  });

  it('rejects bad seeds, offsets and outputs with the right codes', () => {
    const out = new Float64Array(2);
    expect(() => uniform(-1, 0, out)).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMETER' }),
    );
    expect(() => uniform(1.5, 0, out)).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMETER' }),
    );
    expect(() => uniform(2 ** 53, 0, out)).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMETER' }),
    );
    expect(() => uniform(Number.NaN, 0, out)).toThrow(
      expect.objectContaining({ code: 'NON_FINITE_PARAMETER' }),
    );
    expect(() => uniform(0, -3, out)).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMETER' }),
    );
    expect(() => uniform(0, Number.MAX_SAFE_INTEGER, out)).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMETER' }),
    );
    expect(() => uniform(0, 0, new Int32Array(2) as unknown as Float64Array)).toThrow(
      expect.objectContaining({ code: 'INVALID_OUT' }),
    );
  });
});

describe('gumbel', () => {
  it('is −log(−log u) of the uniform stream, rounded once', () => {
    const u = uniform(5, 10, new Float64Array(64));
    const g = gumbel(5, 10, new Float64Array(64));
    const g32 = gumbel(5, 10, new Float32Array(64));
    for (let i = 0; i < u.length; i++) {
      expect(g[i]).toBe(-Math.log(-Math.log(u[i]!)));
      expect(g32[i]).toBe(Math.fround(-Math.log(-Math.log(expectedU32(5, 10 + i)))));
    }
  });

  it('has mean γ and variance π²/6 within statistical tolerance (10^5 draws)', () => {
    const N = 100000;
    for (const out of [new Float64Array(N), new Float32Array(N)]) {
      const { mean, variance } = moments(gumbel(31337, 0, out));
      // sd of the mean: sqrt(π²/6/N) ≈ 4.1e−3; of the variance: sqrt((μ4 − σ⁴)/N), μ4 = 5.4σ⁴ → ≈ 1.1e−2.
      expect(Math.abs(mean - EULER_GAMMA)).toBeLessThan(5 * 4.1e-3);
      expect(Math.abs(variance - Math.PI ** 2 / 6)).toBeLessThan(5 * 1.1e-2);
    }
  });

  it('is finite: the grid keeps −log(−log u) inside (−3.61, 36.8)', () => {
    expect(-Math.log(-Math.log(2 ** -53))).toBeGreaterThan(-3.61);
    expect(-Math.log(-Math.log(1 - 2 ** -53))).toBeLessThan(36.8);
    const g = gumbel(8, 0, new Float64Array(10000));
    for (const v of g) expect(Number.isFinite(v)).toBe(true);
  });

  it('regenerates slices independently', () => {
    const whole = gumbel(123, 0, new Float32Array(200));
    expect(gumbel(123, 57, new Float32Array(100))).toEqual(whole.subarray(57, 157));
  });
});

describe('the noise functions name themselves and the argument in their errors', () => {
  it('seed and offset are checked by name, out by type', () => {
    expect(() => uniform(-1, 0, new Float64Array(1))).toThrow(
      'uniform: expected seed >= 0, got -1',
    );
    expect(() => gumbel(0, 0.5, new Float64Array(1))).toThrow(
      'gumbel: expected offset to be an integer, got 0.5',
    );
    expect(() => gumbel(0, 0, new Int32Array(2) as never)).toThrow(
      'gumbel: expected out to be a Float32Array or Float64Array, got Int32Array(2)',
    );
  });
  it('the stream ends at index 2^53 − 1: the last draw is allowed, one past it is not', () => {
    const last = Number.MAX_SAFE_INTEGER;
    expect(uniform(3, last, new Float64Array(1))[0]).toBeGreaterThan(0);
    expect(() => uniform(3, last, new Float64Array(2))).toThrow(
      `uniform: expected offset + out.length <= 2^53, got ${last} + 2`,
    );
  });
});
