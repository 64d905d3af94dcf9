import { describe, expect, it } from 'vitest';
import { newRowStates } from '../../../src/kernels/attention-state.js';
import {
  foldTileRows,
  type TileWeights,
  unfoldTileRows,
} from '../../../src/kernels/js/attention-fold.js';
import { onlineKind } from '../../../src/kernels/js/attention-kinds.js';
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

describe('unfoldTileRows', () => {
  it('the raw-score path gives softmax’s grads of the scaled logits; a row with L = −∞ gives zeros', () => {
    const R = Float64Array.of(0.5, -1, 2, 0.25, 3, -2);
    const scale = Float64Array.of(0.5, 2);
    const G = Float64Array.of(1, -2, 0.5, 3, 0.25, -1);
    const lse = Float64Array.of(1.75, 6.5);
    const delta = Float64Array.of(0.3, -0.7);
    const raw = { R, X: new Float64Array(6), G: G.slice(), delta };
    unfoldTileRows(raw, 2, 3, onlineKind('softmax')!, lse, scale);
    const X = Float64Array.from(R, (v, i) => scale[Math.floor(i / 3)]! * v);
    const general = { R, X, G: G.slice(), delta };
    unfoldTileRows(general, 2, 3, onlineKind('softmax')!, lse, null);
    expect(Array.from(raw.X)).toEqual(Array.from(general.X));
    for (let i = 0; i < 6; i++) {
      const rs = scale[Math.floor(i / 3)]!;
      const p = Math.exp(rs * R[i]! - lse[Math.floor(i / 3)]!);
      expect(raw.G[i]).toBe(p * (G[i]! - delta[Math.floor(i / 3)]!) * rs);
    }
    const dead = { R, X: R.slice(), G: G.slice(), delta };
    unfoldTileRows(dead, 2, 3, onlineKind('softmax')!, Float64Array.of(-Infinity, 1), null);
    expect(Array.from(dead.X.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(dead.G.subarray(0, 3))).toEqual([0, 0, 0]);
    // the dead row second: its own cols are zeroed, the first row's are not
    const last = { R, X: R.slice(), G: G.slice(), delta };
    unfoldTileRows(last, 2, 3, onlineKind('softmax')!, Float64Array.of(1, -Infinity), null);
    expect(Array.from(last.X.subarray(3))).toEqual([0, 0, 0]);
    expect(Array.from(last.G.subarray(3))).toEqual([0, 0, 0]);
    expect(last.X.subarray(0, 3).every((v) => v > 0)).toBe(true);
  });
});

describe('foldTileRows: the paths the fast path hands back', () => {
  it('row scales ≤ 0 and rows whose scaled max is not finite take the general path, bit for bit', () => {
    const raw = [0.3, -1.25, 2.5, -Infinity, -Infinity, -Infinity, 1, Infinity, 0, 0.5, 2, -3];
    const scale = Float64Array.of(-2, 0.5, 1.5, 0);
    const a = newRowStates(4, 1);
    const b = newRowStates(4, 1);
    a.m.fill(-Infinity);
    b.m.fill(-Infinity);
    const Sa = Float64Array.from(raw);
    const Sb = Float64Array.from(raw, (v, i) => scale[Math.floor(i / 3)]! * v);
    foldTileRows(Sa, 4, 3, a, 1, onlineKind('softmax')!, scale);
    foldTileRows(Sb, 4, 3, b, 1, onlineKind('softmax')!, null);
    expect(Array.from(a.m)).toEqual([2.5, -Infinity, Infinity, 0]);
    expect(Array.from(a.m)).toEqual(Array.from(b.m));
    expect(Array.from(a.l)).toEqual(Array.from(b.l));
    expect(Array.from(Sa)).toEqual(Array.from(Sb));
    expect(Array.from(Sa.subarray(3, 9))).toEqual([0, 0, 0, 0, 1, 0]);
  });

  it('a kind without a reference adds each row’s terms to that row’s l', () => {
    const st = newRowStates(2, 1);
    st.l.set([0.5, 2]);
    const S = Float64Array.of(1, -2, 3, 0.25, 4, -1);
    foldTileRows(S, 2, 3, st, 1, onlineKind('reluNorm')!, null);
    expect(Array.from(st.l)).toEqual([4.5, 6.25]);
    expect(Array.from(S)).toEqual([1, 0, 3, 0.25, 4, 0]);
  });
});
