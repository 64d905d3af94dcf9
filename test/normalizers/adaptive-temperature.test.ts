import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ADAPTIVE_TEMPERATURE_COEFFICIENTS,
  adaptiveTemperatureBeta,
  adaptiveTemperatureSoftmax,
  adaptiveTemperatureSoftmaxVjp,
  entry,
} from '../../src/normalizers/adaptive-temperature.js';
import { normalizers } from '../../src/normalizers/registry.js';
import { softmax, softmaxVjp } from '../../src/normalizers/softmax.js';
import { attentionByNameError } from '../helpers/attention-by-name.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { D, type Dec, dec, relError, ulpError } from '../helpers/reference.js';
import { perSlice } from '../helpers/slices.js';

/** The paper's polynomial (arXiv:2410.01104, its code listing), typed here, not imported. */
const PAPER = ['-0.037', '0.481', '-2.3', '4.917', '-1.791'];

/** Σ_k c_k·H^(4−k) in 60 digits: the polynomial by powers, not by Horner. */
function refPoly(H: Dec, coefficients: readonly string[] = PAPER): Dec {
  const d = coefficients.length - 1;
  return coefficients.reduce((s, c, k) => s.plus(new D(c).times(H.pow(d - k))), new D(0));
}

/**
 * A row given as distinct values with multiplicities (long rows cheaply): its
 * entropy H, β and softmax(β·x) per distinct value, all in 60 digits.
 */
function refAdaptive(values: readonly number[], counts: readonly number[], threshold = 0.5) {
  const v = values.map(dec);
  const m = D.max(...v);
  const e = v.map((t) => D.exp(t.minus(m)));
  const Z = e.reduce((s, t, i) => s.plus(t.times(counts[i]!)), new D(0));
  const p = e.map((t) => t.div(Z));
  const H = p.reduce((s, t, i) => s.minus(t.times(D.ln(t)).times(counts[i]!)), new D(0));
  const poly = refPoly(H);
  const beta = H.gt(threshold) && poly.gt(1) ? poly : new D(1);
  const eb = v.map((t) => D.exp(t.minus(m).times(beta)));
  const Zb = eb.reduce((s, t, i) => s.plus(t.times(counts[i]!)), new D(0));
  const y = eb.map((t) => t.div(Zb));
  const mean = y.reduce((s, t, i) => s.plus(t.times(v[i]!).times(counts[i]!)), new D(0));
  return { H, poly, beta, y, mean };
}

/**
 * The module doc's bound on y_i, relative: softmax's 4 ulp and the scaled
 * exponent's rounding, plus the output's sensitivity to β, |x_i − E_y x|·|δβ|,
 * with δβ the computed β's own error (checked separately).
 */
function yBound(xi: number, max: number, beta: Dec, mean: Dec, betaGot: number): number {
  const b = beta.toNumber();
  const dBeta = dec(betaGot).minus(beta).abs().toNumber();
  return 2 ** -50 * (1 + b * (max - xi)) + Math.abs(xi - mean.toNumber()) * dBeta;
}

const refRow = (x: ArrayLike<number>) =>
  refAdaptive(
    Array.from(x),
    Array.from(x, () => 1),
  );
const code = (c: string) => expect.objectContaining({ code: c });

describe('the default polynomial is the paper’s', () => {
  it('ADAPTIVE_TEMPERATURE_COEFFICIENTS are the five published numbers', () => {
    expect(ADAPTIVE_TEMPERATURE_COEFFICIENTS).toEqual(PAPER.map(Number));
  });
});

