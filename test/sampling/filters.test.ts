import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowedTokensFilter,
  epsilonFilter,
  etaFilter,
  minPFilter,
  topKFilter,
  topNSigmaFilter,
  topPFilter,
  typicalFilter,
  xtcFilter,
} from '../../src/sampling/filters.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import {
  refEpsilon,
  refEta,
  refMinP,
  refTopK,
  refTopNSigma,
  refTopP,
  refTypical,
  refXtc,
} from './reference.js';

const NEG = Number.NEGATIVE_INFINITY;

/** Logit rows with ties (small integers), spread doubles, −∞ entries, and a NaN row now and then. */
const value = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -3, max: 3 }) },
  { weight: 4, arbitrary: fc.double({ min: -30, max: 30, noNaN: true }) },
  { weight: 1, arbitrary: fc.constant(NEG) },
);
const row = fc.oneof(
  { weight: 30, arbitrary: fc.array(value, { minLength: 1, maxLength: 64 }) },
  {
    weight: 1,
    arbitrary: fc
      .array(value, { minLength: 1, maxLength: 16 })
      .map((r) => r.map((v, i) => (i === 0 ? Number.NaN : v))),
  },
);
const mass = fc.integer({ min: 1, max: 100 }).map((v) => v / 100);
const minKeep = fc.integer({ min: 0, max: 5 });
const RUNS = 1300; // × 8 filters: > 10,000 random rows

/** f(x) on Float64 and Float32 equals the reference on the same values, entry for entry (bits). */
function check(
  f: (x: Float64Array | Float32Array) => Float64Array | Float32Array,
  ref: (x: number[]) => number[],
  x: number[],
): void {
  expect(Array.from(f(Float64Array.from(x)))).toEqual(ref(x));
  const x32 = Float32Array.from(x);
  expect(Array.from(f(x32))).toEqual(Array.from(Float32Array.from(ref(Array.from(x32)))));
}

describe('filters equal their sort-based references (HF semantics, ties kept)', () => {
  it('topKFilter', () => {
    fc.assert(
      fc.property(row, fc.integer({ min: 1, max: 70 }), (x, k) =>
        check(
          (a) => topKFilter(a, { k }),
          (r) => refTopK(r, k),
          x,
        ),
      ),
      { numRuns: RUNS },
    );
  });
  it('topPFilter', () => {
    fc.assert(
      fc.property(row, mass, minKeep, (x, p, mk) =>
        check(
          (a) => topPFilter(a, { p, minKeep: mk }),
          (r) => refTopP(r, p, mk),
          x,
        ),
      ),
      { numRuns: RUNS },
    );
  });
  it('minPFilter', () => {
    fc.assert(
      fc.property(row, mass, minKeep, (x, p, mk) =>
        check(
          (a) => minPFilter(a, { p, minKeep: mk }),
          (r) => refMinP(r, p, mk),
          x,
        ),
      ),
      { numRuns: RUNS },
    );
  });
  it('typicalFilter', () => {
    fc.assert(
      fc.property(row, mass, minKeep, (x, p, mk) =>
        check(
          (a) => typicalFilter(a, { p, minKeep: mk }),
          (r) => refTypical(r, p, mk),
          x,
        ),
      ),
      { numRuns: RUNS },
    );
  });
  it('epsilonFilter', () => {
    const eps = fc.integer({ min: 1, max: 300 }).map((v) => v / 1000);
    fc.assert(
      fc.property(row, eps, minKeep, (x, e, mk) =>
        check(
          (a) => epsilonFilter(a, { epsilon: e, minKeep: mk }),
          (r) => refEpsilon(r, e, mk),
          x,
        ),
      ),
      { numRuns: RUNS },
    );
  });
  it('etaFilter', () => {
    const eta = fc.integer({ min: 1, max: 900 }).map((v) => v / 1000);
    fc.assert(
      fc.property(row, eta, minKeep, (x, e, mk) =>
        check(
          (a) => etaFilter(a, { eta: e, minKeep: mk }),
          (r) => refEta(r, e, mk),
          x,
        ),
      ),
      { numRuns: RUNS },
    );
  });
  it('topNSigmaFilter', () => {
    const n = fc.integer({ min: 0, max: 40 }).map((v) => v / 10);
    fc.assert(
      fc.property(row, n, (x, s) =>
        check(
          (a) => topNSigmaFilter(a, { n: s }),
          (r) => refTopNSigma(r, s),
          x,
        ),
      ),
      { numRuns: RUNS },
    );
  });
  it('xtcFilter (probability 1 always applies, 0 never)', () => {
    const thr = fc.integer({ min: 0, max: 60 }).map((v) => v / 100);
    fc.assert(
      fc.property(row, thr, minKeep, fc.boolean(), (x, t, mk, on) =>
        check(
          (a) => xtcFilter(a, { threshold: t, probability: on ? 1 : 0, minKeep: mk, seed: 1 }),
          (r) => (on ? refXtc(r, t, mk) : r),
          x,
        ),
      ),
      { numRuns: RUNS },
    );
  });
});

