/**
 * An opt-in worker pool for the WebAssembly kernels: `configure({ threads: N })`.
 *
 * Each worker instantiates the same compiled module over the same shared
 * WebAssembly memory, so a call's rows are shared out with no copy: the rows are
 * cut into CHUNKS_PER_THREAD chunks per thread, and the calling thread and the
 * workers each claim the next chunk (an atomic counter) until none is left, so a
 * thread slowed by other work on the machine (V8's own GC threads take a core of a
 * small machine) leaves its rows to the others. Rows are independent and every
 * chunk runs the same kernel code, so the result is identical, bit for bit, to one
 * thread's.
 *
 * The calls stay synchronous: the calling thread waits for the workers in
 * Atomics.wait, or, where it may not block (a browser's main thread), by spinning on
 * Atomics.load — only for the end of the workers' share, which it has just run
 * itself. Node starts its worker_threads at the first large call and waits for them
 * then. A browser starts Web Workers (from a Blob of the worker's source, the module
 * and the memory posted to them) only after the page yields to its event loop, so
 * there `configure` starts them at once and its promise settles when they run;
 * until then calls run on one thread. Both need shared memory: Node, or a
 * cross-origin-isolated page (COOP/COEP headers). Small calls (< MIN_PARALLEL
 * elements) and single rows run on one thread.
 *
 * Protocol (./protocol.ts, one Int32 control slot group per worker, in a
 * SharedArrayBuffer): the caller describes the call in the shared job (the kernel's
 * arguments as affine functions of the first row), writes the kernel's index, bumps SEQ
 * and notifies; the worker claims chunks of rows (`share`) until none is left (marking
 * each chunk done when the job asks: runRows' hand-over), writes the summed result,
 * stores DONE = SEQ and notifies. Both sides spin before they sleep
 * (./workers.ts). `startShared` lets the copy path pipeline its chunks
 * (../wasm/copy-rows.ts): it runs its own rows and copies while the workers claim theirs.
 */
import { SoftmaxKitError } from '../../tensor/errors.js';
import { integerRule, resolveOptions } from '../../tensor/options.js';
import { onWasmLoaded, type WasmKernels, wasmKernels, wasmReady } from '../wasm/load.js';
import {
  countArg,
  JOB_HEADER,
  KERNELS,
  MAX_MARKS,
  type RowKernelName,
  SLOT,
  SLOTS,
  share,
} from './protocol.js';
import { type Pool, startNode, startWeb, waitWhile, webWorkers, workerThreads } from './workers.js';

export type { RowKernelName } from './protocol.js';

/** Below this many elements a call runs on one thread (a hand-off costs ~10–50 µs). */
const MIN_PARALLEL = 1 << 15;
/** A call's rows are cut into this many chunks per thread (claimed dynamically). */
const CHUNKS_PER_THREAD = 4;

/** Options of `configure`. */
export interface ConfigureOptions {
  /**
   * Threads for large WebAssembly calls (1 = none). Needs shared memory: Node, or a
   * cross-origin-isolated browser page.
   */
  threads?: number;
}

/** The option rules of `configure`: nothing given leaves the settings as they are. */
const CONFIGURE_RULES = { threads: integerRule({ atLeast: 1, atMost: 256 }) } as const;

let threads = 1;
let pool: Pool | undefined;

function stop(): void {
  if (!pool) return;
  for (let w = 0; w < pool.workers.length; w++) {
    start(w, -1);
    pool.workers[w]!.terminate();
  }
  pool = undefined;
}

// a new instance (new memory) needs new workers: Node starts them at the next large
// call, a browser at once (a failure there leaves calls on one thread)
onWasmLoaded((k) => {
  if (pool && pool.kernels !== k) stop();
  if (webWorkers()) startWebPool(k).catch(() => undefined);
});

/** Browsers: the pool over instance k, started if needed; settles when it runs. */
function startWebPool(k: WasmKernels | undefined): Promise<void> {
  if (!k || threads < 2 || !k.sharedMemory) return Promise.resolve();
  if (!pool || pool.kernels !== k)
    pool = startWeb(k, threads - 1, (p) => {
      if (pool === p) pool = undefined;
    });
  return pool.started;
}

