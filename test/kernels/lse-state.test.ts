import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_LSE_STATE,
  EMPTY_SPLIT_STATE,
  type LogSumExpState,
  logSumExpFromState,
  mergeLogSumExpStates,
  mergeSplitStates,
  type SplitSumState,
} from '../../src/kernels/lse-state.js';
import { D, dec, refLogSumExp } from '../helpers/reference.js';

const inf = Number.POSITIVE_INFINITY;

/** The state of one value: (x, 1); of −∞: the empty state. */
const one = (x: number): LogSumExpState => (x === -inf ? EMPTY_LSE_STATE : { m: x, d: 1 });
const fold = (xs: readonly number[]) => xs.map(one).reduce(mergeLogSumExpStates, EMPTY_LSE_STATE);

describe('mergeLogSumExpStates', () => {
  it('folding single values gives logsumexp to 2^−50·max(1, |lse|) (60-digit reference)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -300, max: 300, noNaN: true }), { minLength: 1, maxLength: 30 }),
        (xs) => {
          const ref = refLogSumExp(xs);
          const err = dec(logSumExpFromState(fold(xs)))
            .minus(ref)
            .abs()
            .toNumber();
          expect(err).toBeLessThanOrEqual(2 ** -50 * Math.max(1, Math.abs(ref.toNumber())));
        },
      ),
    );
  });
  it('keeps the larger max and rescales the other side by e^(m − M), whichever side it is', () => {
    const a = { m: 2, d: 3 };
    const b = { m: 0.5, d: 5 };
    const d = dec(3)
      .plus(dec(5).times(D.exp(dec(0.5).minus(2))))
      .toNumber();
    for (const s of [mergeLogSumExpStates(a, b), mergeLogSumExpStates(b, a)]) {
      expect(s.m).toBe(2);
      expect(Math.abs(s.d - d)).toBeLessThanOrEqual(2 ** -51 * d);
    }
    expect(mergeLogSumExpStates({ m: 1, d: 2 }, { m: 1, d: 3 })).toEqual({ m: 1, d: 5 });
  });
  it('the empty state is the identity on both sides', () => {
    const s = { m: -3, d: 7 };
    expect(mergeLogSumExpStates(EMPTY_LSE_STATE, s)).toBe(s);
    expect(mergeLogSumExpStates(s, EMPTY_LSE_STATE)).toBe(s);
    expect(mergeLogSumExpStates(EMPTY_LSE_STATE, EMPTY_LSE_STATE)).toEqual({ m: -inf, d: 0 });
    expect(Object.isFrozen(EMPTY_LSE_STATE)).toBe(true);
  });
  it('NaN on either side is NaN; +∞ dominates and counts its +∞ entries', () => {
    for (const [a, b] of [
      [
        { m: Number.NaN, d: 1 },
        { m: 1, d: 1 },
      ],
      [
        { m: 1, d: 1 },
        { m: Number.NaN, d: 1 },
      ],
      [EMPTY_LSE_STATE, { m: Number.NaN, d: 1 }],
      [
        { m: inf, d: 1 },
        { m: Number.NaN, d: 1 },
      ],
    ] as const) {
      const s = mergeLogSumExpStates(a, b);
      expect(s.m).toBeNaN();
      expect(s.d).toBeNaN();
    }
    expect(mergeLogSumExpStates({ m: inf, d: 2 }, { m: 5, d: 9 })).toEqual({ m: inf, d: 2 });
    expect(mergeLogSumExpStates({ m: 5, d: 9 }, { m: inf, d: 3 })).toEqual({ m: inf, d: 3 });
    expect(mergeLogSumExpStates({ m: inf, d: 2 }, { m: inf, d: 3 })).toEqual({ m: inf, d: 5 });
  });
});

describe('logSumExpFromState', () => {
  it('is m + log d for a finite max', () => {
    expect(logSumExpFromState({ m: 3, d: Math.E })).toBe(3 + Math.log(Math.E));
    expect(logSumExpFromState({ m: -1, d: 1 })).toBe(-1);
  });
  it('returns the max itself for an empty, +∞ or NaN row', () => {
    expect(logSumExpFromState(EMPTY_LSE_STATE)).toBe(-inf);
    expect(logSumExpFromState({ m: inf, d: 4 })).toBe(inf);
    expect(logSumExpFromState({ m: Number.NaN, d: 1 })).toBeNaN();
  });
});

describe('mergeSplitStates', () => {
  /** A row's split state: c entries at the max, b = Σ of the others' e^(x − m) (exact, then rounded). */
  const split = (xs: readonly number[]): SplitSumState => {
    const m = Math.max(...xs);
    const c = xs.filter((x) => x === m).length;
    const b = xs
      .filter((x) => x !== m)
      .reduce((t, x) => t.plus(D.exp(dec(x).minus(dec(m)))), new D(0))
      .toNumber();
    return { m, c, b };
  };
  it('equal maxima add their counts and their rests (the branch a loss test missed)', () => {
    expect(mergeSplitStates({ m: 2, c: 1, b: 0.25 }, { m: 2, c: 3, b: 0.5 })).toEqual({
      m: 2,
      c: 4,
      b: 0.75,
    });
  });
  it('the side with the smaller max becomes rest, rescaled once', () => {
    const whole = split([1, 3, 3, 0.5, 2]);
    for (const s of [
      mergeSplitStates(split([1, 3]), split([3, 0.5, 2])),
      mergeSplitStates(split([3, 0.5, 2]), split([1, 3])),
      mergeSplitStates(split([1, 0.5]), split([3, 3, 2])),
      mergeSplitStates(split([3, 3, 2]), split([1, 0.5])),
    ]) {
      expect([s.m, s.c]).toEqual([whole.m, whole.c]);
      expect(Math.abs(s.b - whole.b)).toBeLessThanOrEqual(4 * 2 ** -53 * whole.b);
    }
  });
  it('the empty state is the identity on both sides', () => {
    const s = { m: -3, c: 2, b: 0.5 };
    expect(mergeSplitStates(EMPTY_SPLIT_STATE, s)).toBe(s);
    expect(mergeSplitStates(s, EMPTY_SPLIT_STATE)).toBe(s);
    expect(mergeSplitStates(EMPTY_SPLIT_STATE, EMPTY_SPLIT_STATE)).toEqual(EMPTY_SPLIT_STATE);
  });
});
