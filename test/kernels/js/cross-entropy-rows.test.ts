import { describe, expect, it } from 'vitest';
import {
  crossEntropyRows,
  softCrossEntropyRows,
} from '../../../src/kernels/js/cross-entropy-rows.js';
import { randomArray } from '../../helpers/finite-difference.js';
import { D, type Dec } from '../../helpers/reference.js';

/** Row reference in 60 digits: loss = Σ q (lse − x), grad = s·(Σq·p − q). */
function refRow(
  x: ArrayLike<number>,
  q: number[],
  s: number,
): { loss: Dec; lse: Dec; grad: Dec[] } {
  const v = Array.from(x, (a) => new D(a));
  const m = D.max(...v);
  // e^(x − m) once per distinct value (the long rows repeat a few)
  const e = new Map<number, Dec>();
  Array.from(x).forEach((a, j) => {
    if (!e.has(a)) e.set(a, D.exp(v[j]!.minus(m)));
  });
  let sum = new D(0);
  for (const a of Array.from(x)) sum = sum.plus(e.get(a)!);
  const lse = m.plus(D.ln(sum));
  let loss = new D(0);
  let qs = new D(0);
  q.forEach((qj, j) => {
    if (qj !== 0) loss = loss.plus(lse.minus(v[j]!).times(qj));
    qs = qs.plus(qj);
  });
  const grad = Array.from(x, (a, j) => qs.times(e.get(a)!.div(sum)).minus(q[j]!).times(s));
  return { loss, lse, grad };
}

function check(
  x: Float64Array | Float32Array,
  n: number,
  t: number,
  eps: number,
  w: Float64Array | undefined,
) {
  const grad = x instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
  const loss = new Float64Array(1);
  const lse = new Float64Array(1);
  crossEntropyRows({
    x,
    targets: Int32Array.of(t),
    rows: 1,
    n,
    smoothing: eps,
    classWeight: w,
    scale: Float64Array.of(0.5),
    loss,
    lse,
    grad,
  });
  const q = Array.from(
    { length: n },
    (_, j) => (eps / n) * (w ? w[j]! : 1) + (j === t ? (1 - eps) * (w ? w[t]! : 1) : 0),
  );
  const ref = refRow(x, q, 0.5);
  expect(Math.abs(loss[0]! - ref.loss.toNumber())).toBeLessThanOrEqual(1e-14 * ref.loss.toNumber());
  expect(Math.abs(lse[0]! / ref.lse.toNumber() - 1)).toBeLessThan(1e-15);
  // Entries p·Σq − q cancel: the bound is 8 ulp of their natural scale s·Σq (Float32: 1 ulp of it).
  const scale = 0.5 * q.reduce((a, b) => a + b, 0);
  const tol = x instanceof Float32Array ? 2 ** -23 : 2 ** -50;
  for (let j = 0; j < n; j++)
    expect(Math.abs(grad[j]! - ref.grad[j]!.toNumber())).toBeLessThanOrEqual(tol * scale);
}

describe('crossEntropyRows: a long row', () => {
  it('2,001 logits (the scratch row grows past twice its size; the plain sum is ~50 ulp off): within the bound', () => {
    const x = [0];
    for (let i = 0; i < 1000; i++) x.push(-0.5, -3.7);
    for (const eps of [0, 0.1]) check(Float64Array.from(x), x.length, 1, eps, undefined);
    // probability targets over every class: the loss is a 2,001-term sum, compensated
    const n = x.length;
    const target = new Float64Array(n).fill(1 / n);
    const loss = new Float64Array(1);
    const args = { x: Float64Array.from(x), target, rows: 1, n, smoothing: 0 };
    const out = { loss, lse: new Float64Array(1), grad: new Float64Array(n) };
    softCrossEntropyRows({ ...args, classWeight: undefined, scale: Float64Array.of(1), ...out });
    const want = refRow(x, Array.from(target), 1).loss.toNumber();
    expect(Math.abs(loss[0]! / want - 1)).toBeLessThan(1e-15);
  });
});

