/**
 * An opt-in worker pool for the WebAssembly kernels: `configure({ threads: N })`.
 *
 * Each worker instantiates the same compiled module over the same shared
 * WebAssembly memory, so a call's rows are split into N contiguous ranges with no
 * copy: the calling thread takes the first range, the workers the others. Rows are
 * independent and every range runs the same kernel code, so the result is
 * identical, bit for bit, to one thread's.
 *
 * The calls stay synchronous: the calling thread blocks in Atomics.wait until the
 * workers are done, which Node allows (and browsers forbid on their main thread),
 * so the pool is for Node (worker_threads) with the shared-memory build (the
 * default there; with a plain memory calls run on one thread). Small calls
 * (< MIN_PARALLEL elements) and single rows run on one thread.
 *
 * Protocol (one Int32 control slot group per worker, in a SharedArrayBuffer):
 * the caller writes the kernel's index and its arguments, bumps SEQ and notifies;
 * the worker runs the kernel, writes the result, stores DONE = SEQ and notifies.
 */
import { SoftmaxKitError } from '../../tensor/errors.js';
import { requireNumber } from '../../tensor/validate.js';
import { type KernelExports, onWasmLoaded, TAIL_BASE, type WasmKernels } from '../wasm/load.js';

/** Row kernels the pool can run (indices shared with the worker); flashDecode's rows are key chunks. */
const KERNELS = [
  'softmax_f32',
  'softmax_f64',
  'logSumExp_f32',
  'logSumExp_f64',
  'softmaxVjp_f32',
  'softmaxVjp_f64',
  'crossEntropy_f32',
  'crossEntropy_f64',
  'flashDecode',
] as const;
export type RowKernelName = (typeof KERNELS)[number];

/** Below this many elements a call runs on one thread (a hand-off costs ~10–50 µs). */
const MIN_PARALLEL = 1 << 15;
const MAX_ARGS = 12;
/** How long the first parallel call waits for the workers to start. */
const START_TIMEOUT_MS = 10_000;
// Int32 slots per worker: SEQ (job number), OP (kernel index, −1 = stop), DONE, RESULT.
const SEQ = 0;
const OP = 1;
const DONE = 2;
const RESULT = 3;
const SLOTS = 4;

/** Options of `configure`. */
export interface ConfigureOptions {
  /** Threads for large WebAssembly calls (1 = none). Node only; needs shared memory. */
  threads?: number;
}

interface Pool {
  readonly kernels: WasmKernels;
  readonly workers: { terminate(): unknown }[];
  readonly ctrl: Int32Array;
  readonly args: Float64Array;
}

