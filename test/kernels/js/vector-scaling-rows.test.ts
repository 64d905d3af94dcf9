/**
 * The vector-scaling pass and the class scales (the kernels under fitVectorScaling,
 * also tested through test/calibration/vector-scaling.test.ts): the NLL against a
 * direct evaluation in the test, the gradient against central differences of it.
 */
import { describe, expect, it } from 'vitest';
import {
  classLogitScales,
  vectorScalingPass,
} from '../../../src/kernels/js/vector-scaling-rows.js';
import { D, dec, relError } from '../../helpers/reference.js';

/** Σ over labelled rows of log Σ_j e^(z_j) − z_t, z_j = w_j·x_j + b_j (masked stays masked), summed plainly. */
function nll(x: number[], n: number, t: number[], w: number[], b: number[]): number {
  let s = 0;
  for (let r = 0; r < t.length; r++) {
    if (t[r]! < 0) continue;
    const z = x
      .slice(r * n, r * n + n)
      .map((v, j) => (v === -Infinity ? -Infinity : w[j]! * v + b[j]!));
    s += Math.log(z.reduce((a, v) => a + Math.exp(v), 0)) - z[t[r]!]!;
  }
  return s;
}

const n = 4;
const x = [0.5, -1, 2, 0.25, 1, -Infinity, -0.5, 3, -2, 1.5, 0, 0.75];
const t = [2, 0, -1];
const w = [1.3, 0.7, 0.9, 1.1];
const b = [0.1, -0.2, 0.05, 0];

describe('vectorScalingPass', () => {
  it('returns the summed NLL of the labelled rows and its exact gradient', () => {
    const grad = new Float64Array(2 * n);
    const v = vectorScalingPass(
      Float64Array.from(x),
      3,
      n,
      Int32Array.from(t),
      Float64Array.from(w),
      Float64Array.from(b),
      grad,
    );
    expect(v).toBeCloseTo(nll(x, n, t, w, b), 14);
    const h = 1e-6;
    for (let j = 0; j < 2 * n; j++) {
      const wp = [...w];
      const bp = [...b];
      const wm = [...w];
      const bm = [...b];
      if (j < n) {
        wp[j]! += h;
        wm[j]! -= h;
      } else {
        bp[j - n]! += h;
        bm[j - n]! -= h;
      }
      const fd = (nll(x, n, t, wp, bp) - nll(x, n, t, wm, bm)) / (2 * h);
      expect(grad[j]).toBeCloseTo(fd, 7);
    }
  });
  it('gives a masked logit no gradient and ignores unlabelled rows', () => {
    const grad = new Float64Array(2 * n);
    vectorScalingPass(
      Float64Array.from(x.slice(4, 8)),
      1,
      n,
      Int32Array.of(0),
      Float64Array.from(w),
      Float64Array.from(b),
      grad,
    );
    expect(grad[1]).toBe(0); // w of the masked class
    expect(grad[n + 1]).toBe(0); // b of the masked class
    const none = new Float64Array(2 * n);
    expect(
      vectorScalingPass(
        Float64Array.from(x),
        3,
        n,
        Int32Array.of(-1, -1, -1),
        Float64Array.from(w),
        Float64Array.from(b),
        none,
      ),
    ).toBe(0);
    expect(Array.from(none)).toEqual(new Array(2 * n).fill(0));
  });
  it('a masked logit stays masked whatever its class scale (0 or negative: no 0·∞, no +∞)', () => {
    const row = Float64Array.of(1, -Infinity, -0.5, 3);
    for (const wm of [0, -2]) {
      const ws = [1.3, wm, 0.9, 1.1];
      const got = vectorScalingPass(
        row,
        1,
        n,
        Int32Array.of(0),
        Float64Array.from(ws),
        Float64Array.from(b),
        new Float64Array(2 * n),
      );
      expect(got, `${wm}`).toBeCloseTo(nll(Array.from(row), n, [0], ws, b), 14);
    }
  });
  it('sums the NLL of 2,000 rows with compensation (within 2 ulp of 60 digits)', () => {
    const rows = Array.from({ length: 2000 }, (_, r) => [
      0,
      r % 2 ? -3.7 : -0.1,
      -Infinity,
      -Infinity,
    ]).flat();
    const ones = Float64Array.of(1, 1, 1, 1);
    const got = vectorScalingPass(
      Float64Array.from(rows),
      2000,
      n,
      new Int32Array(2000).fill(1),
      ones,
      new Float64Array(n),
      new Float64Array(2 * n),
    );
    // per row log(1 + e^−g) + g, g = 0.1 or 3.7 (as doubles), 1,000 of each
    const term = (g: number) => D.ln(new D(1).plus(D.exp(dec(-g)))).plus(dec(g));
    const want = term(0.1).plus(term(3.7)).times(1000);
    expect(relError(got, want)).toBeLessThan(2 * 2 ** -52);
  });
  it('returns +∞ when a scaled logit overflows (the line search backtracks)', () => {
    const grad = new Float64Array(2 * n);
    const huge = Float64Array.of(1e300, 0, 0, 0);
    expect(
      vectorScalingPass(
        huge,
        1,
        n,
        Int32Array.of(1),
        Float64Array.of(1e10, 1, 1, 1),
        new Float64Array(n),
        grad,
      ),
    ).toBe(Infinity);
  });
  it('agrees in Float32 with the same logits held in Float64', () => {
    const x32 = Float32Array.from(x);
    const g32 = new Float64Array(2 * n);
    const g64 = new Float64Array(2 * n);
    const v32 = vectorScalingPass(
      x32,
      3,
      n,
      Int32Array.from(t),
      Float64Array.from(w),
      Float64Array.from(b),
      g32,
    );
    const v64 = vectorScalingPass(
      Float64Array.from(x32),
      3,
      n,
      Int32Array.from(t),
      Float64Array.from(w),
      Float64Array.from(b),
      g64,
    );
    expect(v32).toBe(v64);
    expect(Array.from(g32)).toEqual(Array.from(g64));
  });
});

describe('classLogitScales', () => {
  it('is each class’s largest finite |logit| over the labelled rows', () => {
    const s = classLogitScales(Float64Array.from(x), 3, n, Int32Array.from(t));
    // rows 0 and 1 only (row 2 is ignored); −∞ does not count.
    expect(Array.from(s)).toEqual([1, 1, 2, 3]);
  });
  it('is 0 for a class masked in every labelled row', () => {
    const s = classLogitScales(
      Float64Array.of(1, -Infinity, 2, -Infinity),
      2,
      2,
      Int32Array.of(0, 0),
    );
    expect(Array.from(s)).toEqual([2, 0]);
  });
});
