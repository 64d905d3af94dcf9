/**
 * The samplers' bridge to a backend's batch top-k (Backend.topKRows; the wasm
 * backend's SIMD kernel, ../kernels/wasm/top-k.ts): a block of rows at once, so
 * that with `configure({ threads })` the heavy pass over the vocabulary runs on the
 * worker pool while the calling thread keeps the small per-row remainder. Rows the
 * kernel flags (NaN, +∞; normalizing, fully −∞), and every row when the backend has
 * no such kernel or the rows are not contiguous floats, fall to the JavaScript
 * reference (../kernels/top-k.ts), row by row.
 */
import type { Backend } from '../kernels/backend.js';
import { newTopKBatch, type TopKBatch } from '../kernels/top-k.js';
import type { LogitRows } from './rows.js';

/** Elements per block of rows handed to the backend at once (at least one row). */
const BLOCK_ELEMENTS = 1 << 23;

/** Rows per block for rows of n. */
export function blockRows(n: number): number {
  return Math.max(1, Math.floor(BLOCK_ELEMENTS / n));
}

/**
 * Rows [r0, r0 + t) through `backend`'s batch top-k (k per row, normalized when
 * `normalize`) into `reuse` when it is big enough, else a new batch; undefined when
 * the backend has no such kernel, the rows are not contiguous floats, or it declines.
 * `ready(batch, q, u)`: the batch's rows [q, q + u) are final (called during the
 * backend's call, while the pool selects the next rows; see TopKRowsArgs).
 */
export function blockTopK(
  backend: Backend,
  rows: LogitRows,
  k: number,
  normalize: boolean,
  r0: number,
  t: number,
  reuse?: TopKBatch,
  ready?: (batch: TopKBatch, q: number, u: number) => void,
): TopKBatch | undefined {
  const c = backend.topKRows && rows.contiguous();
  if (!c) return undefined;
  const out = reuse && reuse.k === k && reuse.flags.length >= t ? reuse : newTopKBatch(t, k);
  const done = backend.topKRows!(
    c.data,
    c.first + r0 * c.stride,
    c.stride,
    t,
    rows.n,
    k,
    normalize,
    out,
    ready && ((q, u) => ready(out, q, u)),
  );
  return done ? out : undefined;
}
