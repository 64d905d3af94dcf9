import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crossEntropy } from '../../src/losses/cross-entropy.js';
import { marginSoftmaxLoss } from '../../src/losses/margin-softmax.js';
import { normal } from '../../src/random/normal.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { D, type Dec, dec } from '../helpers/reference.js';
import { classLossChecks, errorCode } from './class-loss-checks.js';
import { refLogSoftmaxRow } from './ref-row.js';

/** −log softmax(z)_t in 60 digits for logits z (Decimals). */
const refCe = (z: Dec[], t: number) => refLogSoftmaxRow(z)[t]!.neg();

/**
 * The margined, scaled row in 60 digits: s·cos θ_j off the target,
 * s·(cos(m1·arccos c_t + m2) − m3) at it — by arccos and cos, not the identity.
 */
function refLogits(row: readonly Dec[], t: number, s: number, m1: number, m2: number, m3: number) {
  return row.map((c, j) => {
    if (j !== t) return c.times(dec(s));
    const theta = D.acos(c);
    return D.cos(theta.times(dec(m1)).plus(dec(m2)))
      .minus(dec(m3))
      .times(dec(s));
  });
}

describe('marginSoftmaxLoss (CosFace, s = 1.5, m3 = 0.35): the shared loss checks', () => {
  // with no angular margin φ(c) = c − m3 for any c, so every shared check applies
  classLossChecks({
    loss: marginSoftmaxLoss,
    options: { scale: 1.5, m2: 0, m3: 0.35 },
    reference: (row, t) =>
      refCe(
        row.map((c, j) => (j === t ? c.minus(dec(0.35)) : c).times(dec(1.5))),
        t,
      ),
  });
});

describe('marginSoftmaxLoss with no margin is crossEntropy of s·cos θ, bit for bit', () => {
  const cos = randomArray(6 * 7, 1, -1, 1);
  const t = [0, 6, -100, 3, 3, 1];
  for (const reduction of ['mean', 'sum', 'none'] as const)
    for (const labelSmoothing of [0, 0.1])
      it(`reduction ${reduction}, labelSmoothing ${labelSmoothing}`, () => {
        const o = { shape: [6, 7], reduction, labelSmoothing };
        const a = marginSoftmaxLoss(cos, t, { ...o, scale: 30, m2: 0 });
        const b = crossEntropy(
          cos.map((c) => 30 * c),
          t,
          o,
        );
        expect(a.loss).toEqual(b.loss);
        expect(Array.from(a.grad)).toEqual(Array.from(b.grad, (g) => 30 * g));
      });

  it('Float32 cosines: the Float64 computation rounded once', () => {
    const c32 = Float32Array.from(cos);
    const a = marginSoftmaxLoss(c32, t, { shape: [6, 7], scale: 30, m2: 0, reduction: 'none' });
    const b = crossEntropy(
      Float64Array.from(c32, (c) => 30 * c),
      t,
      { shape: [6, 7], reduction: 'none' },
    );
    expect(a.grad).toBeInstanceOf(Float32Array);
    expect(Array.from(a.grad)).toEqual(Array.from(b.grad, (g) => Math.fround(30 * g)));
    expect(Array.from(a.loss as Float32Array)).toEqual(
      Array.from(b.loss as Float64Array, Math.fround),
    );
  });
});

describe('marginSoftmaxLoss against 60-digit references (arccos and cos in decimal)', () => {
  const cases: [string, { scale: number; m1: number; m2: number; m3: number }][] = [
    ['ArcFace (InsightFace defaults)', { scale: 64, m1: 1, m2: 0.5, m3: 0 }],
    ['CosFace', { scale: 64, m1: 1, m2: 0, m3: 0.35 }],
    ['SphereFace m1 = 1.35', { scale: 30, m1: 1.35, m2: 0, m3: 0 }],
    ['combined (1, 0.3, 0.2)', { scale: 64, m1: 1, m2: 0.3, m3: 0.2 }],
    ['combined (0.9, 0.4, 0.15)', { scale: 20, m1: 0.9, m2: 0.4, m3: 0.15 }],
  ];
  for (const [name, m] of cases)
    it(`${name}: per-row loss ≤ 1e-13 relative, gradient = central differences`, () => {
      const cos = randomArray(5 * 6, 2, -0.95, 0.95);
      const t = [0, 5, 2, 2, 4];
      const o = { ...m, shape: [5, 6], reduction: 'none' as const };
      const r = marginSoftmaxLoss(cos, t, o);
      const l = r.loss as Float64Array;
      for (let k = 0; k < 5; k++) {
        const row = Array.from(cos.subarray(k * 6, k * 6 + 6), dec);
        const want = refCe(refLogits(row, t[k]!, m.scale, m.m1, m.m2, m.m3), t[k]!);
        expect(new D(l[k]!).minus(want).abs().toNumber()).toBeLessThanOrEqual(
          1e-13 * want.toNumber(),
        );
      }
      const fd = fdVjp(
        (z) => [marginSoftmaxLoss(z, t, { ...o, reduction: 'sum' }).loss as number],
        cos,
        [1],
        1e-7,
      );
      expect(gradError(r.grad, fd)).toBeLessThan(1e-6);
    });
});

