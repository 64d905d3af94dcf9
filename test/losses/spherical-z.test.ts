import { describe, expect, it } from 'vitest';
import { sphericalZLoss } from '../../src/losses/spherical-z.js';
import { gradError, randomArray } from '../helpers/finite-difference.js';
import { D, dec, relError } from '../helpers/reference.js';
import { classLossChecks, errorCode } from './class-loss-checks.js';
import type { RefValue } from './ref-row.js';

/** softplus(a(b − z))/a with z from the population mean and std, in 60 digits. */
function ref(row: readonly RefValue[], t: number, a: number, b: number) {
  const v = row.map((x) => new D(x));
  const mu = v.reduce((s, x) => s.plus(x), new D(0)).div(v.length);
  const sigma = v
    .reduce((s, x) => s.plus(x.minus(mu).pow(2)), new D(0))
    .div(v.length)
    .sqrt();
  const z = v[t]!.minus(mu).div(sigma);
  return D.ln(new D(1).plus(D.exp(new D(b).minus(z).times(a)))).div(a);
}

describe('sphericalZLoss: the shared loss checks (a = 0.5, b = 1)', () => {
  classLossChecks({
    loss: sphericalZLoss,
    options: { a: 0.5, b: 1 },
    reference: (row, t) => ref(row, t, 0.5, 1),
  });
});

describe('sphericalZLoss: invariances and edges', () => {
  it('invariant to a positive scaling of the logits', () => {
    const x = randomArray(12, 5);
    const a = sphericalZLoss(x, [0, 1, 2], { shape: [3, 4], a: 2, b: 0.5 });
    const b = sphericalZLoss(
      x.map((v) => v * 1e3),
      [0, 1, 2],
      { shape: [3, 4], a: 2, b: 0.5 },
    );
    expect(Math.abs((a.loss as number) - (b.loss as number))).toBeLessThan(1e-14);
    expect(
      gradError(
        b.grad.map((g) => g * 1e3),
        a.grad,
      ),
    ).toBeLessThan(1e-13);
  });

  it('the example: z = 1.2247… for [2, 0.5, −1]', () => {
    const z = 1.5 / Math.sqrt(1.5); // (2 − 0.5) / std
    expect(sphericalZLoss([2, 0.5, -1], [0]).loss).toBeCloseTo(Math.log1p(Math.exp(-z)), 15);
  });

  it('equal logits: z = 0, gradient 0', () => {
    const r = sphericalZLoss([3, 3, 3], [1], { a: 1, b: 2 });
    expect(r.loss).toBeCloseTo(Math.log1p(Math.exp(2)), 15);
    expect(Array.from(r.grad)).toEqual([0, 0, 0]);
  });

  it('a masked target gives +∞; bad a throws', () => {
    expect(sphericalZLoss([-Infinity, 1, 2], [0]).loss).toBe(Infinity);
    expect(errorCode(() => sphericalZLoss([1, 2], [0], { a: 0 }))).toBe('INVALID_PARAMETER');
    expect(errorCode(() => sphericalZLoss([1, 2], [0], { b: Number.NaN }))).toBe(
      'NON_FINITE_PARAMETER',
    );
  });
});

describe('sphericalZLoss at the ends of the range (issue 15)', () => {
  /** Loss and gradient (60-digit central differences, h = 1e-20·|row|) of the reference. */
  function refWithGrad(row: number[], t: number) {
    const v = row.map(dec);
    const h = D.max(...v.map((x) => x.abs())).times(1e-20);
    const grad = v.map((_, j) => {
      const up = v.map((x, k) => (k === j ? x.plus(h) : x));
      const down = v.map((x, k) => (k === j ? x.minus(h) : x));
      return ref(up, t, 1, 0)
        .minus(ref(down, t, 1, 0))
        .div(h.times(2));
    });
    return { loss: ref(v, t, 1, 0), grad };
  }

  for (const row of [
    [1e308, -1e308, 5e307, 0],
    [1.7e308, -1.7e308, 1.7e308, -1.7e308, 3],
    [5e-300, 0, -3e-300, 1e-301],
  ])
    it(`[${row}]: finite loss and gradient against the 60-digit reference`, () => {
      const got = sphericalZLoss(row, [0]);
      const want = refWithGrad(row, 0);
      expect(relError(got.loss as number, want.loss)).toBeLessThan(1e-14);
      const scale = D.max(...want.grad.map((g) => g.abs()));
      got.grad.forEach((g, j) => {
        expect(Number.isFinite(g)).toBe(true);
        expect(dec(g).minus(want.grad[j]!).abs().div(scale).toNumber()).toBeLessThan(1e-13);
      });
    });
});