describe('crossEntropyRows: against the 60-digit reference', () => {
  for (const n of [1, 3, 4, 5, 31, 97])
    it(`n = ${n}, inputs in [90, 100] (naive e^x overflows Float32), Float64 and Float32`, () => {
      const x = randomArray(n, n + 1, 90, 100);
      const w = randomArray(n, n + 2, 0.5, 2);
      for (const [eps, ww] of [
        [0, undefined],
        [0.1, undefined],
        [0.2, w],
      ] as const) {
        check(x, n, n - 1, eps, ww);
        check(Float32Array.from(x), n, 0, eps, ww);
      }
    });
});

describe('crossEntropyRows: special rows', () => {
  const run = (x: number[], t: number, eps = 0) => {
    const n = x.length;
    const grad = new Float64Array(n);
    const loss = new Float64Array(1);
    const lse = new Float64Array(1);
    crossEntropyRows({
      x: Float64Array.from(x),
      targets: Int32Array.of(t),
      rows: 1,
      n,
      smoothing: eps,
      classWeight: undefined,
      scale: Float64Array.of(1),
      loss,
      lse,
      grad,
    });
    return { loss: loss[0]!, lse: lse[0]!, grad: Array.from(grad) };
  };
  it('ignored row (negative target): loss 0, grad 0, lse still computed', () => {
    const r = run([1, 2], -1);
    expect(r.loss).toBe(0);
    expect(r.grad).toEqual([0, 0]);
    expect(r.lse).toBeCloseTo(2 + Math.log1p(Math.exp(-1)), 15);
  });
  it('±0 logits: log 2 and ±1/2', () => {
    const r = run([0, -0], 1);
    expect(r.loss).toBe(Math.LN2);
    expect(r.grad).toEqual([0.5, -0.5]);
  });
  it('fully masked row: loss 0, grad 0, lse −∞ (also with smoothing)', () => {
    const r = run([-Infinity, -Infinity], 0, 0.1);
    expect(r).toEqual({ loss: 0, lse: -Infinity, grad: [0, 0] });
  });
  it('masked target: +∞ loss, finite gradient', () => {
    const r = run([-Infinity, 0], 0);
    expect(r.loss).toBe(Infinity);
    expect(r.grad).toEqual([-1, 1]);
  });
  it('+∞ entries share probability; NaN makes the row NaN', () => {
    const r = run([Infinity, 3, Infinity], 2);
    expect(r.loss).toBeCloseTo(Math.LN2, 15);
    expect(r.lse).toBe(Infinity);
    expect(r.grad).toEqual([0.5, 0, -0.5]);
    const s = run([1, Number.NaN, 2], 0);
    expect(s.loss).toBeNaN();
    expect(s.lse).toBeNaN();
    expect(s.grad.every(Number.isNaN)).toBe(true);
    expect(run([-Infinity, Number.NaN], 0).loss).toBeNaN();
  });
});