describe('adaptiveTemperatureBeta against the published polynomial (60 digits), n = 2 … 10⁵', () => {
  // one sharp item a above n − 1 equal items: H and β by the grouped reference
  const cases: [number, number][] = [
    [2, 0.5], // H = 0.69 > 0.5 but poly(H) < 1: β = 1
    [10, 1],
    [100, 3],
    [1000, 6],
    [10_000, 9],
    [100_000, 12],
    [100_000, 0.5], // H ≈ 11.5: beyond the fit, poly < 1, β = 1
  ];
  for (const [n, a] of cases)
    it(`n = ${n}, sharp item ${a} above zeros`, () => {
      const x = new Float64Array(n);
      x[0] = a;
      const ref = refAdaptive([a, 0], [1, n - 1]);
      const beta = adaptiveTemperatureBeta(x)[0]!;
      expect(relError(beta, ref.beta)).toBeLessThanOrEqual(4e-15); // measured ≤ 2.2e-15
      const y = adaptiveTemperatureSoftmax(x);
      expect(relError(y[0]!, ref.y[0]!)).toBeLessThanOrEqual(
        yBound(a, a, ref.beta, ref.mean, beta),
      );
      expect(relError(y[n - 1]!, ref.y[1]!)).toBeLessThanOrEqual(
        yBound(0, a, ref.beta, ref.mean, beta),
      );
      expect(relError(y[n - 1]!, ref.y[1]!)).toBeLessThanOrEqual(1e-13); // measured ≤ 5.8e-14
      if (ref.beta.gt(1)) expect(y[0]!).toBeGreaterThan(softmax(x)[0]!); // sharper
    });

  it('β > 1 on these rows wherever 0.849 < H < 5.945, 1 elsewhere (the fit’s roots)', () => {
    for (const [n, a] of cases) {
      const ref = refAdaptive([a, 0], [1, n - 1]);
      const H = ref.H.toNumber();
      const inside = H > 0.8486 && H < 5.9445;
      expect(ref.beta.gt(1)).toBe(inside);
    }
  });
});

describe('adaptiveTemperatureSoftmax accuracy against 60-digit references', () => {
  it('Float64 within the documented bound on random rows (β > 1 and β = 1 rows)', () => {
    let raised = 0;
    for (const [n, lo, hi, seed] of [
      [5, -1, 1, 1],
      [40, -2, 2, 2],
      [300, -3, 3, 3],
      [8, -10, 10, 4],
      [64, -0.1, 0.1, 5],
    ] as const) {
      const x = randomArray(n, seed, lo, hi);
      const ref = refRow(x);
      if (ref.beta.gt(1)) raised++;
      const y = adaptiveTemperatureSoftmax(x);
      const beta = adaptiveTemperatureBeta(x)[0]!;
      expect(relError(beta, ref.beta)).toBeLessThanOrEqual(4e-15);
      const max = Math.max(...x);
      for (let i = 0; i < n; i++) {
        const err = relError(y[i]!, ref.y[i]!);
        expect(err, `n ${n} i ${i}`).toBeLessThanOrEqual(
          yBound(x[i]!, max, ref.beta, ref.mean, beta),
        );
        // ≤ 1e-14 wherever the output is insensitive to β's last bits
        if (Math.abs(x[i]! - ref.mean.toNumber()) <= 2) expect(err).toBeLessThanOrEqual(1e-14);
      }
    }
    expect(raised).toBeGreaterThanOrEqual(3);
  });

  it('Float32 in, Float32 out, ≤ 1 ulp', () => {
    const x = Float32Array.from(randomArray(50, 6, -2, 2));
    const y = adaptiveTemperatureSoftmax(x);
    expect(y).toBeInstanceOf(Float32Array);
    const ref = refRow(x);
    expect(ref.beta.gt(1)).toBe(true);
    for (let i = 0; i < 50; i++) expect(ulpError(y[i]!, ref.y[i]!, true)).toBeLessThanOrEqual(1);
  });

  it('is softmax at temperature 1/β; a sharp row (H ≤ 0.5) is plain softmax, bit for bit', () => {
    const x = randomArray(12, 7, -2, 2);
    const beta = adaptiveTemperatureBeta(x)[0]!;
    expect(beta).toBeGreaterThan(1);
    const a = adaptiveTemperatureSoftmax(x);
    const b = softmax(x, { temperature: 1 / beta });
    for (let i = 0; i < 12; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-15);
    const sharp = [9, 0, 1, -1];
    expect(Array.from(adaptiveTemperatureSoftmax(sharp))).toEqual(Array.from(softmax(sharp)));
  });

  it('the doc examples: β = poly(1.56…) = 1.89… and β = 1 for [5, 0, 0]', () => {
    const ref = refRow([1, 0.9, 0.8, 0.7, 0]);
    expect(ref.H.toNumber()).toBeCloseTo(1.5638, 4);
    expect(adaptiveTemperatureBeta([1, 0.9, 0.8, 0.7, 0])[0]).toBeCloseTo(1.8918, 4);
    expect(Array.from(adaptiveTemperatureBeta([5, 0, 0]))).toEqual([1]);
  });

  it('threshold and coefficients are honoured', () => {
    const x = [1, 0.9, 0.8, 0.7, 0]; // H = 1.56
    expect(adaptiveTemperatureBeta(x, { threshold: 2 })[0]).toBe(1);
    expect(adaptiveTemperatureBeta(x, { coefficients: [3] })[0]).toBe(3); // constant β
    const H = refRow(x).H;
    const lin = adaptiveTemperatureBeta(x, { coefficients: [2, 0.5] })[0]!; // β = 2H + 0.5
    expect(relError(lin, H.times(2).plus(0.5))).toBeLessThan(1e-15);
    expect(adaptiveTemperatureBeta(x, { coefficients: [0.5] })[0]).toBe(1); // never below 1
  });
});

