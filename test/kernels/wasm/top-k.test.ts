import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configure } from '../../../src/kernels/threads/pool.js';
import { newTopKBatch, newTopKState, topKRow, topKSelect } from '../../../src/kernels/top-k.js';
import { partLength } from '../../../src/kernels/top-k-parts.js';
import { wasmBackend } from '../../../src/kernels/wasm/backend.js';
import '../../../src/kernels/wasm/index.js';
import { loadWasmSync } from '../../../src/kernels/wasm/load.js';
import { freeWasmArray, wasmArray } from '../../../src/kernels/wasm/memory.js';
import { filled, VARIANTS } from './helpers.js';

const NEG = Number.NEGATIVE_INFINITY;
const topKRows = () => wasmBackend.topKRows!;

/** Σ e^(x − m) over the finite entries: Math.exp terms, Neumaier-summed (an independent reference). */
function refSum(row: ArrayLike<number>, m: number): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    if (!(v > NEG)) continue;
    const e = Math.exp(v - m);
    const t = s + e;
    c += s >= e ? s - t + e : e - t + s;
    s = t;
  }
  return s + c;
}

/** Entries outside the k largest (value, then lower index) equal to the k-th. */
function refTies(row: ArrayLike<number>, kept: Int32Array, last: number): number {
  const inBuffer = new Set(kept);
  let t = 0;
  for (let i = 0; i < row.length; i++) if (row[i] === last && !inBuffer.has(i)) t++;
  return t;
}

/**
 * Check every row of a batch result against the JS reference kernel (buffer bit for
 * bit) and the independent references (max, Σ e^(x − max), ties); rows with NaN or +∞
 * (or, normalizing, fully −∞) must be flagged.
 */
function checkRows(
  {
    x,
    first,
    stride,
    rows,
    n,
  }: { x: Float32Array | Float64Array; first: number; stride: number; rows: number; n: number },
  k: number,
  normalize: boolean,
): void {
  const out = newTopKBatch(rows, k);
  expect(topKRows()(x, first, stride, rows, n, k, normalize, out)).toBe(true);
  const st = newTopKState(k);
  const tol = x instanceof Float32Array ? 2.5e-7 : 1e-15;
  for (let r = 0; r < rows; r++) {
    const o = first + r * stride;
    const row = x.subarray(o, o + n);
    const bad =
      row.some((v) => Number.isNaN(v) || v === Number.POSITIVE_INFINITY) ||
      (normalize && !row.some((v) => v > NEG));
    expect(out.flags[r]).toBe(bad ? 1 : 0);
    if (bad) continue;
    (normalize ? topKRow : topKSelect)(x, o, n, k, st);
    const vals = out.values.subarray(r * k, (r + 1) * k);
    const idx = out.indices.subarray(r * k, (r + 1) * k);
    expect(Array.from(idx)).toEqual(Array.from(st.indices.subarray(0, k)));
    expect(Array.from(vals)).toEqual(Array.from(st.values.subarray(0, k)));
    const m = out.state[3 * r]!;
    let max = NEG;
    for (const v of row) if (v > max) max = v;
    expect(m === max).toBe(true); // −0 and 0 alike

    expect(out.state[3 * r + 2]).toBe(refTies(row, idx, vals[k - 1]!));
    if (!normalize) expect(out.state[3 * r + 1]).toBe(0);
    else {
      const want = refSum(row, m);
      expect(Math.abs(out.state[3 * r + 1]! - want)).toBeLessThanOrEqual(tol * want);
    }
  }
}

const entry = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -4, max: 4 }) }, // many ties
  { weight: 8, arbitrary: fc.double({ min: -80, max: 80, noNaN: true }) },
  { weight: 1, arbitrary: fc.constant(NEG) },
  { weight: 1, arbitrary: fc.constant(Number.POSITIVE_INFINITY) },
  { weight: 1, arbitrary: fc.constant(Number.NaN) },
);

