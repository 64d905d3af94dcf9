import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mergeRowStates,
  newRowStates,
  type RowStates,
  rescaleRowState,
} from '../../src/kernels/attention-state.js';
import { D, dec } from '../helpers/reference.js';

/** The state of one row over logits x with 2-dim values v (reference m = max x). */
function state(x: number[], v: number[][]): RowStates {
  const st = newRowStates(1, 2);
  const m = x.length === 0 ? Number.NEGATIVE_INFINITY : Math.max(...x);
  st.m[0] = m;
  x.forEach((xi, j) => {
    const p = Math.exp(xi - m);
    st.l[0] = st.l[0]! + p;
    st.acc[0] = st.acc[0]! + p * v[j]![0]!;
    st.acc[1] = st.acc[1]! + p * v[j]![1]!;
  });
  return st;
}

const out = (s: RowStates) => [s.acc[0]! / s.l[0]!, s.acc[1]! / s.l[0]!];

describe('mergeRowStates', () => {
  it('merging the states of a split row gives the whole row (any split)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -700, max: 700, noNaN: true }), { minLength: 1, maxLength: 20 }),
        fc.nat(),
        (x, cut) => {
          const v = x.map((_, j) => [Math.sin(j), Math.cos(3 * j)]);
          const c = cut % (x.length + 1);
          const a = state(x.slice(0, c), v.slice(0, c));
          mergeRowStates(a, state(x.slice(c), v.slice(c)), 1, 2);
          const whole = state(x, v);
          expect(a.m[0]).toBe(whole.m[0]);
          const [o, w] = [out(a), out(whole)];
          for (let i = 0; i < 2; i++) expect(Math.abs(o[i]! - w[i]!)).toBeLessThanOrEqual(1e-14);
        },
      ),
    );
  });

  it('an empty side (m = −∞) is the identity; NaN propagates into its row only', () => {
    const a = state(
      [1, 2],
      [
        [1, 2],
        [3, 4],
      ],
    );
    const before = [a.m[0], a.l[0], a.acc[0], a.acc[1]];
    mergeRowStates(a, state([], []), 1, 2);
    expect([a.m[0], a.l[0], a.acc[0], a.acc[1]]).toEqual(before);
    const e = state([], []);
    mergeRowStates(
      e,
      state(
        [1, 2],
        [
          [1, 2],
          [3, 4],
        ],
      ),
      1,
      2,
    );
    expect([e.m[0], e.l[0], e.acc[0], e.acc[1]]).toEqual(before);
    const n = state([Number.NaN], [[1, 1]]);
    mergeRowStates(a, n, 1, 2);
    expect(Number.isNaN(a.m[0]) && Number.isNaN(a.acc[0])).toBe(true);
  });
});

describe('mergeRowStates over several rows', () => {
  it('rescales each row by its own factors and touches no other row', () => {
    // two rows of 2-dim values; the rows' maxima differ, so their factors do
    const rows = [
      {
        x: [3, -1],
        v: [
          [1, 2],
          [3, 4],
        ],
        y: [0.5],
        w: [[5, 6]],
      },
      {
        x: [-2],
        v: [[7, 8]],
        y: [4, 1],
        w: [
          [9, 10],
          [11, 12],
        ],
      },
    ];
    const a = newRowStates(2, 2);
    const b = newRowStates(2, 2);
    const whole: number[][] = [];
    rows.forEach((row, r) => {
      const [sa, sb] = [state(row.x, row.v), state(row.y, row.w)];
      a.m[r] = sa.m[0]!;
      a.l[r] = sa.l[0]!;
      a.acc.set(sa.acc, 2 * r);
      b.m[r] = sb.m[0]!;
      b.l[r] = sb.l[0]!;
      b.acc.set(sb.acc, 2 * r);
      whole.push(out(state([...row.x, ...row.y], [...row.v, ...row.w])));
    });
    mergeRowStates(a, b, 2, 2);
    for (let r = 0; r < 2; r++)
      for (let i = 0; i < 2; i++)
        expect(Math.abs(a.acc[2 * r + i]! / a.l[r]! - whole[r]![i]!)).toBeLessThanOrEqual(1e-14);
    expect(Array.from(a.m)).toEqual([3, 4]);
  });
});

describe('mergeRowStates merges only the first `rows` rows', () => {
  it('rows past the count stay as they were', () => {
    const a = newRowStates(2, 1);
    const b = newRowStates(2, 1);
    a.m.set([1, 2]);
    a.l.set([1, 1]);
    a.acc.set([3, 4]);
    b.m.set([5, 6]);
    b.l.set([1, 1]);
    b.acc.set([7, 8]);
    mergeRowStates(a, b, 1, 1);
    expect([a.m[1], a.l[1], a.acc[1]]).toEqual([2, 1, 4]);
    expect(a.m[0]).toBe(5);
  });
});

describe('rescaleRowState', () => {
  /** Three rows of 2-dim values: m = [1, −∞, 5], l = [2, 0, 3], acc = 1..6. */
  const fresh = () => {
    const st = newRowStates(3, 2);
    st.m.set([1, Number.NEGATIVE_INFINITY, 5]);
    st.l.set([2, 0, 3]);
    st.acc.set([1, 2, 3, 4, 5, 6]);
    return st;
  };

  it('moves row r to a larger tile max, scaling l and its acc by e^(m − M) (difference exact); other rows untouched', () => {
    const st = fresh();
    const m = 1 + 2 ** -40;
    st.m[0] = m;
    expect(rescaleRowState(st, 0, 2, 3.5)).toBe(3.5);
    const f = D.exp(dec(m).minus(3.5));
    expect(st.m[0]).toBe(3.5);
    for (const [got, was] of [
      [st.l[0]!, 2],
      [st.acc[0]!, 1],
      [st.acc[1]!, 2],
    ])
      expect(new D(got).minus(f.times(was)).abs().div(f.times(was)).toNumber()).toBeLessThan(
        2 ** -52,
      );
    expect(Array.from(st.acc.subarray(2))).toEqual([3, 4, 5, 6]);
    expect(Array.from(st.l.subarray(1))).toEqual([0, 3]);
  });

  it('keeps the reference when the tile max is not larger, and while only hidden keys were seen', () => {
    const st = fresh();
    expect(rescaleRowState(st, 2, 2, 4)).toBe(5);
    expect(rescaleRowState(st, 2, 2, 5)).toBe(5);
    expect(rescaleRowState(st, 1, 2, Number.NEGATIVE_INFINITY)).toBe(Number.NEGATIVE_INFINITY);
    expect(Array.from(st.m)).toEqual([1, Number.NEGATIVE_INFINITY, 5]);
    expect(Array.from(st.l)).toEqual([2, 0, 3]);
    expect(Array.from(st.acc)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a row that saw only hidden keys takes the first finite tile max with factor 0', () => {
    const st = fresh();
    expect(rescaleRowState(st, 1, 2, 0.5)).toBe(0.5);
    expect(st.m[1]).toBe(0.5);
    expect(Array.from(st.acc.subarray(2, 4))).toEqual([0, 0]);
    expect(st.l[1]).toBe(0);
  });
});
