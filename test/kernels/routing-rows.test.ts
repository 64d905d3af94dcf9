import { describe, expect, it } from 'vitest';
import { gateWeights, routeRows, sigmoid, topPRows } from '../../src/kernels/routing-rows.js';
import { D } from '../helpers/reference.js';

const cfg = { experts: 4, k: 2, sigmoid: false, bias: undefined, groups: 1, groupTop: 1 };

describe('routeRows', () => {
  it('the direct and the keyed paths agree without bias (keyed via a zero bias)', () => {
    const x = new Float64Array([0.3, -1, 2, 2, 5, 5, 5, -Infinity]);
    const a = { s: new Float64Array(8), i: new Int32Array(4), p: new Float64Array(4) };
    const b = { s: new Float64Array(8), i: new Int32Array(4), p: new Float64Array(4) };
    routeRows(x, 2, cfg, a.s, a.i, a.p);
    routeRows(x, 2, { ...cfg, bias: new Float64Array(4) }, b.s, b.i, b.p);
    expect(Array.from(a.i)).toEqual([2, 3, 0, 1]);
    expect(Array.from(b.i)).toEqual(Array.from(a.i));
    expect(Array.from(b.p)).toEqual(Array.from(a.p));
  });
  it('a NaN row: NaN scores, the selection padded with the lowest unused indices', () => {
    const x = new Float64Array([Number.NaN, Number.NaN, 1, Number.NaN]);
    const s = new Float64Array(4);
    const i = new Int32Array(2);
    routeRows(x, 1, cfg, s, i, new Float64Array(2));
    expect(s.every(Number.isNaN)).toBe(true);
    expect(Array.from(i)).toEqual([0, 1]);
  });
  it('sigmoid is within 2.5 ulp of the 60-digit value, and saturates without overflow', () => {
    for (const v of [-745, -40, -1.5, -0.999, -1e-17, 0, 3e-9, 0.7, 1, 12, 800]) {
      const exact = new D(1).div(new D(1).plus(D.exp(new D(-v))));
      expect(Math.abs(sigmoid(v) - exact.toNumber())).toBeLessThanOrEqual(
        2.5 * Math.abs(exact.toNumber()) * 2 ** -52,
      );
    }
  });
  it('gateWeights: renormalized and scaled, 0 for a zero sum, 0 at dropped slots (the rest not renormalized again)', () => {
    const picked = new Float64Array([0.6, 0.2, 0, 0, 0.5, 0.25]);
    const weights = new Float64Array(6);
    const gate = { renormalize: true, scale: 2, weights };
    gateWeights(picked, 2, gate, undefined, 0, 3);
    expect(Array.from(weights)).toEqual([1.5, 0.5, 0, 0, 4 / 3, 2 / 3]);
    gateWeights(picked, 2, gate, new Uint8Array([0, 1, 0, 0, 1, 0]), 0, 3);
    expect(Array.from(weights)).toEqual([1.5, 0, 0, 0, 0, 2 / 3]);
    weights.fill(-1);
    gateWeights(picked, 2, { ...gate, renormalize: false }, undefined, 1, 3);
    expect(Array.from(weights)).toEqual([-1, -1, 0, 0, 1, 0.5]);
  });
  it('routeRows with a gate writes the weights of every token (JavaScript passes)', () => {
    const x = new Float64Array([0.3, -1, 2, 2, 5, 5, 5, -Infinity]);
    const s = new Float64Array(8);
    const i = new Int32Array(4);
    const p = new Float64Array(4);
    const weights = new Float64Array(4);
    routeRows(x, 2, cfg, s, i, p, 'js', { renormalize: true, scale: 1, weights });
    expect(Array.from(weights)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });
  it('topPRows: masked experts never taken, the rest padded', () => {
    const x = new Float64Array([0, -Infinity, 0]);
    const w = new Float64Array(3);
    const i = new Int32Array(3);
    const k = new Int32Array(1);
    topPRows(x, 1, 3, 1, 3, new Float64Array(3), w, i, k);
    expect(Array.from(i)).toEqual([0, 2, -1]);
    expect(Array.from(w)).toEqual([0.5, 0.5, 0]);
  });
});
