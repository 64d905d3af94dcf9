import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  energyRows,
  entropyLogitRows,
  entropyProbabilityRows,
  marginRows,
  maxLogitRows,
  maxSoftmaxRows,
} from '../../../src/kernels/js/score-rows.js';
import { D, type Dec, dec, refLogSumExp, refSoftmax, relError } from '../../helpers/reference.js';

const inf = Number.POSITIVE_INFINITY;
type Kernel = (x: Float64Array, out: Float64Array, rows: number, n: number, s: number) => void;

/** Run a kernel over rows of length n (T the temperature), each row preceded in x by the row before. */
function run(kernel: Kernel, rows: number[][], T = 1): number[] {
  const n = rows[0]!.length;
  const out = new Float64Array(rows.length).fill(42);
  kernel(new Float64Array(rows.flat()), out, rows.length, n, 1 / T);
  return Array.from(out);
}

/** 60-digit references of the scores from the softmax of x/T. */
const ref = {
  msp: (x: number[], T: number) => refSoftmax(x, T).reduce((a, b) => (b.gt(a) ? b : a)),
  margin: (x: number[], T: number) => {
    const p = refSoftmax(x, T).sort((a, b) => b.cmp(a));
    return p.length === 1 ? new D(1) : p[0]!.minus(p[1]!);
  },
  energy: (x: number[], T: number) => refLogSumExp(x, T).times(dec(T)).neg(),
  entropy: (x: number[], T: number) =>
    refSoftmax(x, T).reduce((h: Dec, p) => (p.isZero() ? h : h.minus(p.times(D.ln(p)))), new D(0)),
};

// logits on a 1/128 grid: gaps are 0 or ≥ 2^−7, so the 60-digit references never
// cancel (a gap of 1e-60 would need far more digits); tiny gaps are tested below
const rowsOf = fc.array(
  fc.integer({ min: -6400, max: 6400 }).map((v) => v / 128),
  { minLength: 1, maxLength: 12 },
);
// temperatures whose 1/T is a double, so the references see the kernels' exact s
const temperatures = fc.constantFrom(1, 0.25, 4);

describe('the finite scores against 60-digit references', () => {
  it('max softmax probability, margin, energy and entropy to a few ulps', () => {
    fc.assert(
      fc.property(rowsOf, rowsOf, temperatures, (a, b, T) => {
        const n = Math.min(a.length, b.length);
        const rows = [a.slice(0, n), b.slice(0, n)];
        const cases: [Kernel, (x: number[], T: number) => Dec, number][] = [
          [maxSoftmaxRows, ref.msp, 2 ** -48],
          [energyRows, ref.energy, 2 ** -48],
          [entropyLogitRows, ref.entropy, 2 ** -48],
        ];
        for (const [kernel, reference, tol] of cases) {
          const got = run(kernel, rows, T);
          rows.forEach((x, r) => {
            const e = reference(x, T);
            // energy and entropy near 0 are compared absolutely: 60 digits hold only ~15 of
            // log(1 + 1e-45), so a relative reference would be wrong, not the kernel
            const err =
              kernel !== maxSoftmaxRows
                ? dec(got[r]!).minus(e).abs().toNumber() / Math.max(1, Math.abs(e.toNumber()))
                : e.isZero()
                  ? Math.abs(got[r]!)
                  : relError(got[r]!, e);
            expect(err, `${kernel.name} ${x} T=${T}`).toBeLessThanOrEqual(tol);
          });
        }
        // the margin of close logits cancels in p₍₁₎ − p₍₂₎; the kernel's expm1 does not
        const got = run(marginRows, rows, T);
        rows.forEach((x, r) => {
          const e = ref.margin(x, T);
          const err = e.isZero() ? Math.abs(got[r]!) : relError(got[r]!, e);
          expect(err, `margin ${x} T=${T}`).toBeLessThanOrEqual(2 ** -48);
        });
      }),
      { numRuns: 40 },
    );
  });
  it('maxLogit is the row max', () => {
    expect(
      run(maxLogitRows, [
        [1, 5, -2],
        [-7, -8, -9],
      ]),
    ).toEqual([5, -7]);
  });
  it('margin: a tie gives +0, a single entry 1, a masked runner-up the max probability', () => {
    expect(Object.is(run(marginRows, [[3, 1, 3]])[0], 0)).toBe(true);
    expect(run(marginRows, [[7]])).toEqual([1]);
    expect(run(marginRows, [[2, -inf, -inf]])).toEqual([1]);
    // the first max is the max; a second copy of it is the runner-up
    expect(run(marginRows, [[5, 5]])).toEqual([0]);
    const close = [1e-9, 0, -30];
    expect(relError(run(marginRows, [close])[0]!, ref.margin(close, 1))).toBeLessThanOrEqual(
      2 ** -48,
    );
  });
  it('energy keeps a dominant entry tiny log d (log1p near d = 1)', () => {
    const x = [0, -45];
    expect(relError(run(energyRows, [x])[0]!, ref.energy(x, 1))).toBeLessThanOrEqual(2 ** -52);
  });
  it('entropy skips masked entries (0·log 0 = 0) and is log n for a flat row', () => {
    expect(run(entropyLogitRows, [[1, -inf, 1]])[0]).toBeCloseTo(Math.log(2), 15);
    expect(relError(run(entropyLogitRows, [[2, 2, 2, 2]])[0]!, D.ln(4))).toBeLessThanOrEqual(
      2 ** -52,
    );
  });
});