describe('adaptiveTemperatureSoftmaxVjp', () => {
  it('agrees with central finite differences in Float64, through β(H(x))', () => {
    for (const [n, seed, r] of [
      [6, 8, 1],
      [20, 9, 1.5],
      [3, 10, 0.3],
    ] as const) {
      const x = randomArray(n, seed, -r, r);
      expect(adaptiveTemperatureBeta(x)[0]).toBeGreaterThan(1);
      const dy = randomArray(n, seed + 50);
      const fd = fdVjp((z) => adaptiveTemperatureSoftmax(z), x, dy);
      expect(gradError(adaptiveTemperatureSoftmaxVjp(x, dy), fd)).toBeLessThan(1e-8);
    }
  });

  it('the path through β matters: detached differs from the finite difference', () => {
    const x = randomArray(6, 8, -1.5, 1.5);
    const dy = randomArray(6, 58);
    const fd = fdVjp((z) => adaptiveTemperatureSoftmax(z), x, dy);
    const detached = adaptiveTemperatureSoftmaxVjp(x, dy, { detachTemperature: true });
    expect(gradError(detached, fd)).toBeGreaterThan(1e-3);
  });

  it('detachTemperature: β·J_softmax(β·x)ᵀ·dy, the vjp of softmax at temperature 1/β', () => {
    const x = randomArray(10, 11, -1, 1);
    const dy = randomArray(10, 12);
    const beta = adaptiveTemperatureBeta(x)[0]!;
    const a = adaptiveTemperatureSoftmaxVjp(x, dy, { detachTemperature: true });
    const b = softmaxVjp(x, dy, { temperature: 1 / beta });
    expect(gradError(a, b)).toBeLessThan(1e-15);
    const fd = fdVjp((z) => softmax(z, { temperature: 1 / beta }), x, dy);
    expect(gradError(a, fd)).toBeLessThan(1e-8);
  });

  it('where β = 1 (H ≤ threshold or poly ≤ 1) it is softmax’s vjp', () => {
    for (const x of [[6, 0, 1, -1], Array.from(randomArray(2000, 13))]) {
      expect(adaptiveTemperatureBeta(x)[0]).toBe(1);
      const dy = randomArray(x.length, 14);
      expect(gradError(adaptiveTemperatureSoftmaxVjp(x, dy), softmaxVjp(x, dy))).toBeLessThan(
        1e-16,
      );
    }
  });

  it('the gradient with respect to a whole row shift is 0 (shift invariance)', () => {
    const x = randomArray(9, 15, -1, 1);
    const dx = adaptiveTemperatureSoftmaxVjp(x, randomArray(9, 16));
    expect(Math.abs(dx.reduce((s, v) => s + v, 0))).toBeLessThan(1e-15);
  });
});

