import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entry, gumbelSoftmax, gumbelSoftmaxVjp } from '../../src/normalizers/gumbel-softmax.js';
import { softmax, softmaxVjp } from '../../src/normalizers/softmax.js';
import { gumbel } from '../../src/random/noise.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { D, type Dec, dec, relError, ulpError } from '../helpers/reference.js';

/** The documented noise: the Float64 Gumbel stream of `seed` at the flat index. */
function noise(seed: number, length: number): Float64Array {
  return gumbel(seed, 0, new Float64Array(length));
}

/** softmax((x + g)/τ) in 60-digit arithmetic, x + g exact. */
function refSample(x: ArrayLike<number>, g: ArrayLike<number>, tau: number): Dec[] {
  const z = Array.from(x, (v, i) => (v === -Infinity ? null : dec(v).plus(dec(g[i]!))));
  const m = D.max(...(z.filter((v) => v !== null) as Dec[]));
  const e = z.map((v) => (v === null ? new D(0) : D.exp(v.minus(m).div(dec(tau)))));
  const sum = e.reduce((a, b) => a.plus(b), new D(0));
  return e.map((v) => v.div(sum));
}

const code = (c: string) => expect.objectContaining({ code: c });

describe('gumbelSoftmax accuracy against 60-digit references', () => {
  it('Float64 within the documented bound (≤ 1e-14 relative on moderate logits)', () => {
    for (const [tau, seed] of [
      [1, 1],
      [0.5, 2],
      [3, 3],
    ] as const) {
      const x = randomArray(50, seed, -3, 3);
      const g = noise(seed, 50);
      const y = gumbelSoftmax(x, { tau, seed });
      const ref = refSample(x, g, tau);
      let zmax = -Infinity;
      for (let i = 0; i < 50; i++) zmax = Math.max(zmax, x[i]! + g[i]!);
      for (let i = 0; i < 50; i++) {
        const z = x[i]! + g[i]!;
        const bound =
          4 * 2 ** -52 + (2 ** -53 * (Math.abs(z) + Math.abs(zmax) + Math.abs(z - zmax))) / tau;
        expect(relError(y[i]!, ref[i]!)).toBeLessThanOrEqual(bound);
        if (tau >= 1) expect(relError(y[i]!, ref[i]!)).toBeLessThanOrEqual(1e-14);
      }
    }
  });

  it('Float32 ≤ 4 ulp; the noise is the same 53-bit noise as for Float64', () => {
    const x = Float32Array.from(randomArray(40, 4, -5, 5));
    const y = gumbelSoftmax(x, { tau: 2, seed: 9 });
    expect(y).toBeInstanceOf(Float32Array);
    const ref = refSample(x, noise(9, 40), 2);
    for (let i = 0; i < 40; i++)
      if (ref[i]!.gte(2 ** -126)) expect(ulpError(y[i]!, ref[i]!, true)).toBeLessThanOrEqual(4);
    const y64 = gumbelSoftmax(Float64Array.from(x), { tau: 2, seed: 9 });
    for (let i = 0; i < 40; i++) expect(y[i]).toBe(Math.fround(y64[i]!));
  });

  it('length-1 rows give 1', () => {
    expect(Array.from(gumbelSoftmax([-1e308], { seed: 3 }))).toEqual([1]);
    expect(Array.from(gumbelSoftmax([5], { hard: true }))).toEqual([1]);
  });
});

