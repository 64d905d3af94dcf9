import { describe, expect, it } from 'vitest';
import { distillationLoss } from '../../src/losses/distillation.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { D } from '../helpers/reference.js';
import { errorCode } from './class-loss-checks.js';
import { refLogSoftmaxRow } from './ref-row.js';

/** T²·KL(softmax(t/T) ‖ softmax(s/T)) of one row, 60 digits. */
function ref(s: number[], t: number[], T: number) {
  const ls = refLogSoftmaxRow(s.map((v) => v / T));
  const lt = refLogSoftmaxRow(t.map((v) => v / T));
  let kl = new D(0);
  for (let j = 0; j < s.length; j++) kl = kl.plus(D.exp(lt[j]!).times(lt[j]!.minus(ls[j]!)));
  return kl.times(T * T);
}

describe('distillationLoss', () => {
  const s = randomArray(15, 1, -3, 3);
  const t = randomArray(15, 2, -3, 3);
  it('matches the 60-digit reference per row and in the mean', () => {
    for (const T of [1, 2.5]) {
      const none = distillationLoss(s, t, { shape: [3, 5], temperature: T, reduction: 'none' });
      let total = 0;
      for (let r = 0; r < 3; r++) {
        const want = ref(
          Array.from(s.subarray(r * 5, r * 5 + 5)),
          Array.from(t.subarray(r * 5, r * 5 + 5)),
          T,
        ).toNumber();
        total += want;
        expect(Math.abs((none.loss as Float64Array)[r]! / want - 1)).toBeLessThan(1e-13);
      }
      const mean = distillationLoss(s, t, { shape: [3, 5], temperature: T });
      expect(Math.abs((mean.loss as number) / (total / 3) - 1)).toBeLessThan(1e-13);
    }
  });

  it('confident student and teacher (margins 40 and 37): every gradient entry to 1e-14 relative', () => {
    // at the shared top class p − q = (1 − q) − (1 − p) is ~5e-17: it was 2% off
    const s1 = [0.5, -1, 40, 0, 1.5];
    const t1 = [0.5, -1, 37, 0, 1.5];
    const r = distillationLoss(s1, t1, { reduction: 'sum' });
    const p = refLogSoftmaxRow(s1).map((l) => D.exp(l));
    const q = refLogSoftmaxRow(t1).map((l) => D.exp(l));
    for (let j = 0; j < 5; j++) {
      const want = p[j]!.minus(q[j]!).toNumber();
      expect(Math.abs(r.grad[j]! - want)).toBeLessThanOrEqual(1e-14 * Math.abs(want));
    }
    expect(Math.abs((r.loss as number) / ref(s1, t1, 1).toNumber() - 1)).toBeLessThan(1e-13);
  });

  it('writes the gradient into gradOut on any axis, stale values overwritten', () => {
    const masked = Float64Array.from(s).fill(-Infinity, 5, 10); // a fully masked student row
    for (const axis of [0, -1]) {
      const o = { shape: [3, 5], axis, temperature: 2 };
      const want = distillationLoss(masked, t, o);
      const g = new Float64Array(15).fill(Number.NaN);
      const got = distillationLoss(masked, t, { ...o, gradOut: g });
      expect(got.grad).toBe(g);
      expect(Array.from(g)).toEqual(Array.from(want.grad));
    }
  });

  for (const reduction of ['mean', 'sum'] as const)
    it(`gradient T·(p − q) = central finite difference (${reduction}, axis 0)`, () => {
      const o = { shape: [5, 3], axis: 0, temperature: 2, reduction };
      const fd = fdVjp((z) => [distillationLoss(z, t, o).loss as number], s, [1]);
      expect(gradError(distillationLoss(s, t, o).grad, fd)).toBeLessThan(1e-8);
    });

  it('equal logits give 0; a +1e6 shift of either side changes nothing', () => {
    expect(distillationLoss(s, s, { shape: [3, 5] }).loss).toBe(0);
    const a = distillationLoss(s, t, { shape: [3, 5] });
    const b = distillationLoss(
      s.map((v) => v + 1e6),
      t.map((v) => v - 1e6),
      { shape: [3, 5] },
    );
    expect(Math.abs((a.loss as number) - (b.loss as number))).toBeLessThan(1e-9);
    expect(gradError(a.grad, b.grad)).toBeLessThan(1e-9);
  });

  it('masks: teacher −∞ contributes 0; student −∞ under teacher mass is +∞; a fully masked row is 0', () => {
    const r = distillationLoss([1, 2, 3], [0, 1, -Infinity]);
    const want = ref([1, 2], [0, 1], 1).toNumber(); // not equal: the student still spreads over 3 classes
    expect(Number.isFinite(r.loss as number) && (r.loss as number) > want).toBe(true);
    expect(distillationLoss([-Infinity, 1], [0, 1]).loss).toBe(Infinity);
    const m = distillationLoss([-Infinity, -Infinity, 1, 2], [0, 1, 0, 1], {
      shape: [2, 2],
      reduction: 'none',
    });
    expect((m.loss as Float64Array)[0]).toBe(0);
    expect(Array.from(m.grad.subarray(0, 2))).toEqual([0, 0]);
    const nan = distillationLoss([Number.NaN, 1, 1, 2], [0, 1, 0, 1], {
      shape: [2, 2],
      reduction: 'none',
    });
    expect((nan.loss as Float64Array)[0]).toBeNaN();
    expect(Number.isFinite((nan.loss as Float64Array)[1]!)).toBe(true);
  });

  it('Float32 student gives a Float32 gradient; inputs untouched', () => {
    const s32 = Float32Array.from(s);
    const copy = Float32Array.from(s32);
    const r = distillationLoss(s32, t, { shape: [3, 5] });
    expect(r.grad).toBeInstanceOf(Float32Array);
    expect(s32).toEqual(copy);
  });

  it('bad input', () => {
    expect(errorCode(() => distillationLoss(s, t.subarray(1), { shape: [3, 5] }))).toBe(
      'SHAPE_MISMATCH',
    );
    expect(errorCode(() => distillationLoss(s, t, { shape: [3, 5], temperature: 0 }))).toBe(
      'INVALID_PARAMETER',
    );
    expect(errorCode(() => distillationLoss(s, t, { shape: [3, 5], axis: 2 }))).toBe(
      'AXIS_OUT_OF_RANGE',
    );
  });
});