describe('adaptiveTemperatureSoftmax non-finite policy', () => {
  it('−∞ masks are the filtered row, forward and vjp (gradient 0 at the masks)', () => {
    const x = [-Infinity, 0.3, -0.2, -Infinity, 0.1, 0];
    const f = [0.3, -0.2, 0.1, 0];
    const y = adaptiveTemperatureSoftmax(x);
    const yf = adaptiveTemperatureSoftmax(f);
    expect(Array.from(y)).toEqual([0, yf[0], yf[1], 0, yf[2], yf[3]]);
    const dy = [5, 1, 2, 5, 3, 4];
    const dx = adaptiveTemperatureSoftmaxVjp(x, dy);
    const dxf = adaptiveTemperatureSoftmaxVjp(f, [1, 2, 3, 4]);
    expect(Array.from(dx)).toEqual([0, dxf[0], dxf[1], 0, dxf[2], dxf[3]]);
  });

  it('fully masked rows give zeros (β 1); NaN stays in its row; +∞ shares the mass', () => {
    const x = [-Infinity, -Infinity, Number.NaN, 1, Infinity, 0, 0.5, 0.2];
    const o = { shape: [4, 2] };
    const y = adaptiveTemperatureSoftmax(x, o);
    expect(Array.from(y.subarray(0, 2))).toEqual([0, 0]);
    expect(Number.isNaN(y[2]!) && Number.isNaN(y[3]!)).toBe(true);
    expect(Array.from(y.subarray(4, 6))).toEqual([1, 0]);
    expect(Array.from(y.subarray(6))).toEqual(Array.from(adaptiveTemperatureSoftmax([0.5, 0.2])));
    const dx = adaptiveTemperatureSoftmaxVjp(x, [1, 2, 3, 4, 5, 6, 7, 8], o);
    expect(Array.from(dx.subarray(0, 2))).toEqual([0, 0]);
    expect(Number.isNaN(dx[2]!)).toBe(true);
    expect(Array.from(dx.subarray(4, 6))).toEqual([0, 0]);
    const b = adaptiveTemperatureBeta(x, o);
    expect([b[0], b[2], b[3]]).toEqual([1, 1, 1]);
    expect(b[1]).toBeNaN();
  });

  it('length-1 rows: 1 (H = 0, β = 1), gradient 0', () => {
    expect(Array.from(adaptiveTemperatureSoftmax([1e308]))).toEqual([1]);
    expect(Array.from(adaptiveTemperatureSoftmaxVjp([3], [2]))).toEqual([0]);
  });

  it('huge magnitudes: ±1e300 rows stay finite and sum to one', () => {
    const y = adaptiveTemperatureSoftmax([1e300, -1e300, 1e300]);
    expect(Array.from(y)).toEqual([0.5, 0, 0.5]); // H = ln 2 > 0.5, poly(ln 2) < 1
  });
});

describe('adaptiveTemperatureSoftmax on any axis', () => {
  const shape = [3, 4, 5];
  const x = randomArray(60, 17, -1, 1);
  const dy = randomArray(60, 18);
  for (const axis of [0, 1, 2, -1]) {
    it(`axis ${axis} equals the per-slice result, forward, vjp and β`, () => {
      const a = axis < 0 ? axis + 3 : axis;
      expect(adaptiveTemperatureSoftmax(x, { shape, axis })).toEqual(
        perSlice((r) => adaptiveTemperatureSoftmax(r), [x], shape, a),
      );
      expect(adaptiveTemperatureSoftmaxVjp(x, dy, { shape, axis })).toEqual(
        perSlice((r, g) => adaptiveTemperatureSoftmaxVjp(r, g!), [x, dy], shape, a),
      );
      expect(adaptiveTemperatureBeta(x, { shape, axis }).length).toBe(60 / shape[a]!);
    });
  }
});

