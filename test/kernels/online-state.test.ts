import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_LSE_STATE,
  EMPTY_SPLIT_STATE,
  foldRow,
  type LogSumExpState,
  logSumExpFromState,
  lseStateOfRow,
  mergeLogSumExpStates,
  mergeSplitStates,
  type OnlineSum,
  rescaleFactor,
  rowMax,
  type SplitSumState,
  splitStateOfRow,
} from '../../src/kernels/online-state.js';
import { D, dec, refLogSumExp } from '../helpers/reference.js';

// mergeLogSumExpStates and logSumExpFromState are also tested through the public API in
// test/normalizers/log-sum-exp.test.ts; the attention merge in attention-state.test.ts.

/** Σ e^(x − m) over a row, to 60 digits. */
function refSum(x: readonly number[], m: number) {
  let s = new D(0);
  for (const v of x) if (v !== -Infinity) s = s.plus(D.exp(dec(v).minus(dec(m))));
  return s;
}

const relErr = (got: number, want: InstanceType<typeof D>) =>
  new D(got).minus(want).abs().div(want).toNumber();

describe('rescaleFactor', () => {
  it('is 1 at equal references, 0 for an empty side, e^(m − M) with the difference exact', () => {
    expect(rescaleFactor(3, 3)).toBe(1);
    expect(rescaleFactor(-Infinity, 2)).toBe(0);
    const m = 0.1 + 2 ** -40;
    const M = 700.3;
    expect(relErr(rescaleFactor(m, M), D.exp(dec(m).minus(dec(M))))).toBeLessThan(2 ** -52);
  });
});

describe('rowMax', () => {
  it('is the largest entry, −∞ for an empty range, NaN when any entry is NaN', () => {
    expect(rowMax([1, 5, -2, 5], 0, 4)).toBe(5);
    expect(rowMax([1, 5, -2], 2, 0)).toBe(-Infinity);
    expect(rowMax([Infinity, Number.NaN, 1], 0, 3)).toBeNaN();
    expect(rowMax([1, Number.NaN, Infinity], 0, 3)).toBeNaN();
  });
});

describe('foldRow', () => {
  it('sum + comp against its reference is Σ e^(s·(x − ref)) to ~2 ulp, the reference within 64/s of the max', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -300, max: 300, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.constantFrom(1, 0.5, 3),
        (x, s) => {
          const acc: OnlineSum = { ref: 0, sum: 0, comp: 0 };
          foldRow(x, 0, x.length, s, acc);
          const max = Math.max(...x);
          expect(acc.ref).toBeLessThanOrEqual(max);
          expect(acc.ref).toBeGreaterThanOrEqual(max - 64 / s);
          let want = new D(0);
          for (const v of x) want = want.plus(D.exp(dec(v).minus(dec(acc.ref)).times(s)));
          expect(relErr(acc.sum + acc.comp, want)).toBeLessThan(8 * 2 ** -53);
        },
      ),
    );
  });

  it('skips −∞ entries and leaves ref −∞ and an empty sum for a fully masked row', () => {
    const acc: OnlineSum = { ref: 0, sum: 1, comp: 1 };
    foldRow([-Infinity, -Infinity], 0, 2, 1, acc);
    expect(acc).toEqual({ ref: -Infinity, sum: 0, comp: 0 });
    foldRow([-Infinity, 0, -Infinity, 0], 0, 4, 1, acc);
    expect(acc.ref).toBe(0);
    expect(acc.sum + acc.comp).toBe(2);
  });

  it('moves the reference when a value exceeds it by more than 64 (no overflow at 700 apart)', () => {
    const acc: OnlineSum = { ref: 0, sum: 0, comp: 0 };
    foldRow([-700, 0, 700], 0, 3, 1, acc);
    expect(acc.ref).toBe(700);
    expect(relErr(acc.sum + acc.comp, refSum([-700, 0, 700], 700))).toBeLessThan(2 ** -52);
  });
});

describe('foldRow: where the reference moves', () => {
  it('moves only past max + 64/s (not at it), scaling the old sum by e^(s·(old ref − new))', () => {
    for (const [x, s, ref] of [
      [[0, 64], 1, 0],
      [[0, 64.5], 1, 64.5],
      [[0, 127, 128], 0.5, 0],
      [[0, 20, 21.5], 3, 21.5],
      [[0, 60, 65, 1], 1, 65],
    ] as [number[], number, number][]) {
      const acc: OnlineSum = { ref: 0, sum: 0, comp: 0 };
      foldRow(x, 0, x.length, s, acc);
      expect(acc.ref, `${x} ${s}`).toBe(ref);
      let want = new D(0);
      for (const v of x) want = want.plus(D.exp(dec(v).minus(dec(ref)).times(s)));
      expect(relErr(acc.sum + acc.comp, want), `${x} ${s}`).toBeLessThan(4 * 2 ** -53);
    }
  });

  it('keeps its compensation: 2,001 terms whose plain sum is ~50 ulp off', () => {
    const x = [0];
    for (let i = 0; i < 1000; i++) x.push(-0.5, -3.7);
    const acc: OnlineSum = { ref: 0, sum: 0, comp: 0 };
    foldRow(x, 0, x.length, 1, acc);
    const want = new D(1).plus(
      D.exp(-0.5)
        .plus(D.exp(dec(-3.7)))
        .times(1000),
    );
    expect(relErr(acc.sum + acc.comp, want)).toBeLessThan(4 * 2 ** -53);
  });
});