/**
 * Set library-wide options. `threads`: split large WebAssembly calls across this
 * many threads (the caller's plus threads − 1 workers); 1 turns the pool off and
 * parks its workers (blocked, idle, not keeping the process alive), so turning the
 * same count on again reuses them, already warm; another count replaces them.
 * Throws BACKEND_UNAVAILABLE where threads cannot work (no workers, or no
 * SharedArrayBuffer: a browser page that is not cross-origin isolated).
 *
 * The promise settles when the workers run: at once in Node (they start at the
 * first large call), after they have started in a browser (await it there; until
 * then calls run on one thread). It rejects if they fail to start.
 *
 * @example
 * await configure({ threads: 4 });
 * softmax(x, { shape: [32, 32000], backend: 'wasm' }); // rows on 4 threads
 */
export function configure(options?: ConfigureOptions): Promise<void> {
  const t = resolveOptions('configure', options, CONFIGURE_RULES).threads;
  if (t === undefined) return Promise.resolve();
  if (t > 1 && !workerThreads() && !webWorkers())
    throw new SoftmaxKitError(
      'BACKEND_UNAVAILABLE',
      `configure: expected worker threads (Node's worker_threads or Web Workers) for threads = ${t}, got none`,
    );
  if (t > 1 && typeof SharedArrayBuffer === 'undefined')
    throw new SoftmaxKitError(
      'BACKEND_UNAVAILABLE',
      `configure: expected SharedArrayBuffer (a cross-origin-isolated page) for threads = ${t}, got none`,
    );
  // threads = 1 parks the workers (blocked, idle); the same count again reuses them
  if (t > 1 && pool && pool.workers.length !== t - 1) stop();
  threads = t;
  return webWorkers() ? wasmReady.then(() => startWebPool(wasmKernels())) : Promise.resolve();
}

/** The configured thread count. */
export function configuredThreads(): number {
  return threads;
}

/** Workers in use (0 with threads = 1, and until a call is large enough to start them). */
export function poolWorkers(): number {
  return threads > 1 ? (pool?.workers.length ?? 0) : 0;
}

/**
 * The workers a call of `elements` elements over `rows` rows may use now: 0 when
 * threads are off, the call is small, the memory is not shared, or a browser's
 * pool has not started yet. Node starts its pool here on first use.
 */
export function workersFor(k: WasmKernels, rows: number, elements: number): number {
  if (threads < 2 || rows < 2 || elements < MIN_PARALLEL || !k.sharedMemory) return 0;
  if (!pool || pool.kernels !== k) {
    if (webWorkers()) return 0; // a browser's pool starts in configure
    pool = startNode(k, threads - 1);
  }
  return pool.ready ? pool.workers.length : 0;
}

/** Start operation `op` (a KERNELS index; −1 = stop) on worker w of the pool; no wait. */
function start(w: number, op: number): void {
  const { ctrl } = pool!;
  ctrl[w * SLOTS + SLOT.OP] = op;
  Atomics.add(ctrl, w * SLOTS + SLOT.SEQ, 1);
  Atomics.notify(ctrl, w * SLOTS + SLOT.SEQ);
}

/** Wait for worker w's last job; its kernel's result. */
function join(w: number): number {
  const { ctrl } = pool!;
  const seq = Atomics.load(ctrl, w * SLOTS + SLOT.SEQ);
  for (;;) {
    const done = Atomics.load(ctrl, w * SLOTS + SLOT.DONE);
    if (done === seq) break;
    waitWhile(ctrl, w * SLOTS + SLOT.DONE, done);
  }
  return ctrl[w * SLOTS + SLOT.RESULT]!;
}

/** The kernel `name` of instance k, callable on this thread. */
export function kernelOf(k: WasmKernels, name: RowKernelName): (...a: number[]) => number {
  return (k.exports as unknown as Record<RowKernelName, (...a: number[]) => number>)[name];
}