describe('softCrossEntropyRows', () => {
  it('probability targets with smoothing and weights, rows of several lengths', () => {
    for (const n of [1, 2, 7, 33]) {
      const x = randomArray(n, 3 * n, -5, 5);
      const tgt = randomArray(n, 5 * n, 0, 1);
      const w = randomArray(n, 7 * n, 0.5, 2);
      const grad = new Float64Array(n);
      const loss = new Float64Array(1);
      const lse = new Float64Array(1);
      softCrossEntropyRows({
        x,
        target: tgt,
        rows: 1,
        n,
        smoothing: 0.1,
        classWeight: w,
        scale: Float64Array.of(2),
        loss,
        lse,
        grad,
      });
      const q = Array.from(tgt, (tj, j) => w[j]! * (0.9 * tj + 0.1 / n));
      const ref = refRow(x, q, 2);
      expect(Math.abs(loss[0]! - ref.loss.toNumber())).toBeLessThanOrEqual(
        1e-14 * ref.loss.toNumber(),
      );
      const scale = 2 * q.reduce((a, b) => a + b, 0);
      for (let j = 0; j < n; j++)
        expect(Math.abs(grad[j]! - ref.grad[j]!.toNumber())).toBeLessThanOrEqual(2 ** -51 * scale);
    }
  });

  it("a confident one-hot row keeps its max entry's p − 1 to full relative accuracy", () => {
    // margin 40: p − 1 ≈ −1e−15, which f·e − q would get 8% wrong (as class targets did)
    const n = 50;
    for (const type of [Float64Array, Float32Array]) {
      const x = type.from(randomArray(n, 11, -2, 2));
      x[3] = 40;
      const tgt = new type(n);
      tgt[3] = 1;
      const grad = new type(n);
      const [loss, lse] = [new Float64Array(1), new Float64Array(1)];
      const scale = Float64Array.of(1);
      softCrossEntropyRows({
        x,
        target: tgt,
        rows: 1,
        n,
        smoothing: 0,
        classWeight: undefined,
        scale,
        loss,
        lse,
        grad,
      });
      const want = refRow(x, Array.from(tgt), 1).grad[3]!;
      const rel = new D(grad[3]!).minus(want).abs().div(want.abs()).toNumber();
      expect(rel, type.name).toBeLessThan(type === Float32Array ? 2 ** -23 : 1e-15);
    }
  });
});