describe('gumbelSoftmax reproducibility', () => {
  it('the same seed gives the same sample; another seed another', () => {
    const x = randomArray(20, 5);
    const a = gumbelSoftmax(x, { seed: 42 });
    expect(gumbelSoftmax(x, { seed: 42 })).toEqual(a);
    expect(gumbelSoftmax(x, { seed: 43 })).not.toEqual(a);
  });

  it('regression (issue 15): an omitted seed draws fresh noise on every call', () => {
    const x = randomArray(20, 5);
    const samples = Array.from({ length: 4 }, () => Array.from(gumbelSoftmax(x)));
    for (let i = 1; i < samples.length; i++) expect(samples[i]).not.toEqual(samples[0]);
    expect(samples[0]).not.toEqual(Array.from(gumbelSoftmax(x, { seed: 0 })));
  });

  it('the vjp requires the seed (it must regenerate the forward noise)', () => {
    expect(() => gumbelSoftmaxVjp([1, 2], [1, 0])).toThrow(code('INVALID_PARAMETER'));
    expect(() => gumbelSoftmaxVjp([1, 2], [1, 0])).toThrow(/gumbelSoftmaxVjp: expected seed/);
  });

  it('noise index = flat element index: any axis equals softmax((x + g)/τ) on that axis', () => {
    const shape = [3, 4, 5];
    const x = randomArray(60, 6);
    const dy = randomArray(60, 7);
    const z = noise(11, 60).map((g, i) => x[i]! + g);
    for (const axis of [0, 1, 2, -1]) {
      expect(gumbelSoftmax(x, { shape, axis, tau: 0.7, seed: 11 })).toEqual(
        softmax(z, { shape, axis, temperature: 0.7 }),
      );
      expect(gumbelSoftmaxVjp(x, dy, { shape, axis, tau: 0.7, seed: 11 })).toEqual(
        softmaxVjp(z, dy, { shape, axis, temperature: 0.7 }),
      );
    }
  });
});

describe('gumbelSoftmax hard (straight-through)', () => {
  it('is the one-hot of argmax(x + g), per row along any axis', () => {
    const shape = [3, 4, 5];
    const x = randomArray(60, 8);
    const z = noise(5, 60).map((g, i) => x[i]! + g);
    for (const axis of [0, 1, 2]) {
      const y = gumbelSoftmax(x, { shape, axis, hard: true, seed: 5 });
      const soft = gumbelSoftmax(x, { shape, axis, seed: 5 });
      const stride = [20, 5, 1][axis]!;
      const n = shape[axis]!;
      for (let flat = 0; flat < 60; flat++) {
        const i = Math.floor(flat / stride) % n;
        if (i !== 0) continue;
        let best = 0;
        for (let j = 1; j < n; j++) if (z[flat + j * stride]! > z[flat + best * stride]!) best = j;
        for (let j = 0; j < n; j++) {
          expect(y[flat + j * stride]).toBe(j === best ? 1 : 0);
          // the soft sample has its max at the same place
          expect(soft[flat + j * stride]! <= soft[flat + best * stride]!).toBe(true);
        }
      }
    }
  });

  it('its vjp is the soft sample’s', () => {
    const x = randomArray(10, 9);
    const dy = randomArray(10, 10);
    expect(gumbelSoftmaxVjp(x, dy, { hard: true, tau: 0.3, seed: 1 })).toEqual(
      gumbelSoftmaxVjp(x, dy, { tau: 0.3, seed: 1 }),
    );
  });

  it('samples argmax with the probabilities softmax(x) (Gumbel-max), 20000 rows', () => {
    const p = [0.1, 0.2, 0.3, 0.4];
    const rows = 20000;
    const x = new Float64Array(rows * 4);
    for (let i = 0; i < x.length; i++) x[i] = Math.log(p[i % 4]!);
    const y = gumbelSoftmax(x, { shape: [rows, 4], hard: true, seed: 2026 });
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < y.length; i++) counts[i % 4]! += y[i]!;
    p.forEach((pi, j) => {
      const sd = Math.sqrt((rows * pi * (1 - pi)) as number);
      expect(Math.abs(counts[j]! - rows * pi)).toBeLessThan(5 * sd);
    });
  });
});