describe('marginSoftmaxLoss near θ = 0 and θ = π', () => {
  /** d loss / d c_0 of the 60-digit reference, by a central difference with h = 1e-30 at 100 digits. */
  function refTargetGradient(x: readonly number[], m2: number): Dec {
    const f = (v: Dec) =>
      refCe(
        refLogits(
          x.map((a, j) => (j === 0 ? v : dec(a))),
          0,
          16,
          1,
          m2,
          0,
        ),
        0,
      );
    const prev = D.precision;
    D.set({ precision: 100 });
    try {
      const h = new D('1e-30');
      return f(dec(x[0]!).plus(h))
        .minus(f(dec(x[0]!).minus(h)))
        .div(h.times(2));
    } finally {
      D.set({ precision: prev });
    }
  }

  // target cosines within 1e-6 and 1e-9 of ±1; central differences with h far below the gap
  for (const [c, h, fdTol] of [
    [1 - 1e-6, 1e-9, 1e-6],
    [-1 + 1e-6, 1e-9, 1e-6],
    [1 - 1e-9, 1e-12, 1e-3],
    [-1 + 1e-9, 1e-12, 1e-3],
  ] as const)
    it(`cos θ_t = ${c}: loss and target gradient against 60 digits, all against central differences (h = ${h})`, () => {
      const x = Float64Array.from([c, 0.3, -0.2, 0.1]);
      for (const m2 of [0.5, 0.2]) {
        const o = { scale: 16, m2, reduction: 'sum' as const };
        const r = marginSoftmaxLoss(x, [0], o);
        const want = refCe(refLogits(Array.from(x, dec), 0, 16, 1, m2, 0), 0);
        expect(new D(r.loss as number).minus(want).abs().toNumber()).toBeLessThanOrEqual(
          1e-13 * want.toNumber(),
        );
        const g = refTargetGradient(Array.from(x), m2);
        expect(new D(r.grad[0]!).minus(g).abs().div(g.abs()).toNumber()).toBeLessThan(1e-12);
        // the double central difference: truncation ~h²/(1 − c²)², rounding ~2^−52·ℓ/h
        const f = (z: Float64Array) => [marginSoftmaxLoss(z, [0], o).loss as number];
        const fd = fdVjp(f, x, [1], h);
        expect(Math.abs(r.grad[0]! - fd[0]!)).toBeLessThanOrEqual(fdTol * Math.abs(fd[0]!));
        const fdRest = fdVjp(f, x, [1], 1e-6); // the other entries are not near a singularity
        for (let j = 1; j < 4; j++) expect(Math.abs(r.grad[j]! - fdRest[j]!)).toBeLessThan(1e-7);
      }
    });

  it('cos θ = ±1 exactly: finite loss and gradient (θ taken as 2^−26 for the derivative)', () => {
    for (const c of [1, -1]) {
      const r = marginSoftmaxLoss([c, 0.2, 0.1], [0], { scale: 16 });
      expect(Number.isFinite(r.loss as number)).toBe(true);
      expect(Array.from(r.grad).every(Number.isFinite)).toBe(true);
    }
  });

  it('a cosine rounded past ±1 is clamped: φ(±1), gradient 0 at the target', () => {
    const a = marginSoftmaxLoss([1 + 2e-16, 0.2, 0.1], [0], { scale: 16 });
    const b = marginSoftmaxLoss([1, 0.2, 0.1], [0], { scale: 16 });
    expect(a.loss).toBe(b.loss);
    expect(a.grad[0] === 0).toBe(true); // (−0: s·g_t·0)
    expect(Number.isFinite(marginSoftmaxLoss([-1.5, 0], [0]).loss as number)).toBe(true);
  });
});