describe('several rows in one call: each row its own target, scale and offset', () => {
  const inf = Number.POSITIVE_INFINITY;
  const n = 4;
  const rows = [
    [0.5, -1, 2, 0.25],
    [3, 3.5, -2, 1], // ignored (target −1)
    [1, Number.NaN, 0, 2],
    [-inf, -inf, -inf, -inf],
    [inf, 0, 1, inf],
    [-0.75, 4, 1.5, 0],
  ];
  const targets = [2, -1, 0, 1, 0, 3];
  const scale = Float64Array.of(0.5, 2, 1, 1, 1, 1.5);
  const w = Float64Array.of(1, 0.5, 2, 1.5);
  it('class targets with smoothing and weights: finite rows match their 60-digit reference', () => {
    const eps = 0.2;
    const grad = new Float64Array(rows.length * n).fill(42);
    const loss = new Float64Array(rows.length).fill(42);
    const lse = new Float64Array(rows.length);
    crossEntropyRows({
      x: new Float64Array(rows.flat()),
      targets: Int32Array.from(targets),
      rows: rows.length,
      n,
      smoothing: eps,
      classWeight: w,
      scale,
      loss,
      lse,
      grad,
    });
    for (const r of [0, 5]) {
      const t = targets[r]!;
      const q = Array.from(
        { length: n },
        (_, j) => (eps / n) * w[j]! + (j === t ? (1 - eps) * w[t]! : 0),
      );
      const ref = refRow(rows[r]!, q, scale[r]!);
      expect(Math.abs(loss[r]! - ref.loss.toNumber())).toBeLessThanOrEqual(
        1e-14 * ref.loss.toNumber(),
      );
      expect(Math.abs(lse[r]! - ref.lse.toNumber())).toBeLessThanOrEqual(
        1e-15 * Math.abs(ref.lse.toNumber()),
      );
      for (let j = 0; j < n; j++)
        expect(
          Math.abs(grad[r * n + j]! - ref.grad[j]!.toNumber()),
          `row ${r} j ${j}`,
        ).toBeLessThanOrEqual(1e-15);
    }
    // the ignored row: loss 0, grad 0, its lse still computed
    expect(loss[1]).toBe(0);
    expect(Array.from(grad.subarray(n, 2 * n))).toEqual([0, 0, 0, 0]);
    expect(lse[1]).toBeCloseTo(refRow(rows[1]!, [0, 0, 0, 0], 1).lse.toNumber(), 14);
    // NaN row: NaN loss and grad; masked row: 0 and 0; +∞ row: finite limits, no NaN
    expect(loss[2]).toBeNaN();
    expect(Array.from(grad.subarray(2 * n, 3 * n)).every(Number.isNaN)).toBe(true);
    expect(loss[3]).toBe(0);
    expect(Array.from(grad.subarray(3 * n, 4 * n))).toEqual([0, 0, 0, 0]);
    expect(Array.from(grad.subarray(4 * n, 5 * n)).some(Number.isNaN)).toBe(false);
    // without a gradient buffer: the same losses, nothing written
    const loss2 = new Float64Array(rows.length);
    crossEntropyRows({
      x: new Float64Array(rows.flat()),
      targets: Int32Array.from(targets),
      rows: rows.length,
      n,
      smoothing: eps,
      classWeight: w,
      scale,
      loss: loss2,
      lse: new Float64Array(rows.length),
      grad: undefined,
    });
    expect(Array.from(loss2)).toEqual(Array.from(loss));
  });
  it('probability targets on special rows: NaN, masked and +∞ rows, with and without a gradient', () => {
    const special = [rows[2]!, rows[3]!, rows[4]!];
    const target = new Float64Array(3 * n).fill(0.25);
    const run = (grad: Float64Array | undefined) => {
      const loss = new Float64Array(3);
      softCrossEntropyRows({
        x: new Float64Array(special.flat()),
        target,
        rows: 3,
        n,
        smoothing: 0,
        classWeight: undefined,
        scale: Float64Array.of(1, 1, 1),
        loss,
        lse: new Float64Array(3),
        grad,
      });
      return Array.from(loss);
    };
    const grad = new Float64Array(3 * n).fill(42);
    const loss = run(grad);
    expect(loss[0]).toBeNaN();
    expect(loss[1]).toBe(0);
    expect(loss[2]).toBe(Number.POSITIVE_INFINITY); // targets on finite entries of a +∞ row
    expect(Array.from(grad.subarray(n, 2 * n))).toEqual([0, 0, 0, 0]);
    expect(run(undefined)).toEqual(loss);
  });
  it('probability targets: every finite row matches its reference, at its own offset', () => {
    const eps = 0.1;
    const target = [
      [0.25, 0, 0.75, 0],
      [0, 0, 0, 1],
      [1, 0, 0, 0],
    ];
    const x = [rows[0]!, rows[5]!, [40, 0, -1, 2]]; // the last: a confident one-hot row
    const grad = new Float64Array(3 * n);
    const loss = new Float64Array(3);
    const lse = new Float64Array(3);
    const s = Float64Array.of(0.5, 1.5, 1);
    softCrossEntropyRows({
      x: new Float64Array(x.flat()),
      target: new Float64Array(target.flat()),
      rows: 3,
      n,
      smoothing: eps,
      classWeight: w,
      scale: s,
      loss,
      lse,
      grad,
    });
    for (let r = 0; r < 3; r++) {
      const q = target[r]!.map((tj, j) => w[j]! * ((1 - eps) * tj + eps / n));
      const ref = refRow(x[r]!, q, s[r]!);
      expect(Math.abs(loss[r]! - ref.loss.toNumber())).toBeLessThanOrEqual(
        1e-14 * ref.loss.toNumber(),
      );
      for (let j = 0; j < n; j++)
        expect(
          Math.abs(grad[r * n + j]! - ref.grad[j]!.toNumber()),
          `row ${r} j ${j}`,
        ).toBeLessThanOrEqual(1e-15);
    }
  });
});

