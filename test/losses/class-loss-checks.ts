/**
 * The checks every class-target loss of the family passes (one suite, called
 * from each loss's own test file): a 60-digit reference per row, central
 * finite differences on every reduction and a non-last axis, the stability
 * edges of STYLE.md, confident rows (loss and gradient against a 60-digit
 * central difference of the reference), Float32, bad input and "does not mutate".
 */
import { expect, it } from 'vitest';
import type { LossResult } from '../../src/losses/loss-options.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import type { FloatArray } from '../../src/tensor/types.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { D, type Dec, dec } from '../helpers/reference.js';

export type ClassLoss = (
  logits: FloatArray | number[],
  targets: number[],
  // biome-ignore lint/suspicious/noExplicitAny: each loss has its own options
  options?: any,
) => LossResult;

export interface ClassLossSpec {
  loss: ClassLoss;
  /** The options every check passes (the loss's own parameters). */
  options: Record<string, unknown>;
  /** The loss of one finite row (exact entries) with target t, in 60 digits. */
  reference: (row: Dec[], t: number) => Dec;
  /**
   * Rows [logits, target] where the loss is tiny and 1 − p_t cancels if formed
   * naively. Default: margins of 20 and 40 over the other logits.
   */
  confidentRows?: [number[], number][];
  /** Relative tolerance against the reference. Default 1e-14. */
  tolerance?: number;
  /** False for losses not invariant to a common shift of the logits. */
  shiftInvariant?: boolean;
}

export const errorCode = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof SoftmaxKitError ? e.code : String(e);
  }
  return 'no error';
};

const asList = (l: number | FloatArray) => (typeof l === 'number' ? [l] : Array.from(l));
const exactRow = (x: ArrayLike<number>) => Array.from(x, dec);

const SPREAD = [0.5, -1, 1.5, 0, -2, 1, -0.5, 2];
const CONFIDENT: [number[], number][] = [20, 40].map((m) => [
  SPREAD.map((v, j) => (j === 2 ? m : v)),
  2,
]);

/**
 * dℓ/dx_j of a reference by a central difference with h = 1e-40, evaluated at
 * 100 digits: truncation ~h², rounding ~1e-60 absolute (gradients of 1e-33 keep
 * 27 digits).
 */
function refGradient(ref: (row: Dec[]) => Dec, x: Dec[]): Dec[] {
  const precision = D.precision;
  D.set({ precision: 100 });
  try {
    const h = new D('1e-40');
    return x.map((_, j) => {
      const up = x.map((v, k) => (k === j ? v.plus(h) : v));
      const down = x.map((v, k) => (k === j ? v.minus(h) : v));
      return ref(up).minus(ref(down)).div(h.times(2));
    });
  } finally {
    D.set({ precision });
  }
}

