import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newTopKState, topKRow, topKSelect } from '../../src/kernels/top-k.js';
import { D, dec } from '../helpers/reference.js';

/** The sort-based definition: indices by value descending, ties by lower index, NaN dropped. */
function sortTopK(row: number[], k: number): number[] {
  return row
    .map((v, i) => [v, i] as const)
    .filter(([v]) => !Number.isNaN(v))
    .sort((a, b) => (b[0] > a[0] ? 1 : b[0] < a[0] ? -1 : a[1] - b[1]))
    .slice(0, k)
    .map(([, i]) => i);
}

const entry = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -5, max: 5 }) }, // many ties
  { weight: 8, arbitrary: fc.double({ min: -1e3, max: 1e3, noNaN: true }) },
  { weight: 1, arbitrary: fc.constant(Number.NEGATIVE_INFINITY) },
  { weight: 1, arbitrary: fc.constant(Number.POSITIVE_INFINITY) },
  { weight: 1, arbitrary: fc.constant(Number.NaN) },
);

describe('topKRow', () => {
  for (const [name, pass, runs] of [
    ['topKRow', topKRow, 3000],
    ['topKSelect (no normalizer)', topKSelect, 1000],
  ] as const)
    it(`${name} selects what a full sort selects, ties by lower index, on ${runs} random rows`, () => {
      fc.assert(
        fc.property(
          fc.array(entry, { minLength: 1, maxLength: 80 }),
          fc.integer({ min: 1, max: 90 }),
          (row, k) => {
            const st = newTopKState(k);
            pass(new Float64Array([7, ...row, 7]), 1, row.length, k, st);
            const want = sortTopK(row, k);
            expect(Array.from(st.indices.subarray(0, st.count))).toEqual(want);
            expect(Array.from(st.values.subarray(0, st.count))).toEqual(want.map((i) => row[i]));
            expect(st.nan).toBe(row.filter(Number.isNaN).length);
            expect(st.posInf).toBe(row.filter((v) => v === Number.POSITIVE_INFINITY).length);
          },
        ),
        { numRuns: runs },
      );
    });

  it('its normalizer is Σ e^(x − ref) over the finite entries, to 4 ulp (60-digit reference)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -700, max: 700, noNaN: true, noDefaultInfinity: true }), {
          minLength: 1,
          maxLength: 200,
        }),
        (row) => {
          const st = newTopKState(3);
          topKRow(row, 0, row.length, 3, st);
          let s = new D(0);
          for (const v of row) s = s.plus(D.exp(dec(v).minus(dec(st.ref))));
          const got = st.sum + st.comp;
          expect(Math.abs(got - s.toNumber())).toBeLessThanOrEqual(4 * 2 ** -52 * s.toNumber());
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps a fully masked row empty and a huge spread from overflowing', () => {
    const st = newTopKState(2);
    topKRow([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY], 0, 2, 2, st);
    expect([st.count, st.ref, st.sum]).toEqual([2, Number.NEGATIVE_INFINITY, 0]);
    topKRow([-1.7e308, 1.7e308, 0], 0, 3, 1, st);
    expect([st.indices[0], st.ref, st.sum + st.comp]).toEqual([1, 1.7e308, 1]);
  });
});

describe('topKRow without the normalizer', () => {
  it('selects and counts exactly as with it', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: -3, max: 3 }),
            fc.double(),
            fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
          ),
          { maxLength: 60 },
        ),
        fc.integer({ min: 0, max: 20 }),
        (x, k) => {
          const a = newTopKState(k);
          const b = newTopKState(k);
          topKRow(x, 0, x.length, k, a);
          topKRow(x, 0, x.length, k, b, false);
          expect([b.count, b.nan, b.posInf, b.ref, b.sum]).toEqual([
            a.count,
            a.nan,
            a.posInf,
            -Infinity,
            0,
          ]);
          expect(Array.from(b.values.subarray(0, b.count))).toEqual(
            Array.from(a.values.subarray(0, a.count)),
          );
          expect(Array.from(b.indices.subarray(0, b.count))).toEqual(
            Array.from(a.indices.subarray(0, a.count)),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});
