import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy } from '../../src/losses/cross-entropy.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import {
  D,
  type Dec,
  refLogSoftmax,
  refLogSumExpGrouped,
  refSoftmax,
  ulpError,
} from '../helpers/reference.js';

interface RefOptions {
  weight?: number[];
  eps?: number;
  ignoreIndex?: number;
  reduction?: 'mean' | 'sum' | 'none';
  zLoss?: number;
  softcap?: number;
}

/**
 * PyTorch's cross_entropy written from its definition (log_softmax, nll, smoothing
 * term, weighted mean) in 60-digit arithmetic, last-axis rows, plus the z-loss
 * (mean over non-ignored rows) and softcap. Returns the loss (per row for
 * 'none') and the gradient of the (summed) loss, both in Decimal.
 */
function refCrossEntropy(
  x: ArrayLike<number>,
  targets: readonly number[] | Float64Array,
  C: number,
  o: RefOptions,
): { loss: Dec[]; grad: Dec[] } {
  const rows = x.length / C;
  const eps = new D(o.eps ?? 0);
  const w = (j: number) => new D(o.weight ? o.weight[j]! : 1);
  const soft = targets instanceof Float64Array;
  const ce: Dec[] = [];
  const zl: Dec[] = [];
  const ceGrad: Dec[] = [];
  const zGrad: Dec[] = [];
  let denom = new D(0);
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const raw = Array.from(x).slice(r * C, (r + 1) * C);
    const cap = o.softcap;
    const z = raw.map((v) => (cap ? new D(cap).times(D.tanh(new D(v).div(cap))) : new D(v)));
    const slope = raw.map((v) => (cap ? softcapSlope(v, cap) : new D(1)));
    const m = D.max(...z);
    let sum = new D(0);
    for (const v of z) sum = sum.plus(D.exp(v.minus(m)));
    const lse = m.plus(D.ln(sum));
    const p = z.map((v) => D.exp(v.minus(lse)));
    const q: Dec[] = [];
    if (soft) {
      for (let j = 0; j < C; j++)
        q.push(
          w(j).times(
            new D(1)
              .minus(eps)
              .times(targets[r * C + j]!)
              .plus(eps.div(C)),
          ),
        );
      denom = denom.plus(1);
    } else {
      const t = targets[r]!;
      if (t === (o.ignoreIndex ?? -100)) {
        ce.push(new D(0));
        zl.push(new D(0));
        for (let j = 0; j < C; j++) {
          ceGrad.push(new D(0));
          zGrad.push(new D(0));
        }
        continue;
      }
      for (let j = 0; j < C; j++)
        q.push(
          w(j)
            .times(eps.div(C))
            .plus(j === t ? new D(1).minus(eps).times(w(t)) : 0),
        );
      denom = denom.plus(w(t));
    }
    count++;
    // ℓ = −Σ q_j log p_j (PyTorch: (1−ε)·nll + ε/C·smooth).
    let l = new D(0);
    let qs = new D(0);
    for (let j = 0; j < C; j++) {
      if (!q[j]!.isZero()) l = l.minus(q[j]!.times(z[j]!.minus(lse)));
      qs = qs.plus(q[j]!);
    }
    const zc = new D(o.zLoss ?? 0);
    ce.push(l);
    zl.push(zc.times(lse).times(lse));
    for (let j = 0; j < C; j++) {
      ceGrad.push(qs.times(p[j]!).minus(q[j]!).times(slope[j]!));
      zGrad.push(zc.times(2).times(lse).times(p[j]!).times(slope[j]!));
    }
  }
  const red = o.reduction ?? 'mean';
  const add = (a: Dec[], b: Dec[]) => a.map((v, i) => v.plus(b[i]!));
  if (red === 'none') return { loss: add(ce, zl), grad: add(ceGrad, zGrad) };
  const total = (a: Dec[]) => a.reduce((s, v) => s.plus(v), new D(0));
  if (red === 'sum') return { loss: [total(ce).plus(total(zl))], grad: add(ceGrad, zGrad) };
  // mean: CE over the weight sum (rows for probability targets), z-loss over the count.
  const zDiv = count ? new D(count) : new D(1);
  return {
    loss: [total(ce).div(denom).plus(total(zl).div(zDiv))],
    grad: ceGrad.map((g, i) => g.div(denom).plus(zGrad[i]!.div(zDiv))),
  };
}