for (const variant of VARIANTS.filter((v) => !v.relaxedSimd)) {
  describe(`wasm topKRows (${variant.name})`, () => {
    beforeAll(() => loadWasmSync(variant));
    afterAll(() => loadWasmSync());

    for (const type of [Float32Array, Float64Array])
      it(`${type.name}: the JS reference's buffer bit for bit, the normalizer within bound, on random rows`, () => {
        fc.assert(
          fc.property(
            fc.array(fc.array(entry, { minLength: 1, maxLength: 70 }), {
              minLength: 1,
              maxLength: 4,
            }),
            fc.integer({ min: 1, max: 64 }),
            fc.boolean(),
            fc.integer({ min: 0, max: 3 }),
            (raw, k0, normalize, gap) => {
              const n = Math.min(...raw.map((r) => r.length));
              const k = Math.min(k0, n);
              const stride = n + gap;
              // rows at `1 + r·stride`, the gaps NaN: read, they would flag the row
              const x = new type(1 + raw.length * stride).fill(Number.NaN);
              for (const [i, r] of raw.entries()) x.set(r.slice(0, n), 1 + i * stride);
              checkRows({ x, first: 1, stride, rows: raw.length, n }, k, normalize);
            },
          ),
          { numRuns: 400 },
        );
      });

    // rows long enough that the candidates are merged 16 at a time, many times over
    const shaped = fc.oneof(
      fc.array(entry, { minLength: 1, maxLength: 600 }),
      fc
        .tuple(fc.integer({ min: 1, max: 600 }), fc.integer({ min: -3, max: 3 }), entry)
        .map(([n, slope, spike]) => {
          // rising (every entry a candidate), falling or flat rows, with one odd entry
          const r = Array.from({ length: n }, (_, i) => Math.round(i * slope) / 4);
          r[(n * 7) >> 3] = spike;
          return r;
        }),
    );
    for (const type of [Float32Array, Float64Array])
      it(`${type.name}: pending candidates merged into the buffer, k up to 130: the reference's buffer and ties`, () => {
        fc.assert(
          fc.property(
            fc.array(shaped, { minLength: 1, maxLength: 3 }),
            fc.integer({ min: 1, max: 130 }),
            fc.boolean(),
            (raw, k0, normalize) => {
              const n = Math.min(...raw.map((r) => r.length));
              const k = Math.min(k0, n);
              const x = new type(raw.length * n);
              for (const [i, r] of raw.entries()) x.set(r.slice(0, n), i * n);
              checkRows({ x, first: 0, stride: n, rows: raw.length, n }, k, normalize);
            },
          ),
          { numRuns: 300 },
        );
      });

    it('a row after a row (the threshold guessed from the one before): right, too high, too low, ties, NaN, −∞', () => {
      const n = 5000;
      const base = Array.from(filled(Float32Array, n, 4, -10, 10));
      const shifted = (d: number) => base.map((v) => v + d);
      const flat = new Array<number>(n).fill(3);
      const withNaN = shifted(0.5);
      withNaN[4321] = Number.NaN;
      const masked = new Array<number>(n).fill(NEG);
      masked[77] = 1;
      const rs = [
        base,
        shifted(0.5),
        shifted(-30),
        shifted(200),
        base,
        flat,
        flat,
        withNaN,
        base,
        masked,
        base,
      ];
      for (const type of [Float32Array, Float64Array]) {
        const x = new type(rs.length * n);
        for (const [i, r] of rs.entries()) x.set(r, i * n);
        for (const k of [16, 40, 64, 300])
          for (const normalize of [true, false])
            checkRows({ x, first: 0, stride: n, rows: rs.length, n }, k, normalize);
      }
    });

    it('long rows (1 … 256,000), k 1 … 104, both types, both modes', () => {
      for (const n of [1, 7, 33, 1000, 32_001, 256_000])
        for (const type of [Float32Array, Float64Array]) {
          const x = filled(type, 2 * n, n, -20, 20);
          if (n > 2) x[n + 2] = x[n + 1]!; // a tie in the second row
          for (const k of [1, 8, 64, 104].filter((k) => k <= n))
            for (const normalize of [true, false])
              checkRows({ x, first: 0, stride: n, rows: 2, n }, k, normalize);
        }
    });

    it('normalizing rows cut into parts (partLength): ties across the cuts, a −∞ part, NaN in the last part', () => {
      const n = 65_537; // three parts of 21,846 / 21,846 / 21,845
      const part = partLength(n, 1, true);
      expect(Math.ceil(n / part)).toBe(3);
      for (const type of [Float32Array, Float64Array]) {
        const x = filled(type, 4 * n, 3, -20, 20);
        // row 0: the max repeated on both sides of each cut, and a tie run across the second cut
        for (const i of [part - 1, part, 2 * part - 2, 2 * part - 1, 2 * part, 2 * part + 1])
          x[i] = 25;
        // row 1: its first part −∞; row 2: NaN in its last part; row 3: all −∞ but one entry
        x.fill(NEG, n, n + part);
        x[3 * n - 5] = Number.NaN;
        x.fill(NEG, 3 * n, 4 * n);
        x[3 * n + 2 * part + 7] = 0.5;
        for (const k of [1, 6, 64, 700]) checkRows({ x, first: 0, stride: n, rows: 4, n }, k, true);
      }
    });

    it('ties at the k-th are counted; constant and −∞ rows', () => {
      const x = new Float32Array([3, 1, 2, 2, 2, 0, 2, NEG, NEG, NEG, NEG, NEG, NEG, NEG]);
      const rows = { x, first: 0, stride: 7, rows: 2, n: 7 };
      checkRows(rows, 2, false); // the k-th is 2: three of the four 2s left out
      checkRows(rows, 2, true); // the −∞ row flagged
      const c = new Float64Array(4099).fill(0.5);
      checkRows({ x: c, first: 0, stride: 4099, rows: 1, n: 4099 }, 3, true);
    });

    it('rows in WebAssembly memory are read in place, at a stride (the last position of each sequence)', () => {
      const [batch, seq, n] = [3, 4, 1000];
      const x = wasmArray(Float32Array, batch * seq * n);
      x.set(filled(Float32Array, x.length, 9, -10, 10));
      for (const normalize of [true, false])
        checkRows({ x, first: (seq - 1) * n, stride: seq * n, rows: batch, n }, 16, normalize);
      freeWasmArray(x);
    });
  });
}