describe('gumbelSoftmax properties (fast-check)', () => {
  const row = fc.array(fc.double({ min: -30, max: 30, noNaN: true }), {
    minLength: 1,
    maxLength: 30,
  });
  it('sums to one', () => {
    fc.assert(
      fc.property(row, fc.double({ min: 0.05, max: 10, noNaN: true }), fc.nat(), (v, tau, seed) => {
        let s = 0;
        for (const t of gumbelSoftmax(v, { tau, seed })) s += t;
        expect(Math.abs(s - 1)).toBeLessThan(1e-14);
      }),
    );
  });
  it('is shift invariant (the noise does not depend on x)', () => {
    fc.assert(
      fc.property(row, fc.integer({ min: -64, max: 64 }), (v, c) => {
        const a = gumbelSoftmax(v, { seed: 3 });
        const b = gumbelSoftmax(
          v.map((t) => t + c),
          { seed: 3 },
        );
        for (let i = 0; i < v.length; i++)
          expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(a[i]!, 1e-300));
      }),
      { numRuns: 50 },
    );
  });
});

describe('gumbelSoftmaxVjp', () => {
  it('agrees with central finite differences in Float64 (same seed, same noise)', () => {
    for (const [tau, seed] of [
      [1, 12],
      [0.4, 13],
      [5, 14],
    ] as const) {
      const x = randomArray(12, seed);
      const dy = randomArray(12, seed + 1);
      const fd = fdVjp((z) => gumbelSoftmax(z, { tau, seed }), x, dy);
      expect(gradError(gumbelSoftmaxVjp(x, dy, { tau, seed }), fd)).toBeLessThan(1e-6);
    }
  });
});

describe('gumbelSoftmax non-finite policy', () => {
  it('−∞ entries get 0 and are never sampled; fully masked rows give zeros', () => {
    const x = [-Infinity, 1, 2, -Infinity, -Infinity, -Infinity];
    for (const hard of [false, true]) {
      const y = gumbelSoftmax(x, { shape: [2, 3], hard, seed: 4 });
      expect(y[0]).toBe(0);
      expect(Array.from(y.subarray(3))).toEqual([0, 0, 0]);
      expect(y[1]! + y[2]!).toBeCloseTo(1, 15);
    }
    const dx = gumbelSoftmaxVjp(x, [1, 2, 3, 4, 5, 6], { shape: [2, 3], seed: 4 });
    expect(dx[0]).toBe(0);
    expect(Array.from(dx.subarray(3))).toEqual([0, 0, 0]);
  });
  it('NaN stays in its row', () => {
    for (const hard of [false, true]) {
      const y = gumbelSoftmax([Number.NaN, 1, 2, 3], { shape: [2, 2], hard });
      expect(Number.isNaN(y[0]!) && Number.isNaN(y[1]!)).toBe(true);
      expect(Number.isFinite(y[2]!) && Number.isFinite(y[3]!)).toBe(true);
    }
  });
  it('+∞ entries share the mass (hard: the first wins), gradient 0', () => {
    expect(Array.from(gumbelSoftmax([Infinity, 0, Infinity]))).toEqual([0.5, 0, 0.5]);
    expect(Array.from(gumbelSoftmax([0, Infinity, Infinity], { hard: true }))).toEqual([0, 1, 0]);
    expect(Array.from(gumbelSoftmaxVjp([Infinity, 0], [1, 2], { seed: 0 }))).toEqual([0, 0]);
  });
});