function softcapSlope(x: number, c: number): Dec {
  const t = D.tanh(new D(x).div(c));
  return new D(1).minus(t.times(t));
}

function maxRel(computed: ArrayLike<number>, exact: readonly Dec[]): number {
  let scale = new D(0);
  for (const e of exact) scale = D.max(scale, e.abs());
  let worst = 0;
  for (let i = 0; i < exact.length; i++) {
    const err = new D(computed[i]!).minus(exact[i]!).abs();
    const denom = D.max(exact[i]!.abs(), scale.times(1e-3));
    worst = Math.max(worst, denom.isZero() ? err.toNumber() : err.div(denom).toNumber());
  }
  return worst;
}

/** Gradients: max |error| / max |reference| (entries p·Σq − q may cancel; the bound is normwise). */
function normRel(computed: ArrayLike<number>, exact: readonly Dec[]): number {
  let scale = new D(0);
  for (const e of exact) scale = D.max(scale, e.abs());
  let worst = new D(0);
  for (let i = 0; i < exact.length; i++)
    worst = D.max(worst, new D(computed[i]!).minus(exact[i]!).abs());
  return scale.isZero() ? worst.toNumber() : worst.div(scale).toNumber();
}

function lossArray(loss: number | Float32Array | Float64Array): number[] {
  return typeof loss === 'number' ? [loss] : Array.from(loss);
}

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof SoftmaxKitError ? e.code : String(e);
  }
  return 'no error';
};

describe('crossEntropy: closed forms', () => {
  it('uniform logits: log C and p − onehot', () => {
    const { loss, grad } = crossEntropy([0, 0, 0, 0], [2]);
    expect(loss).toBeCloseTo(Math.log(4), 15);
    expect(Array.from(grad)).toEqual([0.25, 0.25, -0.75, 0.25]);
  });

  it('two classes: softplus(x_other − x_t), no cancellation when p_t → 1', () => {
    const { loss } = crossEntropy([100, 0], [0]);
    // log(1 + e^-100) = e^-100 to double precision
    expect((loss as number) / Math.exp(-100)).toBeCloseTo(1, 14);
  });

  it('weighted mean divides by the weight of the targets (PyTorch)', () => {
    const x = [1, 2, 3, 1, 0, -1];
    const w = [0.2, 1, 3];
    const { loss } = crossEntropy(x, [2, 0], { shape: [2, 3], weight: w });
    const l0 = 3 * (Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3);
    const l1 = 0.2 * (Math.log(Math.exp(1) + 1 + Math.exp(-1)) - 1);
    expect(loss).toBeCloseTo((l0 + l1) / 3.2, 13);
  });

  it('zLoss adds coef · mean lse² over non-ignored rows', () => {
    const x = [1, 2, 3, 0, 0, 0];
    const base = crossEntropy(x, [0, -100], { shape: [2, 3] }).loss as number;
    const { loss, lse } = crossEntropy(x, [0, -100], {
      shape: [2, 3],
      zLoss: 0.1,
      returnLse: true,
    });
    const L = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    expect(lse![0]).toBeCloseTo(L, 14);
    expect(loss).toBeCloseTo(base + 0.1 * L * L, 14);
  });
});