describe('wasm topKRows on threads', () => {
  it('one normalizing row cut into parts: 2 and 3 threads share it, with the same bits as one (copied and in place)', () => {
    loadWasmSync();
    const n = 256_000;
    for (const type of [Float32Array, Float64Array]) {
      const x = filled(type, n, 11, -15, 15) as Float32Array | Float64Array;
      const xw = wasmArray(type, n);
      xw.set(x);
      const runs = [1, 2, 3].map((threads) => {
        configure({ threads });
        return [x, xw].map((a) => {
          const out = newTopKBatch(1, 40);
          expect(topKRows()(a, 0, n, 1, n, 40, true, out)).toBe(true);
          return out;
        });
      });
      configure({ threads: 1 });
      freeWasmArray(xw);
      for (const run of runs)
        for (const out of run) {
          expect(out.flags[0]).toBe(0);
          expect(out.indices).toEqual(runs[0]![0]!.indices);
          expect(out.values).toEqual(runs[0]![0]!.values);
          expect(out.state).toEqual(runs[0]![0]!.state);
        }
    }
  });

  afterAll(() => configure({ threads: 1 }));
  // 37 × 3000: one chunk shared out; 31 × 100,000: the copies pipelined over three slots
  it.each([
    [37, 3000],
    [31, 100_000],
  ])('%i × %i: 2 and 3 threads give the same result as one (copied and in place)', (rows, n) => {
    loadWasmSync();
    const k = 40;
    for (const type of [Float32Array, Float64Array]) {
      const x = filled(type, rows * n, 5, -15, 15) as Float32Array | Float64Array;
      x[5 * n + 9] = Number.NaN; // a flagged row
      const xw = wasmArray(type, x.length);
      xw.set(x);
      const runs = [1, 2, 3].map((threads) => {
        configure({ threads });
        return [x, xw].flatMap((a) =>
          [true, false].map((normalize) => {
            const out = newTopKBatch(rows, k);
            topKRows()(a, 0, n, rows, n, k, normalize, out);
            return out;
          }),
        );
      });
      configure({ threads: 1 });
      freeWasmArray(xw);
      for (const run of runs.slice(1))
        run.forEach((out, i) => {
          const one = runs[0]![i]!;
          expect(out.flags).toEqual(one.flags);
          expect(one.flags[5]).toBe(1);
          for (let r = 0; r < rows; r++) {
            if (one.flags[r]) continue; // a flagged row's outputs are unused
            const row = (a: Float64Array | Int32Array, w: number) => a.subarray(r * w, (r + 1) * w);
            expect(row(out.indices, k)).toEqual(row(one.indices, k));
            expect(row(out.values, k)).toEqual(row(one.values, k));
            expect(row(out.state, 3)).toEqual(row(one.state, 3));
          }
        });
    }
  });
  it('in place with `ready`: each row handed over once, in order, already the reference buffer; 1, 2, 3 threads', () => {
    loadWasmSync();
    const [rows, seq, n, k] = [19, 2, 20_000, 24];
    const x = wasmArray(Float32Array, rows * seq * n);
    x.set(filled(Float32Array, x.length, 7, -15, 15));
    const st = newTopKState(k);
    for (const threads of [1, 2, 3]) {
      configure({ threads });
      const out = newTopKBatch(rows, k);
      let next = 0;
      const ready = (r0: number, t: number) => {
        expect(r0).toBe(next);
        for (let r = r0; r < r0 + t; r++) {
          topKSelect(x, (r * seq + seq - 1) * n, n, k, st); // the last position of sequence r
          expect(out.indices.subarray(r * k, (r + 1) * k)).toEqual(st.indices);
          expect(out.values.subarray(r * k, (r + 1) * k)).toEqual(st.values);
        }
        next = r0 + t;
      };
      expect(topKRows()(x, (seq - 1) * n, seq * n, rows, n, k, false, out, ready)).toBe(true);
      expect(next).toBe(rows);
    }
    configure({ threads: 1 });
    freeWasmArray(x);
  });
});