describe('InsightFace fallbacks once θ + m2 > π', () => {
  const m2 = 0.5;
  const turn = Math.cos(Math.PI - m2); // c at θ + m2 = π
  /** The target's scaled logit, read back from the loss of a 2-class row with the other class masked. */
  const targetLogit = (c: number, fallback: 'none' | 'threshold' | 'easy') =>
    // loss of [c, −∞] is 0; use the 'none' loss of [c, 0] with s = 1: ℓ = log(1 + e^(−φ))
    -Math.log(
      Math.expm1(marginSoftmaxLoss([c, 0], [0], { scale: 1, m2, fallback }).loss as number),
    );

  it("'none' is cos(θ + m2), which turns back up past the threshold", () => {
    const a = targetLogit(turn - 0.05, 'none');
    const b = targetLogit(turn - 0.1, 'none');
    expect(b).toBeGreaterThan(a); // not monotone
    expect(a).toBeCloseTo(Math.cos(Math.acos(turn - 0.05) + m2), 12);
  });

  it("'threshold' is c − m2·sin m2 beyond the turn and cos(θ + m2) before it", () => {
    for (const c of [turn - 0.05, -0.95, -1])
      expect(targetLogit(c, 'threshold')).toBeCloseTo(c - m2 * Math.sin(m2), 12);
    const c = turn + 0.05;
    expect(targetLogit(c, 'threshold')).toBeCloseTo(Math.cos(Math.acos(c) + m2), 12);
  });

  it("'easy' keeps c where c ≤ 0", () => {
    expect(targetLogit(-0.3, 'easy')).toBeCloseTo(-0.3, 12);
    expect(targetLogit(0.3, 'easy')).toBeCloseTo(Math.cos(Math.acos(0.3) + m2), 12);
  });

  it('gradients of both fallbacks agree with central differences on both sides', () => {
    const x = Float64Array.from([turn - 0.2, 0.1, turn + 0.2, -0.4, -0.3, 0.5, 0.4, 0.2, 0]);
    for (const fallback of ['threshold', 'easy'] as const) {
      const o = { shape: [3, 3], scale: 8, m2, fallback, reduction: 'sum' as const };
      const t = [0, 0, 0];
      const fd = fdVjp((z) => [marginSoftmaxLoss(z, t, o).loss as number], x, [1]);
      expect(gradError(marginSoftmaxLoss(x, t, o).grad, fd)).toBeLessThan(1e-8);
    }
  });

  it('the fallbacks need m1 = 1', () => {
    expect(errorCode(() => marginSoftmaxLoss([0.1, 0.2], [0], { m1: 2, fallback: 'easy' }))).toBe(
      'INVALID_PARAMETER',
    );
  });
});

describe('marginSoftmaxLoss elastic margins (ElasticFace)', () => {
  const cos = randomArray(4 * 5, 3, -0.9, 0.9);
  const t = [1, 4, -100, 0];
  const o = { shape: [4, 5], scale: 32, reduction: 'none' as const };

  it('row r takes m2 + std·normal(seed, 2r) and m3 + std·normal(seed, 2r + 1)', () => {
    const seed = 99;
    const std = 0.05;
    const z = normal(seed, 0, new Float64Array(8));
    const r = marginSoftmaxLoss(cos, t, { ...o, m2: 0.4, m3: 0.1, elastic: { std, seed } });
    for (let k = 0; k < 4; k++) {
      if (t[k]! < 0) continue;
      const fixed = marginSoftmaxLoss(cos.subarray(k * 5, k * 5 + 5), [t[k]!], {
        scale: 32,
        m2: 0.4 + std * z[2 * k]!,
        m3: 0.1 + std * z[2 * k + 1]!,
        reduction: 'sum',
      });
      expect((r.loss as Float64Array)[k]).toBe(fixed.loss);
      expect(Array.from(r.grad.subarray(k * 5, k * 5 + 5))).toEqual(Array.from(fixed.grad));
    }
  });

  it('is reproducible from the seed, differs across seeds, and std 0 is the fixed margin', () => {
    const a = marginSoftmaxLoss(cos, t, { ...o, elastic: { seed: 5 } });
    const b = marginSoftmaxLoss(cos, t, { ...o, elastic: { seed: 5 } });
    const c = marginSoftmaxLoss(cos, t, { ...o, elastic: { seed: 6 } });
    expect(a.loss).toEqual(b.loss);
    expect(a.loss).not.toEqual(c.loss);
    const d = marginSoftmaxLoss(cos, t, { ...o, elastic: { seed: 5, std: 0 } });
    expect(d.loss).toEqual(marginSoftmaxLoss(cos, t, o).loss);
  });

  it('a zero margin stays zero (ElasticArcFace draws m2 only)', () => {
    const a = marginSoftmaxLoss(cos, t, { ...o, m2: 0, m3: 0, elastic: { std: 0.3, seed: 1 } });
    expect(a.loss).toEqual(marginSoftmaxLoss(cos, t, { ...o, m2: 0 }).loss);
  });

  it('the gradient with elastic margins agrees with central differences', () => {
    const oo = { ...o, reduction: 'mean' as const, elastic: { std: 0.1, seed: 3 } };
    const fd = fdVjp((z) => [marginSoftmaxLoss(z, t, oo).loss as number], cos, [1], 1e-7);
    expect(gradError(marginSoftmaxLoss(cos, t, oo).grad, fd)).toBeLessThan(1e-7);
  });
});