describe('lseStateOfRow', () => {
  it('m = the max and m + log d = logsumexp of the row (60-digit reference)', () => {
    const x = Float64Array.of(-3, 100, 99.5, 20, -Infinity);
    const st = lseStateOfRow(x, 0, 5);
    expect(st.m).toBe(100);
    const lse = new D(st.m).plus(new D(st.d).ln());
    expect(lse.minus(refLogSumExp(x)).abs().toNumber()).toBeLessThan(4 * 2 ** -52 * 101);
  });

  it('rescales the lagging reference to the max once, and keeps the compensation of a long row', () => {
    const st = lseStateOfRow(Float64Array.of(0, 40, 39.5), 0, 3); // the fold's reference stays 0
    expect(st.m).toBe(40);
    expect(relErr(st.d, refSum([0, 40, 39.5], 40))).toBeLessThan(4 * 2 ** -53);
    const x = [0];
    for (let i = 0; i < 1000; i++) x.push(-0.5, -3.7);
    const long = lseStateOfRow(Float64Array.from(x), 0, x.length);
    const want = new D(1).plus(
      D.exp(-0.5)
        .plus(D.exp(dec(-3.7)))
        .times(1000),
    );
    expect(relErr(long.d, want)).toBeLessThan(4 * 2 ** -53);
    const split = splitStateOfRow(Float64Array.from(x), 0, x.length)!;
    expect(relErr(split.b, want.minus(1))).toBeLessThan(4 * 2 ** -53);
  });

  it('follows the non-finite policy: masked (−∞, 0), +∞ (∞, count), NaN (NaN, NaN)', () => {
    expect(lseStateOfRow(Float64Array.of(-Infinity, -Infinity), 0, 2)).toEqual({
      m: -Infinity,
      d: 0,
    });
    expect(lseStateOfRow(Float64Array.of(Infinity, 1, Infinity), 0, 3)).toEqual({
      m: Infinity,
      d: 2,
    });
    const nan = lseStateOfRow(Float64Array.of(1, Number.NaN), 0, 2);
    expect(nan.m).toBeNaN();
    expect(nan.d).toBeNaN();
  });
});

describe('splitStateOfRow', () => {
  it('counts the entries at the max and sums the others to full relative accuracy', () => {
    const x = Float64Array.of(3, 3, -1, 0, 3, -40, 2.75);
    const st = splitStateOfRow(x, 0, 7)!;
    expect(st.m).toBe(3);
    expect(st.c).toBe(3);
    expect(relErr(st.b, refSum([-1, 0, -40, 2.75], 3))).toBeLessThan(4 * 2 ** -53);
  });

  it('is empty for a masked row and null for a row holding NaN or +∞', () => {
    expect(splitStateOfRow(Float64Array.of(-Infinity), 0, 1)).toEqual(EMPTY_SPLIT_STATE);
    expect(splitStateOfRow(Float64Array.of(1, Number.NaN), 0, 2)).toBeNull();
    expect(splitStateOfRow(Float64Array.of(1, Infinity), 0, 2)).toBeNull();
  });
});

describe('mergeSplitStates', () => {
  const ofRow = (x: number[]) => splitStateOfRow(Float64Array.from(x), 0, x.length)!;

  it('at equal maxima adds both counts and both rests (the row of both parts)', () => {
    const merged = mergeSplitStates(ofRow([2, 0.5, 2]), ofRow([2, -1]));
    expect(merged.m).toBe(2);
    expect(merged.c).toBe(3);
    expect(relErr(merged.b, refSum([0.5, -1], 2))).toBeLessThan(4 * 2 ** -53);
  });

  it('any split of a row merges to the whole row’s state', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -30, max: 30 }), { minLength: 1, maxLength: 16 }),
        fc.nat(),
        (ints, cut) => {
          const x = ints.map((v) => v / 4); // ties are common
          const c = cut % (x.length + 1);
          const a = c === 0 ? EMPTY_SPLIT_STATE : ofRow(x.slice(0, c));
          const b = c === x.length ? EMPTY_SPLIT_STATE : ofRow(x.slice(c));
          for (const merged of [mergeSplitStates(a, b), mergeSplitStates(b, a)]) {
            const whole = ofRow(x);
            expect(merged.m).toBe(whole.m);
            expect(merged.c).toBe(whole.c);
            const want = refSum(
              x.filter((v) => v !== whole.m),
              whole.m,
            );
            if (want.isZero()) expect(merged.b).toBe(0);
            else expect(relErr(merged.b, want)).toBeLessThan(16 * 2 ** -53);
          }
        },
      ),
    );
  });

  it('an empty side returns the other', () => {
    const s = ofRow([1, 2]);
    expect(mergeSplitStates(EMPTY_SPLIT_STATE, s)).toBe(s);
    expect(mergeSplitStates(s, EMPTY_SPLIT_STATE)).toBe(s);
  });
});

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
