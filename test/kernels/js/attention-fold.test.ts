import { describe, expect, it } from 'vitest';
import { newRowStates } from '../../../src/kernels/attention-state.js';
import { foldTileRows, type TileWeights } from '../../../src/kernels/js/attention-fold.js';
import { D, dec } from '../../helpers/reference.js';

// The fold is also exercised end to end by test/attention/forward.test.ts.

/** Softmax's weights: x ← e^(x − m), returning their sum (the online kind's contract). */
const softmaxWeights: TileWeights = {
  rescaled: true,
  weights(x, o, n, m) {
    let s = 0;
    for (let i = o; i < o + n; i++) s += x[i] = Math.exp(x[i]! - m);
    return s;
  },
};

describe('foldTileRows', () => {
  it('two tiles folded in turn leave m = the max and l = Σ e^(x − m) (60-digit reference)', () => {
    const tiles = [
      [3, -1, 0.5, -Infinity],
      [40, 2, -3, 39.5],
    ];
    const st = newRowStates(1, 1);
    st.m[0] = -Infinity;
    for (const t of tiles) foldTileRows(Float64Array.from(t), 1, 4, st, 1, softmaxWeights, null);
    expect(st.m[0]).toBe(40);
    let want = new D(0);
    for (const v of tiles.flat()) if (v !== -Infinity) want = want.plus(D.exp(dec(v).minus(40)));
    expect(new D(st.l[0]!).minus(want).abs().div(want).toNumber()).toBeLessThan(1e-15);
  });

  it('rescales acc with l when the reference grows', () => {
    const st = newRowStates(1, 2);
    st.m[0] = 0;
    st.l[0] = 1;
    st.acc.set([2, -4]);
    foldTileRows(Float64Array.of(Math.LN2), 1, 1, st, 2, softmaxWeights, null);
    expect(st.m[0]).toBe(Math.LN2);
    expect(st.acc[0]).toBeCloseTo(1, 15); // 2·e^(0 − ln 2)
    expect(st.acc[1]).toBeCloseTo(-2, 15);
    expect(st.l[0]).toBeCloseTo(1.5, 15); // 1·½ + e^0
  });

  it('the fast path (raw scores and row scales) gives the general path’s weights bit for bit', () => {
    const raw = [0.3, -1.25, 2.5, 0.75, 1e-3, -0.5];
    const scale = Float64Array.of(0.125, 3);
    const a = newRowStates(2, 1);
    const b = newRowStates(2, 1);
    a.m.fill(-Infinity);
    b.m.fill(-Infinity);
    const Sa = Float64Array.from(raw);
    const Sb = Float64Array.from(raw, (v, i) => scale[Math.floor(i / 3)]! * v);
    foldTileRows(Sa, 2, 3, a, 1, softmaxWeights, scale);
    foldTileRows(Sb, 2, 3, b, 1, softmaxWeights, null);
    expect(Array.from(a.m)).toEqual(Array.from(b.m));
    expect(Array.from(a.l)).toEqual(Array.from(b.l));
    expect(Array.from(Sa)).toEqual(Array.from(Sb));
  });

  it('a row that sees only hidden keys keeps m = −∞ and gets zero weights', () => {
    const st = newRowStates(1, 1);
    st.m[0] = -Infinity;
    const S = Float64Array.of(-Infinity, -Infinity);
    foldTileRows(S, 1, 2, st, 1, softmaxWeights, null);
    expect(st.m[0]).toBe(-Infinity);
    expect(st.l[0]).toBe(0);
    expect(Array.from(S)).toEqual([0, 0]);
  });
});