describe('marginSoftmaxLoss on any axis and with masks', () => {
  it('class axis 0 equals the transposed last-axis computation', () => {
    const x = randomArray(12, 4, -0.9, 0.9); // [4 classes, 3 rows]
    const xt = new Float64Array(12);
    for (let c = 0; c < 4; c++) for (let r = 0; r < 3; r++) xt[r * 4 + c] = x[c * 3 + r]!;
    const a = marginSoftmaxLoss(x, [3, 0, 1], { shape: [4, 3], axis: 0, reduction: 'none' });
    const b = marginSoftmaxLoss(xt, [3, 0, 1], { shape: [3, 4], reduction: 'none' });
    expect(Array.from(a.loss as Float64Array)).toEqual(Array.from(b.loss as Float64Array));
    for (let c = 0; c < 4; c++)
      for (let r = 0; r < 3; r++) expect(a.grad[c * 3 + r]).toBe(b.grad[r * 4 + c]);
  });

  it('a masked (−∞) class is the truncated row; a masked target gives +∞', () => {
    const a = marginSoftmaxLoss([0.5, 0.1, -Infinity, 0.3], [0]);
    const b = marginSoftmaxLoss([0.5, 0.1, 0.3], [0]);
    expect(a.loss).toBe(b.loss);
    expect(a.grad[2]).toBe(0);
    expect(marginSoftmaxLoss([-Infinity, 0.1], [0]).loss).toBe(Infinity);
  });
});

describe('marginSoftmaxLoss properties (fast-check)', () => {
  it('an angular margin never lowers the loss while θ + m2 ≤ π', () => {
    const cosine = fc.double({ min: -0.99, max: 0.99, noNaN: true });
    fc.assert(
      fc.property(
        fc.array(cosine, { minLength: 2, maxLength: 12 }),
        fc.double({ min: 0, max: 0.8, noNaN: true }),
        (row, m2) => {
          fc.pre(Math.acos(row[0]!) + m2 <= Math.PI);
          const plain = marginSoftmaxLoss(row, [0], { m2: 0, scale: 10 }).loss as number;
          const withMargin = marginSoftmaxLoss(row, [0], { m2, scale: 10 }).loss as number;
          expect(withMargin).toBeGreaterThanOrEqual(plain * (1 - 1e-14));
        },
      ),
    );
  });
});

describe('marginSoftmaxLoss options', () => {
  it('bad options throw SoftmaxKitError naming the function', () => {
    const x = [0.1, 0.2];
    expect(errorCode(() => marginSoftmaxLoss(x, [0], { scale: 0 }))).toBe('INVALID_PARAMETER');
    expect(errorCode(() => marginSoftmaxLoss(x, [0], { m2: -0.1 }))).toBe('INVALID_PARAMETER');
    expect(errorCode(() => marginSoftmaxLoss(x, [0], { m1: Number.NaN }))).toBe(
      'NON_FINITE_PARAMETER',
    );
    expect(errorCode(() => marginSoftmaxLoss(x, [0], { fallback: 'hard' as never }))).toBe(
      'INVALID_PARAMETER',
    );
    expect(errorCode(() => marginSoftmaxLoss(x, [0], { elastic: 0.1 as never }))).toBe(
      'INVALID_PARAMETER',
    );
    expect(errorCode(() => marginSoftmaxLoss(x, [0], { elastic: { std: -1 } }))).toBe(
      'INVALID_PARAMETER',
    );
    expect(errorCode(() => marginSoftmaxLoss(x, [0], { elastic: { seed: 0.5 } }))).toBe(
      'INVALID_PARAMETER',
    );
    expect(() => marginSoftmaxLoss(x, [0], { elastic: { sd: 1 } as never })).toThrow(
      /^marginSoftmaxLoss: unknown option 'elastic.sd' \(did you mean 'elastic.std'\?\)/,
    );
    expect(() => marginSoftmaxLoss(x, [0], { margin: 0.5 } as never)).toThrow(
      /^marginSoftmaxLoss: unknown option 'margin'/,
    );
  });
});
