/**
 * The copy pipeline of the 'wasm' backend: a row kernel's call over arrays that do not
 * live in the WebAssembly memory. Rows are copied into scratch in chunks (≈ CHUNK
 * elements per thread, at least one row), the kernel runs there, the results are copied
 * back. With a worker pool (../threads/pool.ts) the chunks are pipelined over three
 * slots, so the copies of one chunk overlap the workers' kernel on the next; rows are
 * independent and every row runs the same kernel, so the results are the same bit for
 * bit whatever the thread count. Used by ./backend.ts (the row kernels) and
 * ./attention.ts (flash-decoding's key chunks).
 */
import {
  configuredThreads,
  kernelOf,
  type RowKernelName,
  runRows,
  startShared,
  workersFor,
} from '../threads/pool.js';
import type { WasmKernels } from './load.js';
import { chunkRowsFitting, ensureBytes, type Scratch, scratch } from './memory.js';

/** Elements per copy chunk (256 KiB of Float32: the chunk stays in L2 between passes). */
const CHUNK = 1 << 16;

/**
 * Rows per copy chunk for rows of length n needing `perRow` scratch bytes per row
 * plus `fixed` (≈ CHUNK elements, at least one row, fewer when a plain memory
 * holding views must not grow); 0: the JS kernel takes the call.
 */
function chunkRows(
  k: WasmKernels,
  rows: number,
  n: number,
  perRow: number,
  fixed: number,
  pinned: boolean,
  chunk = CHUNK,
): number {
  const want = Math.max(1, Math.min(rows, Math.floor((chunk * configuredThreads()) / n)));
  return chunkRowsFitting(k, want, perRow, fixed, pinned);
}

/** Alignment slack of `takes` scratch regions (for a CopyJob's `fixed`). */
export const slack = (takes: number) => 64 * takes;

/** One copy-path call: its scratch regions per slot, its copies, its kernel's arguments. */
export interface CopyJob<S> {
  readonly name: RowKernelName;
  /** Scratch bytes per row and per slot (for fitting the chunk). */
  readonly perRow: number;
  readonly fixed: number;
  /**
   * Elements per chunk and thread when pipelined with workers (default CHUNK): more for
   * a kernel as cheap as its copy, whose per-chunk hand-offs would otherwise dominate.
   */
  readonly chunk?: number;
  /**
   * Kernel units per row (default 1): a kernel that cuts each row into parts (the top-k
   * kernel's long rows) takes its arguments per unit, so the pool can share one row.
   */
  readonly units?: number;
  /** Take one slot's regions for up to `cr` rows. */
  take(sc: Scratch, cr: number): S;
  /** Once the scratch is in place (before any copy). */
  start?(): void;
  /** Copy rows [r0, r0 + t) of the inputs into the slot. */
  copyIn(s: S, r0: number, t: number): void;
  /** The kernel's arguments for units [q, q + u) of the slot (rows unless `units`). */
  args(s: S, q: number, u: number): number[];
  /** Copy the slot's t results out to rows [r0, r0 + t); `bad`: some row was flagged. */
  copyOut(s: S, r0: number, t: number, bad: boolean): void;
}

/**
 * Run a copy-path call over `rows` rows of n in chunks. Without workers (or with
 * fewer than three chunks): copy in, run (split across the pool by runRows), copy
 * out. With workers the chunks are pipelined over three slots: while the workers
 * claim the rows of chunk i, this thread runs its own share, copies chunk i − 1 out
 * and chunk i + 1 in. Its share of the next chunk is set from what it measured on
 * this one (its kernel time per row, its copy time) so that its copies plus its rows
 * take as long as each worker's rows. Rows are independent and every row runs the same
 * kernel, so the results are the same bit for bit. False: the scratch does not fit.
 */
export function copyRows<S>(
  k: WasmKernels,
  rows: number,
  n: number,
  pinned: boolean,
  job: CopyJob<S>,
  sc: Scratch = scratch(),
): boolean {
  const U = job.units ?? 1;
  const workers = workersFor(k, rows * U, rows * n);
  let cr = workers ? chunkRows(k, rows, n, 3 * job.perRow, 3 * job.fixed, pinned, job.chunk) : 0;
  const slots = cr && rows >= 3 * cr ? 3 : 1;
  if (slots === 1) cr = chunkRows(k, rows, n, job.perRow, job.fixed, pinned);
  const slot = Array.from({ length: slots }, () => job.take(sc, cr));
  if (!cr || !ensureBytes(k, sc.end, pinned)) return false;
  job.start?.();
  if (slots === 1) {
    const s = slot[0]!;
    for (let r0 = 0; r0 < rows; r0 += cr) {
      const t = Math.min(cr, rows - r0);
      job.copyIn(s, r0, t);
      const bad = runRows(k, job.name, t * U, Math.ceil(n / U), (q, u) => job.args(s, q, u));
      job.copyOut(s, r0, t, bad > 0);
    }
    return true;
  }
  const fn = kernelOf(k, job.name);
  const chunks = Math.ceil(rows / cr);
  const rowsOf = (c: number) => Math.min(cr, rows - c * cr);
  let mine = Math.max(1, Math.round(rowsOf(0) / (2 * (workers + 1)))); // a first guess
  let perRowMs = 0; // this thread's kernel time per row, as measured
  let badPrev = 0;
  job.copyIn(slot[0]!, 0, rowsOf(0));
  for (let c = 0; c < chunks; c++) {
    const s = slot[c % 3]!;
    const t = rowsOf(c);
    mine = Math.min(mine, t - 1);
    const rest = (q: number, u: number) => job.args(s, mine * U + q, u);
    const finish = startShared(k, job.name, (t - mine) * U, workers, rest, false);
    const t0 = performance.now();
    let bad = mine > 0 ? fn(...job.args(s, 0, mine * U)) : 0;
    const t1 = performance.now();
    if (c > 0) job.copyOut(slot[(c - 1) % 3]!, (c - 1) * cr, rowsOf(c - 1), badPrev > 0);
    if (c + 1 < chunks) job.copyIn(slot[(c + 1) % 3]!, (c + 1) * cr, rowsOf(c + 1));
    const copyMs = performance.now() - t1;
    bad += finish();
    badPrev = bad;
    if (mine > 0) perRowMs = (t1 - t0) / mine;
    // next chunk: copyMs + mine·perRow ≈ (next − mine)·perRow / workers
    const next = c + 1 < chunks ? rowsOf(c + 1) : 0;
    if (perRowMs > 0 && next > 0) {
      const m = (next * perRowMs - workers * copyMs) / ((workers + 1) * perRowMs);
      mine = Math.max(0, Math.min(next - 1, Math.round(m)));
    }
  }
  job.copyOut(slot[(chunks - 1) % 3]!, (chunks - 1) * cr, rowsOf(chunks - 1), badPrev > 0);
  return true;
}
