import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newTopKBatch, newTopKState, type TopKBatch, topKSelect } from '../../src/kernels/top-k.js';
import { mergeTopKParts, partLength } from '../../src/kernels/top-k-parts.js';

const NEG = Number.NEGATIVE_INFINITY;

/** Σ e^(x − m) over the entries > −∞: Math.exp terms, summed in index order (independent of the merge). */
function plainSum(row: ArrayLike<number>, m: number): number {
  let s = 0;
  for (let i = 0; i < row.length; i++) if (row[i]! > NEG) s += Math.exp(row[i]! - m);
  return s;
}

/** The whole row's k largest (value, then lower index) by a full sort: the reference. */
function sortTopK(row: number[], k: number): { values: number[]; indices: number[] } {
  const order = row.map((_, i) => i).sort((a, b) => row[b]! - row[a]! || a - b);
  const indices = order.slice(0, k);
  return { values: indices.map((i) => row[i]!), indices };
}

/** Each part of `part` entries as the kernel leaves it: its buffer (the JS reference), max, Σ, ties. */
function partsOf(row: number[], k: number, part: number): TopKBatch {
  const parts = Math.ceil(row.length / part);
  const src = newTopKBatch(parts, k);
  const st = newTopKState(k);
  for (let p = 0; p < parts; p++) {
    const x = row.slice(p * part, (p + 1) * part);
    src.flags[p] = x.some((v) => Number.isNaN(v) || v === Number.POSITIVE_INFINITY) ? 1 : 0;
    topKSelect(x, 0, x.length, k, st);
    src.values.set(st.values, p * k);
    src.indices.set(st.indices, p * k);
    const m = st.values[0]!;
    const last = st.values[k - 1]!;
    const kept = new Set(st.indices);
    src.state[3 * p] = m;
    src.state[3 * p + 1] = m > NEG ? plainSum(x, m) : 0;
    src.state[3 * p + 2] = x.filter((v, i) => v === last && !kept.has(i)).length;
  }
  return src;
}

describe('partLength', () => {
  it('cuts only normalizing rows longer than 2^15, into parts within one entry of each other, the last ≥ k', () => {
    expect(partLength(32_768, 8, true)).toBe(32_768);
    expect(partLength(256_000, 8, false)).toBe(256_000);
    for (const n of [32_769, 65_537, 128_256, 256_000, 1_000_003]) {
      const part = partLength(n, 64, true);
      const parts = Math.ceil(n / part);
      expect(parts).toBe(Math.ceil(n / 32_768));
      expect(part).toBeLessThanOrEqual(32_768);
      expect(part - (n - (parts - 1) * part)).toBeLessThan(parts);
    }
    // a last part shorter than k: not cut
    expect(partLength(32_769, 16_385, true)).toBe(32_769);
  });
});

describe('mergeTopKParts', () => {
  const entry = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: -3, max: 3 }) }, // ties within and across parts
    { weight: 6, arbitrary: fc.double({ min: -60, max: 60, noNaN: true }) },
    { weight: 1, arbitrary: fc.constant(NEG) },
  );

  it('the whole row by a sort: buffer bit for bit (ties by the lower index), max, Σ, ties left out', () => {
    fc.assert(
      fc.property(
        fc.array(entry, { minLength: 2, maxLength: 120 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 60 }),
        (row, part0, k0) => {
          const part = Math.min(part0, row.length);
          const parts = Math.ceil(row.length / part);
          const k = Math.min(k0, row.length - (parts - 1) * part); // every part holds ≥ k
          const out = newTopKBatch(2, k);
          mergeTopKParts(partsOf(row, k, part), 0, parts, part, false, out, 1);
          const want = sortTopK(row, k);
          expect(Array.from(out.indices.subarray(k))).toEqual(want.indices);
          expect(Array.from(out.values.subarray(k))).toEqual(want.values);
          const m = Math.max(...row);
          expect(out.state[3]).toBe(m);
          const last = want.values[k - 1]!;
          const kept = new Set(want.indices);
          expect(out.state[5]).toBe(row.filter((v, i) => v === last && !kept.has(i)).length);
          expect(out.flags[1]).toBe(0);
          if (m > NEG) {
            const sum = plainSum(row, m);
            expect(Math.abs(out.state[4]! - sum)).toBeLessThanOrEqual(1e-13 * sum);
          } else expect(out.state[4]).toBe(0);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a flagged part (NaN, +∞) flags the row; all parts −∞ flags a normalizing row only', () => {
    const k = 2;
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const row = [1, 2, 3, 4, bad, 6];
      const out = newTopKBatch(1, k);
      mergeTopKParts(partsOf(row, k, 3), 0, 2, 3, true, out, 0);
      expect(out.flags[0]).toBe(1);
    }
    const masked = [NEG, NEG, NEG, NEG];
    for (const normalize of [true, false]) {
      const out = newTopKBatch(1, k);
      mergeTopKParts(partsOf(masked, k, 2), 0, 2, 2, normalize, out, 0);
      expect(out.flags[0]).toBe(normalize ? 1 : 0);
    }
    // one part fully −∞: the row's result from the other
    const out = newTopKBatch(1, k);
    mergeTopKParts(partsOf([NEG, NEG, 5, 1], k, 2), 0, 2, 2, true, out, 0);
    expect(Array.from(out.indices)).toEqual([2, 3]);
    expect(out.state[1]).toBeCloseTo(1 + Math.exp(-4), 15);
  });
});
