/**
 * The 'wasm' backend's fused top-k + normalizer over many rows (assembly/top-k.ts;
 * ../top-k.ts topKRow / topKSelect are the reference, bit for bit for the buffer).
 *
 * Rows that live in the WebAssembly memory (a `wasmArray`) are read in place, at any
 * row stride (the last position of each sequence of a [batch, seq, vocabulary]
 * tensor, the other positions untouched); others are copied into scratch chunk by
 * chunk (the backend's copyRows), so with `configure({ threads })` the workers run
 * the kernel on one chunk while this thread copies the next. Each row's result is
 * computed by the same code whichever thread runs it: identical for any thread count.
 *
 * Error bound: the buffer holds the input's own values (exact); the normalizer
 * Σ e^(x − max) is within 2^−24 relative for Float32 rows (expDiff32 ≤ 1.05 ulp,
 * double lanes) and ~1e−16 for Float64 rows (exp64 ≤ 2 ulp, TwoSum-compensated).
 *
 * @example
 * // not called directly: softmaxTopK(x, { k: 8 }) and sample(x, { topK: 40 }) run it
 */

import { runRows } from '../threads/pool.js';
import type { TopKBatch, TopKRowsArgs } from '../top-k.js';
import { mergeTopKParts, partLength } from '../top-k-parts.js';
import { copyRows } from './copy-rows.js';
import { wasmKernels } from './load.js';
import { fitScratch, inWasm, scratch } from './memory.js';

/**
 * Elements per pipelined copy chunk and thread for the selection pass alone: it costs
 * about what its copy does, so chunks of several rows of a large vocabulary keep the
 * hand-offs between this thread (copies) and the workers (kernel) few.
 */
const SELECT_CHUNK = 1 << 19;

/** Scratch addresses of a block of rows' results (a TopKBatch's arrays). */
interface Regions {
  vals: number;
  idx: number;
  state: number;
  flags: number;
}

/**
 * Backend.topKRows on the 'wasm' backend: the fused top-k + normalizer pass, the k
 * largest of each row (and the normalizer); see TopKRowsKernel in ../top-k.ts. A long
 * normalizing row goes to the kernel in parts (../top-k-parts.ts: partLength, merged
 * here), so the pool shares even a single row.
 */
export function wasmTopKRows(
  ...[x, first, stride, rows, n, k, normalize, out, ready]: TopKRowsArgs
): boolean {
  const kern = wasmKernels();
  if (!kern || rows === 0) return false;
  const f32 = x instanceof Float32Array;
  const name = f32 ? 'topK_f32' : 'topK_f64';
  const w = x.BYTES_PER_ELEMENT;
  const N = normalize ? 1 : 0;
  const part = partLength(n, k, normalize);
  const parts = Math.ceil(n / part); // kernel units per row
  const take = (sc: { take(bytes: number): number }, t: number): Regions => ({
    vals: sc.take(t * parts * k * 8),
    idx: sc.take(t * parts * k * 4),
    state: sc.take(t * parts * 24),
    flags: sc.take(t * parts),
  });
  // the kernel's arguments for units [q, q + u) (rows when parts = 1)
  const args = (x0: number, xs: number, b: Regions, q: number, u: number) => [
    x0,
    u,
    n,
    xs,
    k,
    N,
    b.vals + q * k * 8,
    b.idx + q * k * 4,
    b.state + q * 24,
    b.flags + q,
    q,
    part,
  ];
  // rows [r0, r0 + t) of `out` from the regions' rows [q, q + t)
  const read = (b: Regions, r0: number, t: number, q = 0) => {
    const buf = kern.memory.buffer;
    const at = (u: number, len: number): TopKBatch => ({
      k,
      values: new Float64Array(buf, b.vals + u * k * 8, len * k),
      indices: new Int32Array(buf, b.idx + u * k * 4, len * k),
      state: new Float64Array(buf, b.state + u * 24, len * 3),
      flags: new Uint8Array(buf, b.flags + u, len),
    });
    if (parts > 1) {
      const src = at(q * parts, t * parts);
      for (let j = 0; j < t; j++)
        mergeTopKParts(src, j * parts, parts, part, normalize, out, r0 + j);
      return;
    }
    const src = at(q, t);
    out.values.set(src.values, r0 * k);
    out.indices.set(src.indices, r0 * k);
    out.state.set(src.state, r0 * 3);
    out.flags.set(src.flags, r0);
  };
  if (inWasm(x)) {
    const s = scratch();
    const b = take(s, rows);
    if (!fitScratch(kern, s, b.vals, true)) return false;
    const x0 = x.byteOffset + first * w;
    // with `ready` (and whole rows), rows are handed over as they are done (runRows' pipeline)
    const done =
      ready && parts === 1
        ? (r0: number, t: number) => {
            read(b, r0, t, r0);
            ready(r0, t);
          }
        : undefined;
    runRows(kern, name, rows * parts, part, (q, u) => args(x0, stride, b, q, u), done);
    if (done === undefined) {
      read(b, 0, rows, 0);
      ready?.(0, rows);
    }
    return true;
  }
  const view = (at: number, len: number) =>
    f32
      ? new Float32Array(kern.memory.buffer, at, len)
      : new Float64Array(kern.memory.buffer, at, len);
  return copyRows(kern, rows, n, false, {
    name,
    perRow: n * w + parts * (k * 12 + 25),
    units: parts,
    fixed: 64 * 5,
    chunk: normalize ? undefined : SELECT_CHUNK,
    take: (sc, cr) => ({ x: sc.take(cr * n * w), ...take(sc, cr) }),
    copyIn: (b, r0, t) => {
      const from = first + r0 * stride;
      if (stride === n) view(b.x, t * n).set(x.subarray(from, from + t * n));
      else
        for (let r = 0; r < t; r++)
          view(b.x + r * n * w, n).set(x.subarray(from + r * stride, from + r * stride + n));
    },
    args: (b, q, u) => args(b.x, n, b, q, u),
    copyOut: (b, r0, t) => {
      read(b, r0, t);
      ready?.(r0, t);
    },
  });
}