describe('adaptiveTemperatureSoftmax properties (fast-check)', () => {
  const row = fc.array(fc.double({ min: -5, max: 5, noNaN: true }), {
    minLength: 1,
    maxLength: 60,
  });
  it('sums to one, β ≥ 1, and the top probability is never below softmax’s', () => {
    fc.assert(
      fc.property(row, (v) => {
        const y = adaptiveTemperatureSoftmax(v);
        const p = softmax(v);
        let t = 0;
        for (const q of y) t += q;
        expect(Math.abs(t - 1)).toBeLessThan(1e-14);
        expect(adaptiveTemperatureBeta(v)[0]).toBeGreaterThanOrEqual(1);
        expect(Math.max(...y)).toBeGreaterThanOrEqual(Math.max(...p) * (1 - 1e-15));
      }),
    );
  });
  it('is shift invariant (H is)', () => {
    fc.assert(
      fc.property(row, fc.double({ min: -50, max: 50, noNaN: true }), (v, a) => {
        const y = adaptiveTemperatureSoftmax(v);
        const z = adaptiveTemperatureSoftmax(v.map((t) => t + a));
        // x + a rounds (ulp(55) ≈ 7e-15), moving H, β and each exponent slightly
        for (let i = 0; i < v.length; i++) expect(Math.abs(y[i]! - z[i]!)).toBeLessThan(1e-11);
      }),
      { numRuns: 50 },
    );
  });
});

describe('adaptiveTemperatureSoftmax options, registry and purity', () => {
  it('bad options throw SoftmaxKitError naming the function', () => {
    const f = adaptiveTemperatureSoftmax;
    expect(() => f([1, 2], { threshold: -1 })).toThrow(code('INVALID_PARAMETER'));
    expect(() => f([1, 2], { threshold: Number.NaN })).toThrow(code('NON_FINITE_PARAMETER'));
    expect(() => f([1, 2], { coefficients: [] })).toThrow(code('INVALID_PARAMETER'));
    expect(() => f([1, 2], { coefficients: [1, Infinity] })).toThrow(code('NON_FINITE_PARAMETER'));
    expect(() => f([1, 2], { coefficients: '1' as never })).toThrow(code('INVALID_PARAMETER'));
    expect(() => f([1, 2], { detachTemperature: 1 as never })).toThrow(code('INVALID_PARAMETER'));
    expect(() => f([1, 2], { treshold: 1 } as never)).toThrow(/did you mean 'threshold'/);
    expect(() => f([1, 2], { threshold: -1 })).toThrow(/^adaptiveTemperatureSoftmax: /);
    expect(() => adaptiveTemperatureBeta([1, 2], { detachTemperature: true } as never)).toThrow(
      code('INVALID_PARAMETER'),
    );
    expect(() => adaptiveTemperatureSoftmaxVjp([1, 2], [1])).toThrow(code('SHAPE_MISMATCH'));
    expect(() => f([], {})).toThrow(code('EMPTY_AXIS'));
  });
  it('attention takes it by name (block-materialized), as its definition', () => {
    expect(
      attentionByNameError('adaptiveTemperatureSoftmax', (s) => adaptiveTemperatureSoftmax(s)),
    ).toBeLessThan(1e-15);
  });
  it('the registry entry is the pair', () => {
    expect(normalizers.adaptiveTemperatureSoftmax.forward).toBe(adaptiveTemperatureSoftmax);
    expect(normalizers.adaptiveTemperatureSoftmax.vjp).toBe(adaptiveTemperatureSoftmaxVjp);
  });
  it('does not mutate its inputs; coefficients are copied', () => {
    const x = Float32Array.from([0.3, 0.1, 0.2]);
    const dy = Float32Array.from([1, 2, 3]);
    const c = [1, 2];
    adaptiveTemperatureSoftmax(x, { coefficients: c });
    expect(adaptiveTemperatureSoftmaxVjp(x, dy)).toBeInstanceOf(Float32Array);
    expect(Array.from(x)).toEqual(Array.from(Float32Array.from([0.3, 0.1, 0.2])));
    expect(Array.from(dy)).toEqual([1, 2, 3]);
    expect(c).toEqual([1, 2]);
  });
});