/**
 * Start `workers` workers on a shared call of kernel `name` over `rows` rows (chunks
 * claimed dynamically: see `share`). `args(r0, t)` gives the kernel's arguments for
 * rows [r0, r0 + t): affine in r0, but for the count entry (countArg), which is
 * min(t·unit, total − r0·unit) (unit 1 for rows; flash-decoding's keys per chunk).
 * Returns `finish`: this thread claims what is left (unless `claims` is false: the
 * copy path sizes its own share by measurement instead, and rows it took over would
 * only add to its share while it still waits for the worker's wake-up), then waits
 * for the workers; the summed kernel results (flagged row counts). With `per` (rows
 * per chunk, ≤ MAX_MARKS chunks) each chunk's mark is set as it is done (runRows'
 * hand-over); the marks must be 0.
 */
export function startShared(
  k: WasmKernels,
  name: RowKernelName,
  rows: number,
  workers: number,
  args: (r0: number, t: number) => number[],
  claims = true,
  per?: number,
): () => number {
  const { ctrl, job, next, marks } = pool!;
  const at = countArg(name);
  const base = args(0, 1);
  const second = args(1, 1);
  const unit = base[at]!;
  job.set([base.length, at, unit, args(rows - 1, 1)[at]! + (rows - 1) * unit]);
  const chunk = per ?? Math.ceil(rows / (CHUNKS_PER_THREAD * (workers + 1)));
  job.set([chunk, rows, per === undefined ? -1 : marks], 4);
  job.set(base, JOB_HEADER);
  job.set(
    base.map((v, i) => second[i]! - v),
    JOB_HEADER + base.length,
  );
  Atomics.store(ctrl, next, 0);
  for (let w = 0; w < workers; w++) start(w, KERNELS.indexOf(name));
  return () => {
    let result = claims ? share(kernelOf(k, name), job, ctrl, next, JOB_HEADER) : 0;
    for (let w = 0; w < workers; w++) result += join(w);
    return result;
  };
}

/**
 * Run a row kernel over `rows` rows of `n` elements, shared across the pool when
 * configured and worth it (startShared); `args` as there. Returns the summed kernel
 * results (flagged row counts).
 *
 * With `done`, the rows are handed over as they are finished, `done(r0, t)` for rows
 * [r0, r0 + t) in order, so this thread's own per-row work overlaps the kernel. The rows
 * go in chunks of ≥ MIN_PARALLEL elements (one row of a large vocabulary). On one
 * thread each chunk is handed over right after it is done, while it is still in cache.
 * With workers there is no barrier: one shared call over all the rows, each chunk
 * marked when done (share's marks); this thread hands over the next chunk in order as
 * soon as it is marked, and otherwise claims and runs a chunk itself, or waits for the
 * mark when none is left to claim. An error thrown by `done` ends the call once the
 * workers have run the rest.
 */
export function runRows(
  k: WasmKernels,
  name: RowKernelName,
  rows: number,
  n: number,
  args: (r0: number, t: number) => number[],
  done?: (r0: number, t: number) => void,
): number {
  const workers = Math.min(workersFor(k, rows, rows * n), rows - 1);
  if (done === undefined)
    return workers < 1
      ? kernelOf(k, name)(...args(0, rows))
      : startShared(k, name, rows, workers, args)();
  const per = Math.max(Math.ceil(MIN_PARALLEL / n), Math.ceil(rows / MAX_MARKS));
  const fn = kernelOf(k, name);
  const run = (r0: number) => fn(...args(r0, Math.min(per, rows - r0)));
  let result = 0;
  if (workers < 1) {
    for (let r0 = 0; r0 < rows; r0 += per) {
      result += run(r0);
      done(r0, Math.min(per, rows - r0));
    }
    return result;
  }
  const { ctrl, next, marks } = pool!;
  const chunks = Math.ceil(rows / per);
  ctrl.fill(0, marks, marks + chunks);
  const finish = startShared(k, name, rows, workers, args, false, per);
  try {
    for (let handed = 0; handed < chunks; ) {
      if (Atomics.load(ctrl, marks + handed) === 1) {
        done(handed * per, Math.min(per, rows - handed * per));
        handed++;
        continue;
      }
      const c = Atomics.add(ctrl, next, 1);
      if (c < chunks) {
        result += run(c * per);
        Atomics.store(ctrl, marks + c, 1);
      } else waitWhile(ctrl, marks + handed, 0);
    }
  } finally {
    result += finish(); // a throwing `done` still leaves the workers idle
  }
  return result;
}
