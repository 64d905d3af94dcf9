import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logSumExpFromState, mergeLogSumExpStates } from '../../src/kernels/online-state.js';
import {
  logSumExp,
  logSumExpState,
  logSumExpVjp,
  logSumExpFromState as publicFromState,
  mergeLogSumExpStates as publicMerge,
} from '../../src/normalizers/log-sum-exp.js';
import { softmax } from '../../src/normalizers/softmax.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { D, refLogSumExp, refLogSumExpGrouped, relError } from '../helpers/reference.js';

const ALGORITHMS = ['three-pass', 'two-pass', 'online'] as const;

describe('logSumExp', () => {
  for (const algorithm of ALGORITHMS) {
    it(`Float64 ≤ 1e-15 relative at scales 1…1e300 (${algorithm})`, () => {
      for (const [scale, seed] of [
        [1, 1],
        [100, 2],
        [1e6, 3],
        [1e300, 4],
      ] as const) {
        const x = randomArray(500, seed, -scale, scale);
        const r = logSumExp(x, { algorithm });
        expect(relError(r[0]!, refLogSumExp(x))).toBeLessThan(1e-15);
      }
    });
    it(`a row of 10^6 stays within 1e-15 relative (${algorithm})`, () => {
      const values = Array.from(randomArray(500, 5, -30, 30));
      const x = new Float64Array(1e6);
      for (let i = 0; i < 1e6; i++) x[i] = values[i % 500]!;
      const ref = refLogSumExpGrouped(
        values,
        values.map(() => 2000),
      );
      expect(relError(logSumExp(x, { algorithm })[0]!, ref)).toBeLessThan(1e-15);
    });
  }

  it('drops the axis, any axis; Float32 keeps its type', () => {
    const x = Float32Array.from(randomArray(24, 6, -5, 5));
    for (const axis of [0, 1, 2]) {
      const r = logSumExp(x, { shape: [2, 3, 4], axis });
      expect(r).toBeInstanceOf(Float32Array);
      expect(r.length).toBe(24 / [2, 3, 4][axis]!);
    }
    const r = logSumExp(x, { shape: [2, 3, 4], axis: 1 });
    // element (0, ·, 2)
    const row = [0, 1, 2].map((i) => x[i * 4 + 2]!);
    expect(Math.abs(r[2]! - refLogSumExp(row).toNumber())).toBeLessThan(2 ** -22);
  });

  it('non-finite rows: all −∞ → −∞, +∞ → +∞, NaN → NaN, other rows untouched', () => {
    const r = logSumExp([-Infinity, -Infinity, Infinity, 1, Number.NaN, 1, 0, 0], {
      shape: [4, 2],
    });
    expect(r[0]).toBe(-Infinity);
    expect(r[1]).toBe(Infinity);
    expect(Number.isNaN(r[2]!)).toBe(true);
    expect(r[3]).toBeCloseTo(Math.LN2, 15);
  });

  it('vjp = softmax ⊙ dy, checked by finite differences; masked rows get 0', () => {
    const x = randomArray(12, 7, -3, 3);
    const dy = randomArray(4, 8, -1, 1);
    const opts = { shape: [3, 4], axis: 0 };
    const fd = fdVjp((z) => logSumExp(z, opts), x, dy);
    expect(gradError(logSumExpVjp(x, dy, opts), fd)).toBeLessThan(1e-6);
    const p = softmax([1, 2, 3]);
    const g = logSumExpVjp([1, 2, 3], [2]);
    for (let i = 0; i < 3; i++) expect(g[i]).toBeCloseTo(2 * p[i]!, 15);
    expect(Array.from(logSumExpVjp([-Infinity, -Infinity], [1]))).toEqual([0, 0]);
  });
});

describe('the online normalizer state', () => {
  it('merging the states of any split equals the whole row (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -700, max: 700, noNaN: true }), { minLength: 2, maxLength: 60 }),
        fc.nat(),
        (v, cut) => {
          const k = 1 + (cut % (v.length - 1));
          const merged = mergeLogSumExpStates(
            logSumExpState(v.slice(0, k)),
            logSumExpState(v.slice(k)),
          );
          expect(merged.m).toBe(Math.max(...v));
          // the state rounds d once per merge: ≤ 2e−15 absolute near lse ≈ 0, relative beyond
          const ref = refLogSumExp(v);
          const err = Math.abs(logSumExpFromState(merged) - ref.toNumber());
          expect(err).toBeLessThanOrEqual(2e-15 * Math.max(1, Math.abs(ref.toNumber())));
        },
      ),
      { numRuns: 200 },
    );
  });
  it('the empty state is the identity; −∞, +∞ and NaN states merge by the policy', () => {
    const s = logSumExpState([1, 2]);
    expect(mergeLogSumExpStates(logSumExpState([]), s)).toEqual(s);
    expect(mergeLogSumExpStates(s, logSumExpState([-Infinity]))).toEqual(s);
    expect(logSumExpFromState(mergeLogSumExpStates(s, logSumExpState([Infinity])))).toBe(Infinity);
    expect(
      Number.isNaN(logSumExpFromState(mergeLogSumExpStates(s, logSumExpState([Number.NaN])))),
    ).toBe(true);
    expect(logSumExpFromState(logSumExpState([-Infinity, -Infinity]))).toBe(-Infinity);
  });
  it('streams a long ascending row without drift (rescaling error does not grow with n)', () => {
    // x_i = i·h with h = 2^−10 exact: Σ e^(x_i) = (e^(N·h) − 1)/(e^h − 1), a closed form.
    const N = 200_000;
    const h = 2 ** -10;
    const x = new Float64Array(N);
    for (let i = 0; i < N; i++) x[i] = i * h;
    const H = new D(h);
    const exact = D.ln(D.exp(H.times(N)).minus(1).div(D.exp(H).minus(1)));
    let st = logSumExpState([]);
    for (let o = 0; o < N; o += 1000)
      st = mergeLogSumExpStates(st, logSumExpState(x.subarray(o, o + 1000)));
    expect(relError(logSumExpFromState(st), exact)).toBeLessThan(1e-14);
    expect(relError(logSumExpFromState(logSumExpState(x)), exact)).toBeLessThan(1e-15);
    for (const algorithm of ALGORITHMS)
      expect(relError(logSumExp(x, { algorithm })[0]!, exact)).toBeLessThan(1e-15);
  });
});