describe('crossEntropy: PyTorch semantics on every option combination (60-digit reference)', () => {
  const C = 5;
  const rows = 4;
  it('class targets: weight × smoothing × ignoreIndex × reduction × zLoss × softcap', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.constantFrom(0, 0.1, 1),
        fc.boolean(),
        fc.constantFrom('mean' as const, 'sum' as const, 'none' as const),
        fc.constantFrom(0, 1e-2),
        fc.constantFrom(0, 2.5),
        fc.integer({ min: 1, max: 1000 }),
        (weighted, eps, ignore, reduction, zLoss, softcap, seed) => {
          const x = randomArray(rows * C, seed, -4, 4);
          const t = [0, 3, 4, 1];
          if (ignore) t[2] = 7;
          const weight = weighted ? Array.from(randomArray(C, seed + 1, 0.1, 2)) : undefined;
          const o = { weight, eps, ignoreIndex: ignore ? 7 : -100, reduction, zLoss, softcap };
          const ref = refCrossEntropy(x, t, C, o);
          const got = crossEntropy(x, t, {
            shape: [rows, C],
            weight,
            labelSmoothing: eps,
            ignoreIndex: o.ignoreIndex,
            reduction,
            zLoss,
            softcap: softcap || undefined,
          });
          expect(maxRel(lossArray(got.loss), ref.loss)).toBeLessThan(1e-14);
          expect(normRel(got.grad, ref.grad)).toBeLessThan(1e-14);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('probability targets: weight × smoothing × reduction', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.constantFrom(0, 0.2),
        fc.constantFrom('mean' as const, 'sum' as const, 'none' as const),
        fc.integer({ min: 1, max: 1000 }),
        (weighted, eps, reduction, seed) => {
          const x = randomArray(rows * C, seed, -4, 4);
          const raw = randomArray(rows * C, seed + 7, 0, 1);
          const probs = new Float64Array(rows * C);
          for (let r = 0; r < rows; r++) {
            let s = 0;
            for (let j = 0; j < C; j++) s += raw[r * C + j]!;
            for (let j = 0; j < C; j++) probs[r * C + j] = raw[r * C + j]! / s;
          }
          probs[3] = 0; // a zero target probability: 0·log p = 0
          const weight = weighted ? Array.from(randomArray(C, seed + 1, 0.1, 2)) : undefined;
          const ref = refCrossEntropy(x, probs, C, { weight, eps, reduction });
          const got = crossEntropy(x, probs, {
            shape: [rows, C],
            weight,
            labelSmoothing: eps,
            reduction,
          });
          expect(maxRel(lossArray(got.loss), ref.loss)).toBeLessThan(1e-14);
          expect(normRel(got.grad, ref.grad)).toBeLessThan(1e-14);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('one-hot probability targets equal class targets', () => {
    const x = randomArray(12, 3);
    const t = [2, 0, 3];
    const oh = new Float64Array(12);
    t.forEach((c, r) => {
      oh[r * 4 + c] = 1;
    });
    const a = crossEntropy(x, t, { shape: [3, 4], labelSmoothing: 0.1 });
    const b = crossEntropy(x, oh, { shape: [3, 4], labelSmoothing: 0.1 });
    expect(b.loss).toBeCloseTo(a.loss as number, 14);
    expect(gradError(b.grad, a.grad)).toBeLessThan(1e-15);
  });
});

describe('crossEntropy: gradients vs central finite differences', () => {
  const shape = [2, 4, 3]; // [N, C, L], class axis 1 as in PyTorch's K-dim case
  const x = randomArray(24, 11, -3, 3);
  const t = [0, 3, -100, 2, 1, 3];
  const weight = [0.5, 1, 2, 0.25];
  for (const reduction of ['mean', 'sum', 'none'] as const)
    it(`weights + smoothing + ignoreIndex + zLoss + softcap, axis 1, ${reduction}`, () => {
      const opts = {
        shape,
        axis: 1,
        weight,
        labelSmoothing: 0.15,
        zLoss: 0.05,
        softcap: 2,
        reduction,
      };
      const total = (z: Float64Array) => lossArray(crossEntropy(z, t, opts).loss);
      const ones = new Array(reduction === 'none' ? 6 : 1).fill(1);
      const fd = fdVjp(total, x, ones);
      expect(gradError(crossEntropy(x, t, opts).grad, fd)).toBeLessThan(1e-8);
    });

  it('probability targets with weights and smoothing', () => {
    const probs = randomArray(24, 5, 0, 1);
    const opts = { shape, axis: 1, weight, labelSmoothing: 0.3 };
    const fd = fdVjp((z) => [crossEntropy(z, probs, opts).loss as number], x, [1]);
    expect(gradError(crossEntropy(x, probs, opts).grad, fd)).toBeLessThan(1e-8);
  });
});

describe('crossEntropy: any class axis', () => {
  it('axis 0, 1, −1 of a 3-D tensor equal the moved-axis computation', () => {
    const shape = [3, 4, 5];
    const x = randomArray(60, 21);
    for (const axis of [0, 1, 2, -1]) {
      const a = axis < 0 ? axis + 3 : axis;
      const C = shape[a]!;
      const others = shape.filter((_, i) => i !== a);
      const rows = others[0]! * others[1]!;
      const t = Array.from({ length: rows }, (_, i) => (i * 7) % C);
      const strides = [20, 5, 1];
      // Gather each row into a contiguous [rows, C] matrix in the reduced order.
      const moved = new Float64Array(60);
      let r = 0;
      for (let i = 0; i < others[0]!; i++)
        for (let k = 0; k < others[1]!; k++, r++)
          for (let c = 0; c < C; c++) {
            const idx = [0, 0, 0];
            const rest = [0, 1, 2].filter((d) => d !== a);
            idx[rest[0]!] = i;
            idx[rest[1]!] = k;
            idx[a] = c;
            moved[r * C + c] = x[idx[0]! * strides[0]! + idx[1]! * strides[1]! + idx[2]!]!;
          }
      const got = crossEntropy(x, t, { shape, axis, reduction: 'none' });
      const want = crossEntropy(moved, t, { shape: [rows, C], reduction: 'none' });
      expect(Array.from(got.loss as Float64Array)).toEqual(Array.from(want.loss as Float64Array));
    }
  });
});

describe('crossEntropy: stability', () => {
  const x = randomArray(12, 4);
  const t = [1, 0, 3];
  it('a +1e6 shift of all logits changes nothing', () => {
    const a = crossEntropy(x, t, { shape: [3, 4], labelSmoothing: 0.1 });
    const b = crossEntropy(
      x.map((v) => v + 1e6),
      t,
      { shape: [3, 4], labelSmoothing: 0.1 },
    );
    expect(Math.abs((b.loss as number) - (a.loss as number))).toBeLessThan(1e-9);
    expect(gradError(b.grad, a.grad)).toBeLessThan(1e-9);
  });

  it('a masked huge-index logit does not set the shift', () => {
    const row = [1, 2, 3, -Infinity];
    const { loss, grad } = crossEntropy(row, [0]);
    const L = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    expect(loss).toBeCloseTo(L - 1, 14);
    expect(grad[3]).toBe(0);
  });

  it('a masked target gives +∞; a fully masked row gives loss 0 and grad 0', () => {
    expect(crossEntropy([1, -Infinity], [1]).loss).toBe(Infinity);
    const r = crossEntropy([-Infinity, -Infinity, 1, 2], [0, 1], {
      shape: [2, 2],
      reduction: 'none',
    });
    expect(Array.from(r.loss as Float64Array)[0]).toBe(0);
    expect(Array.from(r.grad).slice(0, 2)).toEqual([0, 0]);
    expect(r.loss as Float64Array).toSatisfy((l: Float64Array) => Number.isFinite(l[1]!));
  });

  it('all-ignored batch: loss 0 and grad 0; NaN loss when asked', () => {
    const a = crossEntropy(x, [-100, -100, -100], { shape: [3, 4], zLoss: 1e-3 });
    expect(a.loss).toBe(0);
    expect(Array.from(a.grad).every((v) => v === 0)).toBe(true);
    const b = crossEntropy(x, [-100, -100, -100], { shape: [3, 4], allIgnored: 'nan' });
    expect(b.loss).toBeNaN();
    expect(crossEntropy(x, [5, 5, 5], { shape: [3, 4], ignoreIndex: 5 }).loss).toBe(0);
  });

  it('NaN stays in its row; +∞ takes the limit', () => {
    const r = crossEntropy([Number.NaN, 1, 1, 2], [0, 1], { shape: [2, 2], reduction: 'none' });
    const l = r.loss as Float64Array;
    expect(l[0]).toBeNaN();
    expect(l[1]).toBeCloseTo(Math.log1p(Math.exp(-1)), 14);
    expect(Number.isFinite(r.grad[2]!)).toBe(true);
    const inf = crossEntropy([Infinity, Infinity, 0], [0]);
    expect(inf.loss).toBeCloseTo(Math.log(2), 15);
    expect(Array.from(inf.grad)).toEqual([-0.5, 0.5, 0]);
    expect(crossEntropy([Infinity, 1, 0], [1]).loss).toBe(Infinity);
  });

  it('huge and tiny magnitudes', () => {
    const big = crossEntropy([1e300, -1e300, 0], [0]);
    expect(big.loss).toBe(0);
    const tiny = crossEntropy([1e-300, 0], [0]);
    expect(tiny.loss).toBeCloseTo(Math.log(2), 15);
  });
});

describe('crossEntropy: Float32, length-1 and long rows', () => {
  it('Float32 gradients within 4 ulp of the 60-digit reference', () => {
    const x32 = Float32Array.from(randomArray(40 * 7, 9, -20, 20));
    const t = Array.from({ length: 40 }, (_, i) => i % 7);
    const { grad, loss } = crossEntropy(x32, t, { shape: [40, 7], reduction: 'sum' });
    expect(grad).toBeInstanceOf(Float32Array);
    let worst = 0;
    let refLoss = new D(0);
    for (let r = 0; r < 40; r++) {
      const row = x32.subarray(r * 7, r * 7 + 7);
      const p = refSoftmax(row);
      refLoss = refLoss.minus(refLogSoftmax(row)[t[r]!]!);
      for (let j = 0; j < 7; j++) {
        const g = p[j]!.minus(j === t[r] ? 1 : 0);
        if (g.abs().gt(1e-30)) worst = Math.max(worst, ulpError(grad[r * 7 + j]!, g, true));
      }
    }
    expect(worst).toBeLessThanOrEqual(4);
    expect(Math.abs((loss as number) / refLoss.toNumber() - 1)).toBeLessThan(1e-14);
  });

  it('a length-1 class axis has loss 0', () => {
    const { loss, grad } = crossEntropy([3.5], [0]);
    expect(loss).toBe(0);
    expect(grad[0]).toBe(0);
  });

  it('a long row (10^5 classes) matches the reference', () => {
    const values = Array.from(randomArray(16, 17, -5, 5));
    const x = Float64Array.from({ length: 100_000 }, (_, i) => values[i % 16]!);
    const { loss } = crossEntropy(x, [12345]);
    const ref = refLogSumExpGrouped(values, Array(16).fill(100_000 / 16)).minus(x[12345]!);
    expect(Math.abs((loss as number) / ref.toNumber() - 1)).toBeLessThan(1e-14);
  });
});

describe('crossEntropy: extras', () => {
  it('returnLse and returnAccuracy (non-ignored rows only)', () => {
    const x = [3, 1, 0, 0, 2, 1, 5, 0, 0];
    const r = crossEntropy(x, [0, 0, -100], {
      shape: [3, 3],
      returnLse: true,
      returnAccuracy: true,
    });
    expect(r.accuracy).toBe(0.5);
    expect(r.lse).toHaveLength(3);
    expect(r.lse![1]).toBeCloseTo(Math.log(1 + Math.exp(2) + Math.exp(1)), 14);
    const plain = crossEntropy(x, [0, 0, 0], { shape: [3, 3] });
    expect('lse' in plain || 'accuracy' in plain).toBe(false);
    const none = crossEntropy(x, [-100, -100, -100], {
      shape: [3, 3],
      returnAccuracy: true,
      allIgnored: 'nan',
    });
    expect(none.accuracy).toBeNaN();
  });

  it('reduction none returns the reduced shape in the logits type', () => {
    const r = crossEntropy(new Float32Array(24), Array(6).fill(0), {
      shape: [2, 4, 3],
      axis: 1,
      reduction: 'none',
    });
    expect(r.loss).toBeInstanceOf(Float32Array);
    expect((r.loss as Float32Array).length).toBe(6);
  });

  it('does not mutate its inputs', () => {
    const x = randomArray(12, 2);
    const xc = Float64Array.from(x);
    const t = new Int32Array([1, 2, 0]);
    const w = [1, 2, 3, 4];
    crossEntropy(x, t, { shape: [3, 4], weight: w, softcap: 1, zLoss: 0.1 });
    expect(x).toEqual(xc);
    expect(Array.from(t)).toEqual([1, 2, 0]);
    expect(w).toEqual([1, 2, 3, 4]);
  });
});

describe('crossEntropy: bad input', () => {
  const x = [1, 2, 3, 4, 5, 6];
  const s = { shape: [2, 3] };
  it('throws SoftmaxKitError with the right code', () => {
    expect(code(() => crossEntropy(x, [0, 3], s))).toBe('TARGET_OUT_OF_RANGE');
    expect(code(() => crossEntropy(x, [0, -1], s))).toBe('TARGET_OUT_OF_RANGE');
    expect(code(() => crossEntropy(x, [0, 1.5], s))).toBe('TARGET_OUT_OF_RANGE');
    expect(code(() => crossEntropy(x, [0], s))).toBe('SHAPE_MISMATCH');
    expect(code(() => crossEntropy(x, new Float64Array(5), s))).toBe('SHAPE_MISMATCH');
    expect(code(() => crossEntropy(x, [0, 1], { ...s, weight: [1, 2] }))).toBe('SHAPE_MISMATCH');
    expect(code(() => crossEntropy(x, [0, 1], { ...s, weight: [1, 2, Number.NaN] }))).toBe(
      'NON_FINITE_PARAMETER',
    );
    expect(code(() => crossEntropy(x, [0, 1], { ...s, axis: 2 }))).toBe('AXIS_OUT_OF_RANGE');
    expect(code(() => crossEntropy([], [], { shape: [0] }))).toBe('EMPTY_AXIS');
    expect(code(() => crossEntropy(x, [0, 1], { shape: [4, 2] }))).toBe('SHAPE_MISMATCH');
    expect(code(() => crossEntropy(x, [0, 1], { ...s, labelSmoothing: 1.5 }))).toBe(
      'INVALID_PARAMETER',
    );
    expect(code(() => crossEntropy(x, [0, 1], { ...s, zLoss: Number.NaN }))).toBe(
      'NON_FINITE_PARAMETER',
    );
    expect(code(() => crossEntropy(x, [0, 1], { ...s, softcap: 0 }))).toBe('INVALID_PARAMETER');
    expect(code(() => crossEntropy(x, [0, 1], { ...s, ignoreIndex: 0.5 }))).toBe(
      'INVALID_PARAMETER',
    );
    // biome-ignore lint/suspicious/noExplicitAny: testing a bad option at runtime
    const bad = { ...s, reduction: 'avg' } as any;
    expect(code(() => crossEntropy(x, [0, 1], bad))).toBe('INVALID_PARAMETER');
    // biome-ignore lint/suspicious/noExplicitAny: testing a bad input at runtime
    expect(code(() => crossEntropy('x' as any, [0, 1], s))).toBe('INVALID_INPUT');
    // biome-ignore lint/suspicious/noExplicitAny: testing a bad input at runtime
    expect(code(() => crossEntropy(x, new Uint8Array(2) as any, s))).toBe('INVALID_INPUT');
    expect(code(() => crossEntropy(x, [0, 1], { ...s, backend: 'wasm' }))).toBe(
      'BACKEND_UNAVAILABLE',
    );
  });
});

// Last in the file: it loads the wasm backend, which 'auto' picks from then on.
describe('crossEntropy: gradOut and returnGrad (both backends)', () => {
  beforeAll(async () => {
    await (await import('../../src/kernels/wasm/index.js')).wasmReady;
  });

  /**
   * Logits of shape [3, 4, 5] (row 1 along the last axis fully masked, one +∞ entry),
   * each backend, class axis 1 or −1, each option mix (by C), class targets with one
   * ignored row, then probability targets: f(logits, targets, options).
   */
  function forEachVariant(
    extras: (C: number) => object[],
    f: (x: Float32Array, targets: number[] | Float32Array, o: object) => void,
  ): void {
    const shape = [3, 4, 5];
    const x = Float32Array.from(randomArray(60, 31, -3, 3));
    x.fill(-Infinity, 5, 10);
    x[12] = Infinity;
    const soft = Float32Array.from(randomArray(60, 32, 0, 1));
    for (const backend of ['js', 'wasm'] as const)
      for (const [axis, C] of [
        [1, 4],
        [-1, 5],
      ] as const)
        for (const extra of extras(C)) {
          const t = Array.from({ length: 60 / C }, (_, i) => (i === 2 ? -100 : (i * 3) % C));
          for (const targets of [t, soft]) f(x, targets, { shape, axis, backend, ...extra });
        }
  }

  it("reuses the caller's array on any class axis and backend, stale values overwritten", () =>
    forEachVariant(
      () => [{ labelSmoothing: 0.1 }, { zLoss: 1e-2, softcap: 2 }],
      (x, targets, o) => {
        const want = crossEntropy(x, targets, o);
        const g = new Float32Array(60).fill(Number.NaN); // ignored and masked rows too
        const got = crossEntropy(x, targets, { ...o, gradOut: g });
        expect(got.grad).toBe(g);
        expect(Array.from(g)).toEqual(Array.from(want.grad));
        expect(got.loss).toBe(want.loss);
      },
    ));

  it("rejects a gradOut that shares the logits' memory", () => {
    const buf = new Float64Array(30);
    const x = buf.subarray(0, 20);
    expect(
      code(() => crossEntropy(x, [1, 2], { shape: [2, 10], gradOut: buf.subarray(10, 30) })),
    ).toBe('INVALID_OUT');
  });

  it('returnGrad: false gives the same loss, lse and accuracy without a gradient', () =>
    forEachVariant(
      (C) => [
        { labelSmoothing: 0.1, weight: Array.from({ length: C }, (_, j) => 0.5 + j) },
        { zLoss: 1e-2, softcap: 2, reduction: 'none' },
        { reduction: 'sum' },
      ],
      (x, targets, o) => {
        const extras = { ...o, returnLse: true, returnAccuracy: true };
        const full = crossEntropy(x, targets, extras);
        const only = crossEntropy(x, targets, { ...extras, returnGrad: false });
        expect('grad' in only).toBe(false);
        expect(only.loss).toEqual(full.loss);
        expect(only.lse).toEqual(full.lse);
        expect(only.accuracy).toBe(full.accuracy);
      },
    ));

  it('returnGrad: false has no grad in its type, and refuses a gradOut or a non-boolean', () => {
    const only = crossEntropy([1, 2, 3], [0], { returnGrad: false });
    // @ts-expect-error: the loss-only result has no grad
    expect(only.grad).toBeUndefined();
    const g = new Float64Array(3);
    expect(code(() => crossEntropy([1, 2, 3], [0], { returnGrad: false, gradOut: g }))).toBe(
      'INVALID_OUT',
    );
    // @ts-expect-error: not a boolean
    expect(code(() => crossEntropy([1, 2, 3], [0], { returnGrad: 0 }))).toBe('INVALID_PARAMETER');
  });
});