export function classLossChecks(spec: ClassLossSpec): void {
  const { loss, options } = spec;
  const tol = spec.tolerance ?? 1e-14;

  it('writes the gradient into gradOut (stale values overwritten) and rejects a bad one', () => {
    const x = randomArray(3 * 4, 7, -2, 2);
    const t = [1, -100, 3];
    const o = { ...options, shape: [3, 4] };
    const fresh = loss(x, t, o);
    const g = new Float64Array(12).fill(Number.NaN);
    const r = loss(x, t, { ...o, gradOut: g });
    expect(r.grad).toBe(g);
    expect(Array.from(g)).toEqual(Array.from(fresh.grad));
    expect(r.loss).toEqual(fresh.loss);
    for (const bad of [new Float32Array(12), new Float64Array(11), x])
      expect(errorCode(() => loss(x, t, { ...o, gradOut: bad }))).toBe('INVALID_OUT');
  });

  it('per-row loss matches the 60-digit reference (ignored rows are 0)', () => {
    const x = randomArray(6 * 5, 101, -4, 4);
    const t = [0, 4, -100, 2, 2, 1];
    const got = asList(loss(x, t, { ...options, shape: [6, 5], reduction: 'none' }).loss);
    for (let r = 0; r < 6; r++) {
      if (t[r]! < 0) {
        expect(got[r]).toBe(0);
        continue;
      }
      const ref = spec.reference(exactRow(x.subarray(r * 5, r * 5 + 5)), t[r]!).toNumber();
      expect(Math.abs(got[r]! - ref)).toBeLessThanOrEqual(tol * Math.max(Math.abs(ref), 1e-300));
    }
  });

  for (const reduction of ['mean', 'sum', 'none'] as const)
    it(`gradient = central finite difference (${reduction}, axis 1 of [2, 4, 3], an ignored row)`, () => {
      const x = randomArray(24, 202, -2, 2);
      const t = [1, 3, -100, 0, 2, 3];
      const o = { ...options, shape: [2, 4, 3], axis: 1, reduction };
      const ones = new Array(reduction === 'none' ? 6 : 1).fill(1);
      const fd = fdVjp((z) => asList(loss(z, t, o).loss), x, ones);
      expect(gradError(loss(x, t, o).grad, fd)).toBeLessThan(1e-8);
    });

  it('a confident row: the loss and every gradient entry keep their relative accuracy', () => {
    for (const [row, t] of spec.confidentRows ?? CONFIDENT) {
      const r = loss(row, [t], { ...options, reduction: 'sum' });
      const x = exactRow(row);
      const want = spec.reference(x, t);
      const g = refGradient((z) => spec.reference(z, t), x);
      const err = (got: number, w: Dec) => new D(got).minus(w).abs().toNumber();
      expect(err(r.loss as number, want)).toBeLessThanOrEqual(tol * want.abs().toNumber());
      for (const [j, w] of g.entries())
        expect(err(r.grad[j]!, w), `entry ${j}`).toBeLessThanOrEqual(tol * w.abs().toNumber());
    }
  });

  it('axis 0 equals the transposed last-axis computation', () => {
    const x = randomArray(12, 303); // [4 classes, 3 rows] along axis 0
    const xt = new Float64Array(12);
    for (let c = 0; c < 4; c++) for (let r = 0; r < 3; r++) xt[r * 4 + c] = x[c * 3 + r]!;
    const t = [3, 0, 1];
    const a = loss(x, t, { ...options, shape: [4, 3], axis: 0, reduction: 'none' });
    const b = loss(xt, t, { ...options, shape: [3, 4], reduction: 'none' });
    expect(asList(a.loss)).toEqual(asList(b.loss));
    for (let c = 0; c < 4; c++)
      for (let r = 0; r < 3; r++) expect(a.grad[c * 3 + r]).toBe(b.grad[r * 4 + c]);
  });

  if (spec.shiftInvariant !== false)
    it('a +1e6 shift of all logits changes nothing', () => {
      const x = randomArray(12, 404);
      const t = [1, 0, 3];
      const a = loss(x, t, { ...options, shape: [3, 4] });
      const b = loss(
        x.map((v) => v + 1e6),
        t,
        { ...options, shape: [3, 4] },
      );
      expect(Math.abs((b.loss as number) - (a.loss as number))).toBeLessThan(1e-9);
      expect(gradError(b.grad, a.grad)).toBeLessThan(1e-9);
    });

  it('a masked huge-index logit is the truncated row and gets gradient 0', () => {
    const a = loss([1, 2, 3, -Infinity], [1], options);
    const b = loss([1, 2, 3], [1], options);
    expect(Math.abs((a.loss as number) - (b.loss as number))).toBeLessThanOrEqual(1e-15);
    expect(a.grad[3]).toBe(0);
    expect(gradError(a.grad.subarray(0, 3), b.grad)).toBeLessThan(1e-15);
  });

  it('a fully masked row gives loss 0 and gradient 0; NaN stays in its row', () => {
    const r = loss([-Infinity, -Infinity, -Infinity, 1, 2, 3, Number.NaN, 1, 2], [0, 1, 2], {
      ...options,
      shape: [3, 3],
      reduction: 'none',
    });
    const l = asList(r.loss);
    expect(l[0]).toBe(0);
    expect(Array.from(r.grad.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(Number.isFinite(l[1]!)).toBe(true);
    expect(Array.from(r.grad.subarray(3, 6)).every(Number.isFinite)).toBe(true);
    expect(l[2]).toBeNaN();
  });

  it('all-ignored batch: loss 0 and gradient 0; NaN when asked', () => {
    const x = randomArray(8, 505);
    const a = loss(x, [-100, -100], { ...options, shape: [2, 4] });
    expect(a.loss).toBe(0);
    expect(Array.from(a.grad).every((v) => v === 0)).toBe(true);
    expect(loss(x, [-100, -100], { ...options, shape: [2, 4], allIgnored: 'nan' }).loss).toBeNaN();
    expect(loss(x, [7, 7], { ...options, shape: [2, 4], ignoreIndex: 7 }).loss).toBe(0);
  });

  it('Float32 in, Float32 out: the double result rounded once', () => {
    const x32 = Float32Array.from(randomArray(15, 606, -30, 30));
    const t = [4, 0, 2];
    const a = loss(x32, t, { ...options, shape: [3, 5], reduction: 'none' });
    const b = loss(Float64Array.from(x32), t, { ...options, shape: [3, 5], reduction: 'none' });
    expect(a.grad).toBeInstanceOf(Float32Array);
    expect(a.loss).toBeInstanceOf(Float32Array);
    expect(Array.from(a.grad)).toEqual(Array.from(b.grad, Math.fround));
    expect(asList(a.loss)).toEqual(asList(b.loss).map(Math.fround));
  });

  it('length-1 and long rows', () => {
    expect(Number.isFinite(loss([2.5], [0], options).loss as number)).toBe(true);
    const long = randomArray(20_000, 707, -3, 3);
    const r = loss(long, [12_345], options);
    const ref = spec.reference(exactRow(long.subarray(0, 50)), 7); // sanity that ref runs
    expect(Number.isFinite(ref.toNumber())).toBe(true);
    expect(Number.isFinite(r.loss as number)).toBe(true);
    expect(Math.abs(Array.from(r.grad).reduce((s, v) => s + v, 0))).toBeLessThan(1e-12);
  });

  it('does not mutate its inputs', () => {
    const x = randomArray(12, 808);
    const xc = Float64Array.from(x);
    const t = [1, 2, 0];
    loss(x, t, { ...options, shape: [3, 4] });
    expect(x).toEqual(xc);
    expect(t).toEqual([1, 2, 0]);
  });

  it('bad input throws SoftmaxKitError with the right code', () => {
    const x = [1, 2, 3, 4, 5, 6];
    const s = { ...options, shape: [2, 3] };
    expect(errorCode(() => loss(x, [0, 3], s))).toBe('TARGET_OUT_OF_RANGE');
    expect(errorCode(() => loss(x, [0], s))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => loss(x, [0, 1], { ...s, axis: 5 }))).toBe('AXIS_OUT_OF_RANGE');
    expect(errorCode(() => loss(x, [0, 1], { ...s, reduction: 'avg' }))).toBe('INVALID_PARAMETER');
    expect(errorCode(() => loss([], [], { ...options, shape: [0] }))).toBe('EMPTY_AXIS');
    // biome-ignore lint/suspicious/noExplicitAny: a bad input at runtime
    expect(errorCode(() => loss('x' as any, [0], options))).toBe('INVALID_INPUT');
  });
}