describe('gumbelSoftmax validation and purity', () => {
  it('bad tau, hard and seed throw with their codes', () => {
    expect(() => gumbelSoftmax([1, 2], { tau: 0 })).toThrow(code('INVALID_PARAMETER'));
    expect(() => gumbelSoftmax([1, 2], { tau: -1 })).toThrow(code('INVALID_PARAMETER'));
    expect(() => gumbelSoftmax([1, 2], { tau: Infinity })).toThrow(code('NON_FINITE_PARAMETER'));
    expect(() => gumbelSoftmax([1, 2], { hard: 1 as never })).toThrow(code('INVALID_PARAMETER'));
    expect(() => gumbelSoftmax([1, 2], { seed: -1 })).toThrow(code('INVALID_PARAMETER'));
    expect(() => gumbelSoftmax([1, 2], { seed: 0.5 })).toThrow(code('INVALID_PARAMETER'));
    expect(() => gumbelSoftmaxVjp([1, 2], [1, 2], { seed: Number.NaN })).toThrow(
      code('NON_FINITE_PARAMETER'),
    );
    expect(() => gumbelSoftmaxVjp([1, 2], [1], { seed: 0 })).toThrow(code('SHAPE_MISMATCH'));
    expect(() => gumbelSoftmax([], {})).toThrow(code('EMPTY_AXIS'));
    expect(() => gumbelSoftmax([1, 2], { out: new Float32Array(2) })).toThrow(code('INVALID_OUT'));
  });
  it('does not mutate its inputs; writes into out when given', () => {
    const x = Float32Array.from([3, 1, 2]);
    const dy = Float32Array.from([1, 2, 3]);
    gumbelSoftmax(x, { seed: 1 });
    gumbelSoftmaxVjp(x, dy, { seed: 1 });
    expect(Array.from(x)).toEqual([3, 1, 2]);
    expect(Array.from(dy)).toEqual([1, 2, 3]);
    const out = new Float32Array(3);
    expect(gumbelSoftmax(x, { out })).toBe(out);
  });
});

describe('gumbelSoftmax: the first entry, messages, aliasing and registry entry', () => {
  it('hard: a first entry far ahead of the rest is the sample (|g| < 40 for 53-bit noise)', () => {
    for (const seed of [1, 2, 3])
      expect(Array.from(gumbelSoftmax([100, 0, 0, 0], { hard: true, seed }))).toEqual([1, 0, 0, 0]);
  });
  it('errors name the public function and the argument', () => {
    expect(() => gumbelSoftmax([1, 2], { axis: 2, seed: 0 })).toThrow(/^gumbelSoftmax: /);
    expect(() => gumbelSoftmaxVjp([1, 2], [1, 2], { axis: 2, seed: 0 })).toThrow(
      /^gumbelSoftmaxVjp: /,
    );
    expect(() => gumbelSoftmaxVjp([1, 2], [1], { seed: 0 })).toThrow(/^gumbelSoftmaxVjp: .*\bdy\b/);
  });
  it('out may be x itself, but not a part of x (or of dy)', () => {
    const buf = new Float64Array([1, 2, 3, 4]);
    const x = buf.subarray(0, 3);
    const shifted = buf.subarray(1, 4);
    expect(() => gumbelSoftmax(x, { seed: 0, out: shifted })).toThrow(
      /^gumbelSoftmax: expected out to be exactly x or to share no memory with it/,
    );
    const dy = new Float64Array([1, 0, 0, 0]);
    expect(() => gumbelSoftmaxVjp(x, [1, 0, 0], { seed: 0, out: shifted })).toThrow(
      /^gumbelSoftmaxVjp: expected out to be exactly x /,
    );
    expect(() =>
      gumbelSoftmaxVjp([1, 2, 3], dy.subarray(0, 3), { seed: 0, out: dy.subarray(1, 4) }),
    ).toThrow(/^gumbelSoftmaxVjp: expected out to be exactly dy /);
    const y = Float64Array.from([1, 2, 3]);
    const ref = gumbelSoftmax(y, { seed: 0 });
    expect(gumbelSoftmax(y, { seed: 0, out: y })).toEqual(ref);
  });
  it('the registry entry is the pair', () => {
    expect(entry.name).toBe('gumbelSoftmax');
    expect(entry.forward).toBe(gumbelSoftmax);
    expect(entry.vjp).toBe(gumbelSoftmaxVjp);
    expect(Object.keys(entry.rules ?? {})).toEqual(
      expect.arrayContaining(['shape', 'axis', 'tau', 'hard', 'seed']),
    );
  });
});
