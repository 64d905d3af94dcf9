import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entry, logSoftmax, logSoftmaxVjp } from '../../src/normalizers/log-softmax.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { refLogSoftmax, relError } from '../helpers/reference.js';

const ALGORITHMS = ['three-pass', 'two-pass', 'online'] as const;

/** Error bound of the module doc: 4 ulp relative plus 2^−53·log(n) absolute (Float64). */
function within(y: number, ref: ReturnType<typeof refLogSoftmax>[number], n: number): boolean {
  if (!ref.isFinite()) return y === ref.toNumber();
  return (
    Math.abs(y - ref.toNumber()) <= 4 * 2 ** -53 * Math.abs(ref.toNumber()) + 2 ** -53 * Math.log(n)
  );
}

describe('logSoftmax accuracy', () => {
  for (const algorithm of ALGORITHMS) {
    it(`Float64 matches the 60-digit reference at many scales (${algorithm})`, () => {
      for (const [scale, seed] of [
        [1, 1],
        [50, 2],
        [1e4, 3],
        [1e200, 4],
      ] as const) {
        const x = randomArray(200, seed, -scale, scale);
        const y = logSoftmax(x, { algorithm });
        const ref = refLogSoftmax(x);
        for (let i = 0; i < 200; i++) expect(within(y[i]!, ref[i]!, 200)).toBe(true);
      }
    });

    it(`a dominant entry keeps its tiny log-probability (${algorithm})`, () => {
      // log(1/(1 + e^−40)) = −4.248e−18: log(d) would give exactly 0
      const y = logSoftmax([0, -40], { algorithm });
      const ref = refLogSoftmax([0, -40]);
      expect(relError(y[0]!, ref[0]!)).toBeLessThan(1e-15);
    });

    it(`Float32 within 1 ulp, up to ±3e38 (${algorithm})`, () => {
      for (const scale of [1, 80, 3e38]) {
        const x = Float32Array.from(randomArray(100, 5, -scale, scale));
        const y = logSoftmax(x, { algorithm });
        expect(y).toBeInstanceOf(Float32Array);
        const ref = refLogSoftmax(x);
        for (let i = 0; i < 100; i++) {
          const r = ref[i]!.toNumber();
          // below −3.4e38 the correctly rounded Float32 result is −∞
          if (Math.fround(r) === -Infinity) expect(y[i]).toBe(-Infinity);
          else expect(Math.abs(y[i]! - r)).toBeLessThanOrEqual(Math.abs(r) * 2 ** -23 + 1e-30);
        }
      }
    });
  }

  it('online: a first entry far below the max does not cost accuracy (regression, fast-check find)', () => {
    // The lagging online reference sat at −59 while the max was ≈ 0: log d − (max − ref) cancelled ~60.
    const x = [
      -59.06860503925166, 8.087920016136968e-120, 2.250373954683294e-218, 3.380844434498674e-93,
    ];
    const ref = refLogSoftmax(x);
    const y = logSoftmax(x, { algorithm: 'online' });
    for (let i = 0; i < x.length; i++) expect(within(y[i]!, ref[i]!, x.length)).toBe(true);
  });

  it('masks: −∞ entries give −∞; a fully masked row gives zeros; +∞ gives −log c', () => {
    const y = logSoftmax([-Infinity, 1, 1, -Infinity, -Infinity, -Infinity], { shape: [2, 3] });
    expect(y[0]).toBe(-Infinity);
    expect(y[1]).toBeCloseTo(-Math.LN2, 15);
    expect(Array.from(y.subarray(3))).toEqual([0, 0, 0]);
    expect(Array.from(logSoftmax([Infinity, 0, Infinity]))).toEqual([
      -Math.LN2,
      -Infinity,
      -Math.LN2,
    ]);
  });

  it('is consistent with exp on any axis', () => {
    const x = randomArray(60, 6, -3, 3);
    for (const axis of [0, 1, 2]) {
      const y = logSoftmax(x, { shape: [3, 4, 5], axis });
      const stride = [20, 5, 1][axis]!;
      const n = [3, 4, 5][axis]!;
      for (let flat = 0; flat < 60; flat++) {
        const idx = [Math.floor(flat / 20), Math.floor(flat / 5) % 4, flat % 5];
        if (idx[axis] !== 0) continue;
        let s = 0;
        for (let i = 0; i < n; i++) s += Math.exp(y[flat + i * stride]!);
        expect(s).toBeCloseTo(1, 14);
      }
    }
  });
});

describe('logSoftmaxVjp', () => {
  it('matches a central finite difference (Float64, axes, temperature)', () => {
    const x = randomArray(24, 7, -2, 2);
    const dy = randomArray(24, 8, -1, 1);
    for (const options of [
      {},
      { shape: [2, 3, 4], axis: 0 },
      { shape: [6, 4], temperature: 2.5 },
    ]) {
      const fd = fdVjp((z) => logSoftmax(z, options), x, dy);
      expect(gradError(logSoftmaxVjp(x, dy, options), fd)).toBeLessThan(1e-6);
    }
  });
  it('−∞ entries and fully masked rows get gradient 0', () => {
    const g = logSoftmaxVjp(
      [-Infinity, 1, 2, -Infinity, -Infinity, -Infinity],
      [1, 1, 1, 1, 1, 1],
      { shape: [2, 3] },
    );
    expect(g[0]).toBe(0);
    expect(Array.from(g.subarray(3))).toEqual([0, 0, 0]);
  });
});

describe('logSoftmax properties', () => {
  it('shift invariance and algorithm agreement (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 30 }),
        (v) => {
          const ref = refLogSoftmax(v);
          for (const algorithm of ALGORITHMS) {
            const y = logSoftmax(v, { algorithm });
            for (let i = 0; i < v.length; i++) expect(within(y[i]!, ref[i]!, v.length)).toBe(true);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
  it('throws SoftmaxKitError on bad input', () => {
    expect(() => logSoftmax([], {})).toThrow(SoftmaxKitError);
    expect(() => logSoftmaxVjp([1, 2], [1, 2, 3])).toThrow(SoftmaxKitError);
  });
});

describe('logSoftmax: names in messages and the registry', () => {
  it('logSoftmaxVjp names itself and dy', () => {
    expect(() => logSoftmaxVjp([1, 2, 3], [1, 2])).toThrow(
      'logSoftmaxVjp: expected dy to have length 3, got 2',
    );
    expect(() => logSoftmaxVjp([1, 2], [1, 2], { temprature: 1 } as never)).toThrow(
      /^logSoftmaxVjp: unknown option 'temprature'/,
    );
  });
  it('its registry entry is named logSoftmax', () => {
    expect(entry.name).toBe('logSoftmax');
  });
});
