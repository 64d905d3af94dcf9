import { describe, expect, it } from 'vitest';
import { calibrationError } from '../../src/calibration/calibration-error.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { randomArray } from '../helpers/finite-difference.js';

/** Random probability rows [rows, k] and labels drawn from a sharpened copy (miscalibrated). */
function data(rows: number, k: number, seed: number) {
  const raw = randomArray(rows * k, seed, -3, 3);
  const p = new Float64Array(rows * k);
  const labels: number[] = [];
  const u = randomArray(rows, seed + 1, 0, 1);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < k; c++) s += p[r * k + c] = Math.exp(raw[r * k + c]!);
    let acc = 0;
    let label = k - 1;
    for (let c = 0; c < k; c++) {
      p[r * k + c]! /= s;
      acc += p[r * k + c]!;
      if (label === k - 1 && u[r]! < acc) label = c;
    }
    labels.push(r % 3 === 0 ? (label + 1) % k : label); // a third of the rows mislabelled
  }
  return { p, labels };
}

/** Top-label ECE the plain way: loop over uniform bins and filter the rows in each. */
function plainEce(p: Float64Array, labels: number[], k: number, B: number) {
  const rows = labels.length;
  const conf: number[] = [];
  const ok: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = Array.from(p.subarray(r * k, r * k + k));
    const m = Math.max(...row);
    conf.push(m);
    ok.push(row.indexOf(m) === labels[r] ? 1 : 0);
  }
  let ece = 0;
  let mce = 0;
  for (let b = 0; b < B; b++) {
    const idx = conf
      .map((c, i) => ((c > b / B && c <= (b + 1) / B) || (b === 0 && c === 0) ? i : -1))
      .filter((i) => i >= 0);
    if (!idx.length) continue;
    const acc = idx.reduce((s, i) => s + ok[i]!, 0) / idx.length;
    const cf = idx.reduce((s, i) => s + conf[i]!, 0) / idx.length;
    ece += (idx.length / rows) * Math.abs(acc - cf);
    mce = Math.max(mce, Math.abs(acc - cf));
  }
  return { ece, mce };
}