describe('adaptiveTemperatureSoftmax at its kinks (the constant side is taken)', () => {
  const x = [0, 0, 0, 1];
  const dy = [1, -2, 0.5, 3];
  // H itself: with poly(H) = H (coefficients [1, 0]) and H > 1, β = H. Computed inside
  // each test, not while the suite is collected (a throw there would fail no test)
  const entropy = () => adaptiveTemperatureBeta(x, { coefficients: [1, 0], threshold: 0 })[0]!;
  it('the row used has 1 < H < 2, its entropy to 1e-15', () => {
    const H = entropy();
    const ref = refAdaptive([0, 1], [3, 1]).H;
    expect(H).toBeGreaterThan(1);
    expect(H).toBeLessThan(2);
    expect(Math.abs(H - ref.toNumber())).toBeLessThan(1e-15);
  });
  it('H exactly at the threshold: β = 1', () => {
    const H = entropy();
    expect(Array.from(adaptiveTemperatureBeta(x, { coefficients: [2], threshold: H }))).toEqual([
      1,
    ]);
    expect(adaptiveTemperatureSoftmax(x, { coefficients: [2], threshold: H })).toEqual(softmax(x));
  });
  it('poly(H) exactly 1 (poly = H + (1 − H), exact for 1 < H < 2): β = 1 and no slope', () => {
    const H = entropy();
    const o = { coefficients: [1, 1 - H], threshold: 0 };
    expect(Array.from(adaptiveTemperatureBeta(x, o))).toEqual([1]);
    expect(adaptiveTemperatureSoftmaxVjp(x, dy, o)).toEqual(softmaxVjp(x, dy));
  });
});

describe('adaptiveTemperatureSoftmax: coefficients, messages and registry entry', () => {
  it('coefficients may be a Float64Array or a Float32Array', () => {
    const x = [1, 0.9, 0.8, 0.7, 0];
    const ref = adaptiveTemperatureBeta(x);
    const c64 = Float64Array.from(ADAPTIVE_TEMPERATURE_COEFFICIENTS);
    expect(adaptiveTemperatureBeta(x, { coefficients: c64 as never })).toEqual(ref);
    const c32 = Float32Array.from([0.5, 1]);
    expect(adaptiveTemperatureBeta(x, { coefficients: c32 as never })).toEqual(
      adaptiveTemperatureBeta(x, { coefficients: [0.5, 1] }),
    );
  });
  it('bad coefficients: messages name the function, the option and the entry', () => {
    const f = adaptiveTemperatureSoftmax;
    expect(() => f([1, 2], { coefficients: 'ab' as never })).toThrow(
      'adaptiveTemperatureSoftmax: expected coefficients to be a non-empty array of numbers, got "ab"',
    );
    expect(() => f([1, 2], { coefficients: [1, 'a'] as never })).toThrow(
      /^adaptiveTemperatureSoftmax: expected coefficients\[1\] to be a number, got /,
    );
    expect(() => f([1, 2], { coefficients: [1, 'a'] as never })).toThrow(code('INVALID_PARAMETER'));
    expect(() => f([1, 2], { coefficients: [1, Infinity] })).toThrow(
      'adaptiveTemperatureSoftmax: expected coefficients[1] to be finite, got Infinity',
    );
  });
  it('errors name the public function', () => {
    expect(() => adaptiveTemperatureSoftmaxVjp([1, 2], [1, 2], { axis: 2 })).toThrow(
      /^adaptiveTemperatureSoftmaxVjp: /,
    );
    expect(() => adaptiveTemperatureBeta([1, 2], { axis: 2 })).toThrow(
      /^adaptiveTemperatureBeta: /,
    );
  });
  it('the entry is named', () => {
    expect(entry.name).toBe('adaptiveTemperatureSoftmax');
  });
});