// The worker's whole program (CommonJS, evaluated by worker_threads).
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctrl, args, index, names, slots, maxArgs, tail } = workerData;
const ex = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('abort'); } } }).exports;
ex.setTail(tail);
const base = index * slots;
const a = new Float64Array(args.buffer, index * maxArgs * 8, maxArgs);
let seen = 0;
Atomics.store(ctrl, base + 2, -1);
Atomics.notify(ctrl, base + 2);
for (;;) {
  Atomics.wait(ctrl, base, seen);
  seen = Atomics.load(ctrl, base);
  const op = ctrl[base + 1];
  if (op < 0) break;
  ctrl[base + 3] = ex[names[op]](...a);
  Atomics.store(ctrl, base + 2, seen);
  Atomics.notify(ctrl, base + 2);
}`;

let threads = 1;
let pool: Pool | undefined;

function stop(): void {
  if (!pool) return;
  for (let w = 0; w < pool.workers.length; w++) {
    pool.ctrl[w * SLOTS + OP] = -1;
    Atomics.add(pool.ctrl, w * SLOTS + SEQ, 1);
    Atomics.notify(pool.ctrl, w * SLOTS + SEQ);
    pool.workers[w]!.terminate();
  }
  pool = undefined;
}

// a new instance (new memory) needs new workers
onWasmLoaded((k) => {
  if (pool && pool.kernels !== k) stop();
});

type WorkerCtor = new (
  code: string,
  options: { eval: true; workerData: unknown },
) => { terminate(): unknown; unref(): void };

function workerThreads(): WorkerCtor | undefined {
  const p = globalThis.process as
    | { getBuiltinModule?: (id: string) => { Worker?: WorkerCtor } | undefined }
    | undefined;
  return p?.getBuiltinModule?.('node:worker_threads')?.Worker;
}

function start(k: WasmKernels, n: number): Pool {
  const Worker = workerThreads()!;
  const ctrl = new Int32Array(new SharedArrayBuffer(4 * SLOTS * n));
  const args = new Float64Array(new SharedArrayBuffer(8 * MAX_ARGS * n));
  const workers = [];
  for (let w = 0; w < n; w++) {
    const workerData = {
      module: k.module,
      memory: k.memory,
      ctrl,
      args,
      index: w,
      names: KERNELS,
      slots: SLOTS,
      maxArgs: MAX_ARGS,
      tail: TAIL_BASE + 32 * (w + 1),
    };
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
    worker.unref(); // idle workers never keep the process alive
    workers.push(worker);
  }
  // wait until every worker has instantiated the module (a worker that cannot start
  // would otherwise block this thread forever)
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (let w = 0; w < n; w++)
    while (Atomics.load(ctrl, w * SLOTS + DONE) !== -1) {
      if (Date.now() > deadline) {
        for (const worker of workers) worker.terminate();
        throw new SoftmaxKitError(
          'BACKEND_UNAVAILABLE',
          `configure: expected ${n} worker threads to start within ${START_TIMEOUT_MS} ms, got ${w}`,
        );
      }
      Atomics.wait(ctrl, w * SLOTS + DONE, 0, 50);
    }
  return { kernels: k, workers, ctrl, args };
}

/**
 * Set library-wide options. `threads`: split large WebAssembly calls across this
 * many threads (the caller's plus threads − 1 workers); 1 turns the pool off.
 *
 * @example
 * configure({ threads: 4 });
 * softmax(x, { shape: [32, 32000], backend: 'wasm' }); // rows on 4 threads
 */
export function configure(options: ConfigureOptions): void {
  if (options.threads === undefined) return;
  const t = requireNumber('configure', 'threads', options.threads, {
    integer: true,
    atLeast: 1,
    atMost: 256,
  });
  if (t > 1 && !workerThreads())
    throw new SoftmaxKitError(
      'BACKEND_UNAVAILABLE',
      `configure: expected Node's worker_threads for threads = ${t}, got none`,
    );
  stop();
  threads = t;
}

/** The configured thread count. */
export function configuredThreads(): number {
  return threads;
}

/** Workers started so far (0 until a call is large enough to use them). */
export function poolWorkers(): number {
  return pool?.workers.length ?? 0;
}

/**
 * Run a row kernel over `rows` rows of `n` elements, split across the pool when
 * configured and worth it. `args(r0, t)` gives the kernel's arguments for rows
 * [r0, r0 + t). Returns the summed kernel results (flagged row counts).
 */
export function runRows(
  k: WasmKernels,
  name: RowKernelName,
  rows: number,
  n: number,
  args: (r0: number, t: number) => number[],
): number {
  const fn = (k.exports as unknown as Record<RowKernelName, (...a: number[]) => number>)[name];
  const parts = Math.min(threads, rows);
  if (parts < 2 || rows * n < MIN_PARALLEL || !k.sharedMemory) return fn(...args(0, rows));
  if (!pool || pool.kernels !== k) pool = start(k, threads - 1);
  const { ctrl, args: buf } = pool;
  const op = KERNELS.indexOf(name);
  const per = Math.ceil(rows / parts);
  const busy: number[] = [];
  for (let p = 1; p < parts; p++) {
    const r0 = p * per;
    if (r0 >= rows) break;
    const w = p - 1;
    buf.set(args(r0, Math.min(per, rows - r0)), w * MAX_ARGS);
    ctrl[w * SLOTS + OP] = op;
    Atomics.add(ctrl, w * SLOTS + SEQ, 1);
    Atomics.notify(ctrl, w * SLOTS + SEQ);
    busy.push(w);
  }
  let result = fn(...args(0, Math.min(per, rows)));
  for (const w of busy) {
    const seq = Atomics.load(ctrl, w * SLOTS + SEQ);
    for (;;) {
      const done = Atomics.load(ctrl, w * SLOTS + DONE);
      if (done === seq) break;
      Atomics.wait(ctrl, w * SLOTS + DONE, done);
    }
    result += ctrl[w * SLOTS + RESULT]!;
  }
  return result;
}

export type { KernelExports };