describe('the public state functions check their states (regression, issue 15)', () => {
  it('mergeLogSumExpStates(null, s) and friends are SoftmaxKitErrors naming the function', async () => {
    const pub = await import('../../src/index.js');
    const s = pub.logSumExpState([1, 2]);
    for (const bad of [null, undefined, 3, {}, { m: 0 }, { m: '1', d: 1 }, { m: 0, d: -1 }])
      expect(() => pub.mergeLogSumExpStates(bad as never, s)).toThrow(/^mergeLogSumExpStates: /);
    expect(() => pub.mergeLogSumExpStates(s, null as never)).toThrow(/expected b to be a state/);
    expect(() => pub.logSumExpFromState(null as never)).toThrow(/^logSumExpFromState: /);
    expect(() => pub.logSumExpState(null as never)).toThrow(/^logSumExpState: /);
    expect(
      pub.logSumExpFromState(pub.mergeLogSumExpStates(s, pub.logSumExpState([3]))),
    ).toBeCloseTo(logSumExp([1, 2, 3])[0]!, 14);
  });
});

describe('logSumExp: the public state functions and the vjp broadcast', () => {
  it('name themselves and the argument in every message', () => {
    expect(() => logSumExp('x' as never)).toThrow(/^logSumExp: expected x to be/);
    expect(() => logSumExpVjp([1, 2], [1], { algorithm: 'x' } as never)).toThrow(
      /^logSumExpVjp: expected algorithm/,
    );
    expect(() => logSumExpVjp([1, 2, 3, 4], [1], { shape: [2, 2] })).toThrow(
      'logSumExpVjp: expected dy to have length 2, got 1',
    );
    expect(() => logSumExpState('x' as never)).toThrow(/^logSumExpState: expected x to be/);
    expect(() => publicMerge({ m: 1, d: 1 }, { m: 1 } as never)).toThrow(
      'mergeLogSumExpStates: expected b to be a state { m, d } (numbers, d >= 0) from logSumExpState, got [object Object]',
    );
    expect(() => publicMerge(null as never, { m: 1, d: 1 })).toThrow(
      /^mergeLogSumExpStates: expected a to be a state/,
    );
    expect(() => publicFromState({ m: 0, d: -1 })).toThrow(
      /^logSumExpFromState: expected s to be a state/,
    );
    expect(codeOf(() => publicFromState({ m: 0, d: -1 }))).toBe('INVALID_INPUT');
  });
  it('a state with d = 0 (the empty row) is a state', () => {
    const empty = logSumExpState([]);
    expect(empty).toEqual({ m: Number.NEGATIVE_INFINITY, d: 0 });
    expect(publicFromState(publicMerge(empty, logSumExpState([2])))).toBe(2);
    expect(publicFromState(empty)).toBe(Number.NEGATIVE_INFINITY);
  });
  it('dx = softmax(x along the axis) · dy broadcast, for outer > 1 and inner > 1', () => {
    // shape [2, 3, 2], axis 1: rows (o, j) of length 3 with stride 2; dy has shape [2, 2]
    const x = [0, 1, 2, 3, 4, 5, -1, 0.5, 2, -2, 0, 1];
    const dy = [1, -2, 3, 0.5];
    const dx = logSumExpVjp(x, dy, { shape: [2, 3, 2], axis: 1 });
    for (let o = 0; o < 2; o++)
      for (let j = 0; j < 2; j++) {
        const idx = [0, 1, 2].map((i) => o * 6 + i * 2 + j);
        const e = idx.map((k) => Math.exp(x[k]!));
        const z = e[0]! + e[1]! + e[2]!;
        for (let i = 0; i < 3; i++)
          expect(dx[idx[i]!]).toBeCloseTo((e[i]! / z) * dy[o * 2 + j]!, 14);
      }
  });
});

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'none';
  } catch (e) {
    return (e as { code: string }).code;
  }
}