describe('the non-finite policy per score', () => {
  const rows = [
    [1, Number.NaN, 2],
    [-inf, -inf, -inf],
    [inf, 0, inf],
    [inf, 0, 1],
  ];
  it('NaN row → NaN; masked → the limits; c entries +∞ → mass 1/c each', () => {
    expect(run(maxSoftmaxRows, rows)).toEqual([Number.NaN, 0, 0.5, 1]);
    expect(run(maxLogitRows, rows)).toEqual([Number.NaN, -inf, inf, inf]);
    expect(run(marginRows, rows)).toEqual([Number.NaN, 0, 0, 1]);
    expect(run(energyRows, rows)).toEqual([Number.NaN, inf, -inf, -inf]);
    expect(run(entropyLogitRows, rows)).toEqual([Number.NaN, 0, Math.log(2), 0]);
  });
});

describe('entropyProbabilityRows', () => {
  it('is −Σ p log p per row, 0·log 0 = 0, compensated', () => {
    const rows = [
      [0.5, 0.25, 0.25, 0],
      [1, 0, 0, 0],
      [0.1, 0.2, 0.3, 0.4],
    ];
    const out = new Float64Array(3);
    entropyProbabilityRows(new Float64Array(rows.flat()), out, 3, 4);
    rows.forEach((p, r) => {
      const e = p.reduce(
        (h: Dec, v) => (v === 0 ? h : h.minus(dec(v).times(D.ln(dec(v))))),
        new D(0),
      );
      const err = e.isZero() ? Math.abs(out[r]!) : relError(out[r]!, e);
      expect(err).toBeLessThanOrEqual(2 ** -51);
    });
    expect(out[1]).toBe(0);
  });
});

describe('a long row keeps its compensation', () => {
  // 2,001 logits whose plain sum of e^(x − max) is ~50 ulp off
  const x = [0];
  for (let i = 0; i < 1000; i++) x.push(-0.5, -3.7);
  const d = new D(1).plus(
    D.exp(-0.5)
      .plus(D.exp(dec(-3.7)))
      .times(1000),
  );

  it('max softmax probability, margin and entropy within 4 ulp of 60 digits', () => {
    const p = [D.exp(0), D.exp(-0.5), D.exp(dec(-3.7))].map((e) => e.div(d));
    const entropy = p[0]!
      .times(D.ln(p[0]!))
      .plus(
        p[1]!
          .times(D.ln(p[1]!))
          .plus(p[2]!.times(D.ln(p[2]!)))
          .times(1000),
      )
      .neg();
    const cases: [Kernel, Dec][] = [
      [maxSoftmaxRows, p[0]!],
      [marginRows, p[0]!.minus(p[1]!)],
      [entropyLogitRows, entropy],
    ];
    for (const [kernel, want] of cases)
      expect(relError(run(kernel, [x])[0]!, want), kernel.name).toBeLessThan(4 * 2 ** -53);
  });

  it('entropyProbabilityRows of a 2,001-entry row within 4 ulp of 60 digits', () => {
    const p = x.map((v) => Math.exp(v) / d.toNumber());
    const term = new Map<number, Dec>(); // −p log p once per distinct p
    for (const v of p)
      if (!term.has(v))
        term.set(
          v,
          dec(v)
            .times(D.ln(dec(v)))
            .neg(),
        );
    const want = p.reduce((h: Dec, v) => h.plus(term.get(v)!), new D(0));
    const out = new Float64Array(1);
    entropyProbabilityRows(Float64Array.from(p), out, 1, p.length);
    expect(relError(out[0]!, want)).toBeLessThan(4 * 2 ** -53);
  });
});