describe('filters at scale and on any axis', () => {
  it('agree with the references on vocabularies up to 256,000', () => {
    const rowOf = (n: number) => {
      const x = Array.from(
        { length: n },
        (_, i) => Math.sin(i * 12.9898) * 8 + (i % 7 === 0 ? 1 : 0),
      );
      if (n > 10) x[5] = NEG;
      return x;
    };
    const big = rowOf(256000); // one row of each large size: the references sort, so they are slow
    expect(Array.from(topKFilter(Float64Array.from(big), { k: 40 }))).toEqual(refTopK(big, 40));
    expect(Array.from(topPFilter(Float64Array.from(big), { p: 0.9 }))).toEqual(
      refTopP(big, 0.9, 1),
    );
    const mid = rowOf(32000);
    expect(Array.from(minPFilter(Float64Array.from(mid), { p: 0.05 }))).toEqual(
      refMinP(mid, 0.05, 1),
    );
    expect(Array.from(typicalFilter(Float64Array.from(mid), { p: 0.9 }))).toEqual(
      refTypical(mid, 0.9, 1),
    );
  });
  it('a non-last axis equals the filter of each column', () => {
    const rows = 5;
    const cols = 3;
    const x = Array.from({ length: rows * cols }, (_, i) => Math.cos(i * 1.7) * 3);
    const y = topPFilter(x, { p: 0.7, shape: [rows, cols], axis: 0 });
    for (let c = 0; c < cols; c++) {
      const col = Array.from({ length: rows }, (_, r) => x[r * cols + c]!);
      const want = refTopP(col, 0.7, 1);
      for (let r = 0; r < rows; r++) expect(y[r * cols + c]).toBe(want[r]);
    }
  });
  it('a batch equals its rows, and `out` is filled', () => {
    const x = new Float32Array([1, 2, 3, 3, 2, 1]);
    const out = new Float32Array(6);
    expect(topKFilter(x, { k: 1, shape: [2, 3], out })).toBe(out);
    expect(Array.from(out)).toEqual([NEG, NEG, 3, 3, NEG, NEG]);
  });
});

describe('filter edges', () => {
  it('a fully masked row stays −∞; a NaN row is returned unchanged; +∞ throws naming the row', () => {
    expect(Array.from(topPFilter([NEG, NEG], { p: 0.5 }))).toEqual([NEG, NEG]);
    expect(Array.from(minPFilter([Number.NaN, 1], { p: 0.5 }))).toEqual([Number.NaN, 1]);
    expect(() => topKFilter([0, 1, 2, Infinity], { k: 1, shape: [2, 2] })).toThrow(/row 1/);
  });
  it('k < 1 throws K_OUT_OF_RANGE; unknown options name the nearest', () => {
    expect(() => topKFilter([1, 2], { k: 0 })).toThrow(
      expect.objectContaining({ code: 'K_OUT_OF_RANGE' }),
    );
    expect(() => topPFilter([1, 2], { p: 0.5, minkeep: 2 } as never)).toThrow(
      /did you mean 'minKeep'/,
    );
    expect(() => topPFilter([1, 2], { p: 0 })).toThrow(SoftmaxKitError);
  });
  it('xtc applies with the configured probability, per row', () => {
    const rows = 4000;
    const x = new Float64Array(rows * 3);
    for (let r = 0; r < rows; r++) x.set([2, 2.1, -1], r * 3);
    const y = xtcFilter(x, { threshold: 0.2, probability: 0.3, seed: 9, shape: [rows, 3] });
    let applied = 0;
    for (let r = 0; r < rows; r++) if (y[r * 3 + 1] === NEG) applied++;
    expect(Math.abs(applied / rows - 0.3)).toBeLessThan(4 * Math.sqrt((0.3 * 0.7) / rows));
  });
  it('allowedTokensFilter masks per row or for every row', () => {
    expect(Array.from(allowedTokensFilter([1, 2, 3], { allowed: [true, false, true] }))).toEqual([
      1,
      NEG,
      3,
    ]);
    const y = allowedTokensFilter([1, 2, 3, 4], {
      shape: [2, 2],
      allowed: new Uint8Array([1, 0, 0, 1]),
    });
    expect(Array.from(y)).toEqual([1, NEG, NEG, 4]);
    expect(() => allowedTokensFilter([1, 2], { allowed: [true] })).toThrow(/length 2/);
  });
  it('does not modify its input', () => {
    const x = new Float32Array([3, 1, 2]);
    topKFilter(x, { k: 1 });
    expect(Array.from(x)).toEqual([3, 1, 2]);
  });
});