describe('calibrationError', () => {
  const { p, labels } = data(500, 4, 7);
  it('top-label ECE and MCE equal the plain per-bin loop', () => {
    for (const B of [1, 10, 15]) {
      const r = calibrationError(p, labels, { shape: [500, 4], bins: B });
      const ref = plainEce(p, labels, 4, B);
      expect(r.ece).toBeCloseTo(ref.ece, 14);
      expect(r.mce).toBeCloseTo(ref.mce, 14);
      expect(r.bins.length).toBe(B);
      expect(r.bins.reduce((s, b) => s + b.count, 0)).toBe(500);
    }
    expect(calibrationError(p, labels, { shape: [500, 4], norm: 'max' }).ece).toBe(
      calibrationError(p, labels, { shape: [500, 4] }).mce,
    );
  });
  it('the doc example by hand; confidences exactly 0 and 1 land in the edge bins', () => {
    const r = calibrationError([0.9, 0.1, 0.8, 0.2, 0.3, 0.7, 0.6, 0.4], [0, 1, 1, 0], {
      shape: [4, 2],
      bins: 5,
    });
    expect(r.ece).toBeCloseTo(0.25, 15);
    const e = calibrationError([1, 0, 0, 1, 0, 1], [0, 0, 1], { shape: [3, 2], bins: 4 });
    expect(e.bins.map((b) => b.count)).toEqual([0, 0, 0, 3]);
    const c = calibrationError([0, 0, 1, 0], [0, 1], { shape: [2, 2], bins: 4, classwise: true });
    expect(c.bins.filter((b) => b.class === 0).map((b) => b.count)).toEqual([1, 0, 0, 1]);
  });
  it('classwise is the mean of the one-vs-rest errors (Kull et al.)', () => {
    const r = calibrationError(p, labels, { shape: [500, 4], classwise: true, bins: 10 });
    let mean = 0;
    for (let c = 0; c < 4; c++) {
      // class c as a 2-column problem: [p_c, 1 − p_c] with label 0 iff label = c, per-bin plain loop on p_c
      let ece = 0;
      for (let b = 0; b < 10; b++) {
        const idx = labels
          .map((_, i) => i)
          .filter((i) => {
            const v = p[i * 4 + c]!;
            return (v > b / 10 && v <= (b + 1) / 10) || (b === 0 && v === 0);
          });
        if (!idx.length) continue;
        const acc = idx.filter((i) => labels[i] === c).length / idx.length;
        const cf = idx.reduce((s, i) => s + p[i * 4 + c]!, 0) / idx.length;
        ece += (idx.length / 500) * Math.abs(acc - cf);
      }
      mean += ece / 4;
    }
    expect(r.ece).toBeCloseTo(mean, 14);
    expect(r.bins.length).toBe(40);
  });
  it('quantile bins hold equal counts; l2 ≥ l1; debiased ≤ plug-in', () => {
    const q = calibrationError(p, labels, { shape: [500, 4], binning: 'quantile', bins: 10 });
    expect(q.bins.map((b) => b.count)).toEqual(new Array(10).fill(50));
    const l1 = calibrationError(p, labels, { shape: [500, 4], norm: 'l1' }).ece;
    const l2 = calibrationError(p, labels, { shape: [500, 4], norm: 'l2' }).ece;
    const deb = calibrationError(p, labels, { shape: [500, 4], norm: 'l2', debiased: true }).ece;
    expect(l2).toBeGreaterThanOrEqual(l1);
    expect(deb).toBeLessThan(l2);
    expect(deb).toBeGreaterThan(0);
  });
  it('debiasing removes the finite-sample bias on perfectly calibrated data', () => {
    // labels drawn from the stated confidence itself: the true calibration error is 0
    let plug = 0;
    let deb = 0;
    for (let t = 0; t < 20; t++) {
      const n = 400;
      const conf = randomArray(n, 100 + t, 0.5, 1);
      const u = randomArray(n, 200 + t, 0, 1);
      const probs = new Float64Array(2 * n);
      const lab: number[] = [];
      for (let i = 0; i < n; i++) {
        probs[2 * i] = conf[i]!;
        probs[2 * i + 1] = 1 - conf[i]!;
        lab.push(u[i]! < conf[i]! ? 0 : 1);
      }
      const o = { shape: [n, 2], norm: 'l2' as const, bins: 10 };
      plug += calibrationError(probs, lab, o).ece ** 2 / 20;
      deb += calibrationError(probs, lab, { ...o, debiased: true }).ece ** 2 / 20;
    }
    expect(deb).toBeLessThan(plug / 3);
  });
  it('bootstrap: reproducible from its seed, an interval around the estimate', () => {
    const o = { shape: [500, 4], bootstrap: { samples: 200, seed: 3 } };
    const a = calibrationError(p, labels, o);
    const b = calibrationError(p, labels, o);
    expect(a.interval).toEqual(b.interval);
    expect(a.interval!.lower).toBeLessThan(a.ece);
    expect(a.interval!.upper).toBeGreaterThan(a.ece);
    expect(a.interval!.level).toBe(0.95);
    const q = calibrationError(p, labels, { ...o, binning: 'quantile', bootstrap: true });
    expect(q.interval!.samples).toBe(1000);
  });
  it('ignored rows are left out; the axis may be any', () => {
    const withIgnored = calibrationError([...p, 0.9, 0.05, 0.05, 0], [...labels, -100], {
      shape: [501, 4],
    });
    expect(withIgnored.ece).toBe(calibrationError(p, labels, { shape: [500, 4] }).ece);
    const t = new Float64Array(2000);
    for (let r = 0; r < 500; r++) for (let c = 0; c < 4; c++) t[c * 500 + r] = p[r * 4 + c]!;
    expect(calibrationError(t, labels, { shape: [4, 500], axis: 0 }).ece).toBe(
      calibrationError(p, labels, { shape: [500, 4] }).ece,
    );
  });
  it('bad input throws SoftmaxKitError naming calibrationError', () => {
    expect(() => calibrationError([0.5, 0.5], [0], { bins: 0 })).toThrow(
      /calibrationError: expected bins >= 1/,
    );
    // a huge count is checked before allocating (it was a RangeError from the bins table)
    expect(() => calibrationError([0.5, 0.5], [0], { bins: 4475537350703489 })).toThrow(
      /calibrationError: expected bins <= 1048576/,
    );
    expect(() =>
      calibrationError([0.5, 0.5], [0], { bootstrap: { samples: 1e12, seed: 1 } }),
    ).toThrow(/samples <= 1048576/);
    expect(() => calibrationError([0.5, 0.5], [0], { debiased: true })).toThrow(/norm 'l2'/);
    expect(() => calibrationError([0.5, 0.5], [0], { bootstrap: { sample: 3 } as never })).toThrow(
      /did you mean 'samples'/,
    );
    expect(() => calibrationError([0.5, 0.5], [0], { bootstrap: null as never })).toThrow(
      /bootstrap to be an object/,
    );
    expect(() => calibrationError([0.5, Number.NaN], [0])).toThrow(/probabilities in \[0, 1\]/);
    expect(() => calibrationError([0.5, 0.5], [0, 1])).toThrow(SoftmaxKitError);
  });
});
