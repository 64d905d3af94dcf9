/**
 * The worker pool's protocol (../threads/pool.ts), defined once and shared by both
 * sides: the row kernels a worker may run, each worker's control slots, the job that
 * describes a call, the chunk claiming (`share`) and the worker's program (`serve`),
 * whose source is built from these functions and handed the layout as data, so no
 * offset is written twice.
 *
 * Control (Int32, in a SharedArrayBuffer): SLOTS slots per worker, at w·SLOTS + SLOT.*:
 * SEQ (job number, bumped by the caller), OP (kernel index into KERNELS, −1 = stop),
 * DONE (the last job finished; −1 = started), RESULT (its summed kernel results); then
 * one more slot (the pool's `next`): the next chunk of the current call to claim; then
 * MAX_MARKS marks, one per chunk of a call that asks for them (set to 1 when the chunk
 * is done, so the caller can hand finished rows on while others run).
 * Job (Float64): [argc, count index, unit, total, rows per chunk, rows, marks, base…,
 * stride…]; marks is the first mark's index in the control, or −1 for none.
 */

/**
 * Row kernels the pool can run, each with its count argument's index (the rows;
 * flash-decoding: its keys, a chunk of them per row). A kernel is one line here: the
 * order gives the indices the worker is sent (KERNELS).
 */
const COUNT_ARG = {
  softmax_f32: 2,
  softmax_f64: 2,
  logSumExp_f32: 2,
  logSumExp_f64: 2,
  softmaxVjp_f32: 3,
  softmaxVjp_f64: 3,
  crossEntropy_f32: 2,
  crossEntropy_f64: 2,
  flashDecode: 4,
  temperatureRows_f32: 2,
  temperatureRows_f64: 2,
  temperatureStats_f32: 2,
  temperatureStats_f64: 2,
  topK_f32: 1,
  topK_f64: 1,
} as const;

/** A row kernel's export name. */
export type RowKernelName = keyof typeof COUNT_ARG;

/** The row kernels in index order (OP is an index into this list). */
export const KERNELS = Object.keys(COUNT_ARG) as RowKernelName[];

/** Kernel `name`'s count argument index. */
export const countArg = (name: RowKernelName): number => COUNT_ARG[name];

/** Each worker's control slots: offsets in its group of SLOTS. */
export const SLOT = { SEQ: 0, OP: 1, DONE: 2, RESULT: 3 } as const;
/** Control slots per worker. */
export const SLOTS = 4;

/** Kernel arguments a job holds at most. */
const MAX_ARGS = 12;
/** Job header entries before the arguments' bases and strides. */
export const JOB_HEADER = 7;
/** Chunks of one call that can be marked done (the control's last MAX_MARKS slots). */
export const MAX_MARKS = 256;
/** A job's length: its header, then ≤ MAX_ARGS bases and as many strides. */
export const JOB_LENGTH = JOB_HEADER + 2 * MAX_ARGS;

/**
 * Run chunks of a shared call until none is left: claim chunk c (Atomics.add on
 * ctrl[next]); its rows r0 = c·per … run with the arguments base + r0·stride, the
 * count entry set to min(t·unit, total − r0·unit) for its t rows (unit 1 for row
 * kernels, the keys per chunk for flash-decoding); with marks (job[6] ≥ 0), chunk c's
 * mark is then set to 1 and notified. The calling thread runs it, and every worker
 * from its source (so it uses nothing but its arguments; `header` is JOB_HEADER).
 * Returns the summed kernel results.
 */
export function share(
  fn: (...a: number[]) => number,
  job: Float64Array,
  ctrl: Int32Array,
  next: number,
  header: number,
): number {
  const [argc = 0, at = 0, unit = 0, total = 0, per = 0, rows = 0, marks = -1] = job;
  const a: number[] = new Array(argc);
  let result = 0;
  for (let c = Atomics.add(ctrl, next, 1); c * per < rows; c = Atomics.add(ctrl, next, 1)) {
    const r0 = c * per;
    for (let i = 0; i < argc; i++)
      a[i] = (job[header + i] ?? 0) + r0 * (job[header + argc + i] ?? 0);
    a[at] = Math.min(Math.min(per, rows - r0) * unit, total - r0 * unit);
    result += fn(...a);
    if (marks >= 0) {
      Atomics.store(ctrl, marks + c, 1);
      Atomics.notify(ctrl, marks + c);
    }
  }
  return result;
}

/** What a worker is sent at its start. */
export interface WorkerData {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly ctrl: Int32Array;
  readonly job: Float64Array;
  /** JOB_HEADER. */
  readonly jobHeader: number;
  /** This worker's index (its slots start at index·slots). */
  readonly index: number;
  readonly names: readonly RowKernelName[];
  readonly slot: typeof SLOT;
  readonly slots: number;
  /** Its instance's scratch (setScratch). */
  readonly scratch: number;
  readonly spinMs: number;
  /** The chunk counter's index in ctrl. */
  readonly next: number;
}

/**
 * The worker's program, for both kinds of worker (its source runs in the worker, with
 * `share` as `run`): instantiate the module over the shared memory, store DONE = −1 (started),
 * then serve jobs until OP < 0: spin for spinMs, then sleep in Atomics.wait, for SEQ to
 * move; run its chunks of the job; store RESULT, then DONE = SEQ, and notify.
 */
function serve(d: WorkerData, run: typeof share): void {
  const { ctrl, slot, job, next } = d;
  const abort = () => {
    throw new Error('abort');
  };
  const imports = { env: { memory: d.memory, abort } };
  const ex = new WebAssembly.Instance(d.module, imports).exports as Record<string, unknown>;
  (ex.setScratch as (p: number) => void)(d.scratch);
  const base = d.index * d.slots;
  let seen = 0;
  Atomics.store(ctrl, base + slot.DONE, -1);
  Atomics.notify(ctrl, base + slot.DONE);
  for (;;) {
    const t0 = performance.now();
    while (Atomics.load(ctrl, base + slot.SEQ) === seen && performance.now() - t0 < d.spinMs);
    Atomics.wait(ctrl, base + slot.SEQ, seen);
    seen = Atomics.load(ctrl, base + slot.SEQ);
    const op = ctrl[base + slot.OP] ?? -1;
    if (op < 0) break;
    const fn = ex[d.names[op] ?? ''] as (...a: number[]) => number;
    ctrl[base + slot.RESULT] = run(fn, job, ctrl, next, d.jobHeader);
    Atomics.store(ctrl, base + slot.DONE, seen);
    Atomics.notify(ctrl, base + slot.DONE);
  }
}

// The two functions go into the worker as their own source text, `share` passed to `serve`
// as an argument: a bundler that renames identifiers (esbuild's minify) renames the call
// inside `serve` too, so `serve` must not name `share` (a name the worker would not have).
/** Node: CommonJS evaluated by worker_threads, its data in workerData. */
export const NODE_WORKER = `(${serve.toString()})(require('node:worker_threads').workerData, ${share.toString()});`;
/** Browsers: a classic Web Worker whose data arrives in its first message. */
export const WEB_WORKER = `onmessage = (e) => (${serve.toString()})(e.data, ${share.toString()});`;