describe('rows that need each branch', () => {
  const ce = (x: number[], targets: number[], n: number, eps = 0, w?: number[]) => {
    const rows = targets.length;
    const out = {
      loss: new Float64Array(rows),
      lse: new Float64Array(rows),
      grad: new Float64Array(rows * n),
    };
    crossEntropyRows({
      x: Float64Array.from(x),
      targets: Int32Array.from(targets),
      rows,
      n,
      smoothing: eps,
      classWeight: w && Float64Array.from(w),
      scale: new Float64Array(rows).fill(1),
      ...out,
    });
    return out;
  };
  const soft = (x: number[], target: number[], n: number) => {
    const rows = x.length / n;
    const out = {
      loss: new Float64Array(rows),
      lse: new Float64Array(rows),
      grad: new Float64Array(x.length),
    };
    softCrossEntropyRows({
      x: Float64Array.from(x),
      target: Float64Array.from(target),
      rows,
      n,
      smoothing: 0,
      classWeight: undefined,
      scale: new Float64Array(rows).fill(1),
      ...out,
    });
    return out;
  };

  it('a NaN row after a finite one: NaN loss, lse and gradient (nothing kept from the row before)', () => {
    const r = ce([1, 2, Number.NaN, -Infinity], [0, 0], 2);
    expect(r.lse[1]).toBeNaN();
    expect(r.loss[1]).toBeNaN();
    expect(Array.from(r.grad.subarray(2)).every(Number.isNaN)).toBe(true);
  });

  it('a +∞ row counts only its own +∞ entries', () => {
    const r = ce([1, Infinity, Infinity, 2], [1, 0], 2);
    expect(Array.from(r.loss)).toEqual([0, 0]);
    expect(Array.from(r.grad)).toEqual([0, 0, 0, 0]);
  });

  it('a zero weight on a masked class adds nothing (0·∞ is not taken)', () => {
    // the target's own weight 0 and its logit −∞
    const a = ce([-Infinity, 0], [0], 2, 0, [0, 1]);
    expect(a.loss[0]).toBe(0);
    expect(Array.from(a.grad)).toEqual([0, 0]);
    // smoothing spreads mass on every class but the zero-weight masked one
    const b = ce([-Infinity, 0, 1], [2], 3, 0.3, [0, 1, 1]);
    const q = [0, 0.1, 0.8];
    expect(b.loss[0]! / refRow([-Infinity, 0, 1], q, 1).loss.toNumber() - 1).toBeLessThan(1e-15);
    // probability targets: q = 0 on the masked class
    const c = soft([-Infinity, 0, 1], [0, 0.5, 0.5], 3);
    expect(
      c.loss[0]! / refRow([-Infinity, 0, 1], [0, 0.5, 0.5], 1).loss.toNumber() - 1,
    ).toBeLessThan(1e-15);
  });

  it('probability targets read only their own row of the scratch (a longer row left a 1 past it)', () => {
    soft([0, 0, 40, 0], [0, 0, 1, 0], 4); // e = 1 at index 2 of the scratch row
    const r = soft([40, 0], [1, 0], 2);
    const want = refRow([40, 0], [1, 0], 1).grad[0]!;
    expect(new D(r.grad[0]!).minus(want).abs().div(want.abs()).toNumber()).toBeLessThan(1e-15);
  });

  it('probability targets: a tie at the max, after another row, and a confident max at index 0', () => {
    const x = [0.5, -1, 2, 3, 3, 1, 40, 0.5, -1];
    const t = [0.2, 0.3, 0.5, 0.1, 0.6, 0.3, 1, 0, 0];
    const r = soft(x, t, 3);
    for (let k = 0; k < 3; k++) {
      const want = refRow(x.slice(3 * k, 3 * k + 3), t.slice(3 * k, 3 * k + 3), 1).grad;
      for (let j = 0; j < 3; j++) {
        const g = r.grad[3 * k + j]!;
        expect(Math.abs(g - want[j]!.toNumber()), `${k} ${j}`).toBeLessThanOrEqual(2 ** -50);
        if (k === 2 && j === 0)
          expect(new D(g).minus(want[0]!).abs().div(want[0]!.abs()).toNumber()).toBeLessThan(1e-15);
      }
    }
  });
});
