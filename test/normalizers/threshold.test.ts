/**
 * The α-entmax family's shared row machinery, driven by a brute-force sparsemax
 * τ (every support size tried, the consistent one kept): the candidates, the
 * non-finite policy, the double-double polish and write of a sort-solved row, the
 * vjp kernel, and the JS-only backend rule.
 */
import { describe, expect, it } from 'vitest';
import { type Backend, jsBackend, registerBackend } from '../../src/kernels/backend.js';
import {
  compensatedSum,
  gatherCandidates,
  requireJsBackend,
  rowMaxOrPolicy,
  sortSolvedMap,
  sortSolvedRow,
  sortSolvedVjp,
  type ThresholdRow,
} from '../../src/normalizers/threshold.js';
import { D, dec, relError } from '../helpers/reference.js';
import { errorCode } from '../losses/class-loss-checks.js';

/** Sparsemax's τ over candidates z (max 0) by brute force: the k whose τ_k keeps exactly the top k. */
function bruteTau(z: Float64Array, k: number): number {
  const s = Array.from(z.subarray(0, k)).sort((a, b) => b - a);
  for (let m = k; m >= 1; m--) {
    const tau = (s.slice(0, m).reduce((a, b) => a + b, 0) - 1) / m;
    if (s[m - 1]! > tau) return tau;
  }
  return -1;
}
/** A sparsemax row (s = 1, p = 1) with the brute-force τ. */
const row: ThresholdRow = (x, off, n, y, z) => sortSolvedRow(x, off, n, y, z, 1, 1, bruteTau);

/** Sparsemax of a finite row in 60 digits: the support by the sort rule, τ exact. */
function refSparsemax(x: readonly number[]) {
  const d = x.map(dec);
  const sorted = [...d].sort((a, b) => b.comparedTo(a));
  let k = 1;
  let sum = new D(0);
  let tau = new D(0);
  for (let j = 0; j < sorted.length; j++) {
    const t = sum
      .plus(sorted[j]!)
      .minus(1)
      .div(j + 1);
    if (sorted[j]!.gt(t)) {
      k = j + 1;
      tau = t;
    }
    sum = sum.plus(sorted[j]!);
  }
  expect(k).toBeGreaterThan(0);
  return d.map((v) => D.max(v.minus(tau), 0));
}

describe('sortSolvedRow', () => {
  it('writes the projection onto the simplex to ~1 ulp, zeros exact', () => {
    const x = [0.1, 0.5, 0.9, -3, 0.85, 0.1 + 2 ** -40];
    const y = new Float64Array(6);
    row(Float64Array.from(x), 0, 6, y, new Float64Array(6), 0);
    const ref = refSparsemax(x);
    for (let i = 0; i < 6; i++)
      if (ref[i]!.isZero()) expect(y[i]).toBe(0);
      else expect(relError(y[i]!, ref[i]!)).toBeLessThan(2 ** -52);
  });
  it('a NaN row is NaN and a +∞ row shares the mass among its +∞ entries', () => {
    const y = new Float64Array(3);
    row(Float64Array.of(1, Number.NaN, 2), 0, 3, y, new Float64Array(3), 0);
    expect(Array.from(y)).toEqual([Number.NaN, Number.NaN, Number.NaN]);
    row(Float64Array.of(Infinity, 1, Infinity), 0, 3, y, new Float64Array(3), 0);
    expect(Array.from(y)).toEqual([0.5, 0, 0.5]);
  });
});

describe('the row helpers', () => {
  it('gatherCandidates keeps s·(x − m) > −1 only', () => {
    const z = new Float64Array(4);
    expect(gatherCandidates(Float64Array.of(3, 2.5, 2, -Infinity), 0, 4, 3, 1, z)).toBe(2);
    expect(Array.from(z.subarray(0, 2))).toEqual([0, -0.5]);
    expect(gatherCandidates(Float64Array.of(3, 2.5, 2, 0.5), 0, 4, 3, 0.5, z)).toBe(3);
  });
  it('rowMaxOrPolicy returns the max of a finite row, writes zeros for a masked one', () => {
    const y = new Float64Array(2).fill(9);
    expect(rowMaxOrPolicy(Float64Array.of(-1, 4), 0, 2, y)).toBe(4);
    expect(rowMaxOrPolicy(Float64Array.of(-Infinity, -Infinity), 0, 2, y)).toBeUndefined();
    expect(Array.from(y)).toEqual([0, 0]);
  });
  it('compensatedSum keeps what a plain sum drops', () => {
    expect(compensatedSum(Float64Array.of(1, 1e-17, -1, 3e-17), 4)).toBe(4e-17);
  });
  it("requireJsBackend accepts 'auto' and 'js' only", () => {
    expect(() => requireJsBackend('f', undefined)).not.toThrow();
    expect(() => requireJsBackend('f', 'js')).not.toThrow();
    expect(errorCode(() => requireJsBackend('f', 'wasm'))).toBe('BACKEND_UNAVAILABLE');
  });
});

describe('sortSolvedMap and sortSolvedVjp', () => {
  it('map rows of any axis; the vjp with exponent 0 is dy minus its mean on the support', () => {
    const x = [0.1, 0.9, 0.5, 0.85];
    const y = sortSolvedMap('f', x, { shape: [2, 2], axis: 0 }, row);
    // columns (0.1, 0.5) and (0.9, 0.85): y = (0.3, 0.7) and (0.525, 0.475)
    expect(y[0]).toBeCloseTo(0.3, 15);
    expect(y[2]).toBeCloseTo(0.7, 15);
    const dx = sortSolvedVjp('f', [0.1, 0.5, 0.9, -3], [1, 2, 4, 8], undefined, row, 0);
    expect(Array.from(dx)).toEqual([0, -1, 1, 0]); // support {0.5, 0.9}: mean of (2, 4) is 3
    expect(() => sortSolvedMap('f', x, { shap: [4] }, row)).toThrow(/f: unknown option 'shap'/);
  });
});

describe('thresholdVjpKernel off the support', () => {
  it('an infinite dy where y = 0 does not reach the support (g = 0 terms are skipped, not 0·∞)', () => {
    const dx = sortSolvedVjp('f', [0.1, 0.5, 0.9, -3], [1, 2, 4, Infinity], undefined, row, 0);
    expect(Array.from(dx)).toEqual([0, -1, 1, 0]);
  });
});

describe('requireJsBackend with another backend loaded', () => {
  it("runs 'auto' on JavaScript even when another backend prefers the size; names the function otherwise", () => {
    // a stand-in for the WebAssembly backend (not loaded in this suite), preferring every size
    registerBackend({ ...jsBackend, name: 'wasm', prefers: () => true } as Backend);
    expect(() => requireJsBackend('f', undefined)).not.toThrow();
    expect(() => requireJsBackend('f', 'auto')).not.toThrow();
    expect(() => requireJsBackend('f', 'js')).not.toThrow();
    expect(errorCode(() => requireJsBackend('f', 'wasm'))).toBe('BACKEND_UNAVAILABLE');
    expect(() => requireJsBackend('f', 'wasm')).toThrow(
      "f: expected backend 'auto' or 'js' (the only f kernel), got 'wasm'",
    );
  });
});
