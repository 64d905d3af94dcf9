/**
 * RowChain, where the sampling chain of one row stands (tested end to end through
 * test/sampling/sample.test.ts and filters.test.ts): edits before the candidate
 * list are overrides that leave the row untouched; the list applies them; the top-k
 * step straight from the row equals a sort-based top-k with ties kept, on either
 * backend.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newCandidates } from '../../src/kernels/sampling-candidates.js';
import { newTopKBatch, newTopKState } from '../../src/kernels/top-k.js';
import { wasmBackend } from '../../src/kernels/wasm/index.js';
import { RowChain } from '../../src/sampling/row-chain.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';

function chainOn(row: ArrayLike<number>, k = 8): RowChain {
  const c = new RowChain('test', newCandidates(row.length), newTopKState(k));
  c.a = row;
  c.n = row.length;
  return c;
}

const listed = (c: RowChain) => ({
  idx: Array.from(c.c.idx.subarray(0, c.c.m)),
  val: Array.from(c.c.val.subarray(0, c.c.m)),
});

describe('RowChain', () => {
  it('keeps edits beside the row until it is listed, then applies them and drops removed tokens', () => {
    const row = Float64Array.of(1, 2, 3, 4);
    const c = chainOn(row);
    c.set(1, 10);
    c.set(3, Number.NEGATIVE_INFINITY);
    expect(c.get(1)).toBe(10);
    expect(c.get(0)).toBe(1);
    expect(Array.from(row)).toEqual([1, 2, 3, 4]); // the input is never written
    c.list(undefined, -1);
    expect(listed(c)).toEqual({ idx: [0, 1, 2], val: [1, 10, 3] });
    expect(c.get(3)).toBe(Number.NEGATIVE_INFINITY);
  });
  it('names the row and the index of a NaN when it lists the row', () => {
    const c = chainOn([0, Number.NaN, 1]);
    c.row = 4;
    expect(() => c.list(undefined, -1)).toThrow(SoftmaxKitError);
    expect(() => c.list(undefined, -1)).toThrow(/row 4 .*NaN at index 1/);
  });
  for (const backend of [undefined, wasmBackend])
    it(`takes the top k from the row with ties kept, in index order (${backend ? 'wasm' : 'js'})`, () => {
      const n = 1000;
      const row = new Float32Array(n);
      for (let i = 0; i < n; i++) row[i] = Math.round(Math.cos(i * 7.31) * 40) / 8;
      const k = 5;
      const c = chainOn(row, 64);
      c.backend = backend;
      c.set(17, 100); // an edited token jumps to the top
      expect(c.topKFromRow(k)).toBe(true);
      // sort-based reference over the edited row
      const edited = Array.from(row);
      edited[17] = 100;
      const kth = [...edited].sort((a, b) => b - a)[k - 1]!;
      const want = edited.flatMap((v, i) => (v >= kth ? [i] : []));
      expect(listed(c).idx).toEqual(want);
      expect(listed(c).val).toEqual(want.map((i) => edited[i]));
    });

  it('from a batch buffer of k + 2 (or a call of its own), any edits: the sort-based top k, ties kept', () => {
    const value = fc.oneof(fc.integer({ min: -6, max: 6 }), fc.constant(Number.NEGATIVE_INFINITY));
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 4, maxLength: 60 }),
        fc.array(fc.tuple(fc.nat(), value), { maxLength: 8 }),
        fc.integer({ min: 1, max: 6 }),
        (raw, edits, k0) => {
          const row = Float32Array.from(raw, (v) => v / 2);
          const n = row.length;
          const k = Math.min(k0, n - 1);
          const c = chainOn(row, 64);
          c.backend = wasmBackend;
          c.batch = newTopKBatch(1, k + 2 <= n ? k + 2 : n);
          wasmBackend.topKRows!(row, 0, n, 1, n, c.batch.k, false, c.batch);
          const edited = Array.from(row);
          for (const [t, v] of edits) {
            c.set(t % n, v);
            edited[t % n] = v;
          }
          if (!c.topKFromRow(k)) return; // the general path (too many edits for the row)
          const kth = [...edited].sort((a, b) => b - a)[k - 1]!;
          const want = edited.flatMap((v, i) =>
            v >= kth && v > Number.NEGATIVE_INFINITY ? [i] : [],
          );
          expect(listed(c).idx).toEqual(want);
          expect(listed(c).val).toEqual(want.map((i) => edited[i]));
        },
      ),
      { numRuns: 500 },
    );
  });
});
