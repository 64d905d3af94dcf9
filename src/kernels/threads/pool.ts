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
 * Protocol (one Int32 control slot group per worker, in a SharedArrayBuffer):
 * the caller describes the call in the shared job (the kernel's arguments as affine
 * functions of the first row), writes the kernel's index, bumps SEQ and notifies;
 * the worker claims chunks of rows (`share`) until none is left, writes the summed
 * result, stores DONE = SEQ and notifies.
 * Both sides spin for SPIN_MS before they sleep: a futex wake-up costs tens of µs
 * here, which made a hand-off as dear as a small chunk of work. `startShared` lets
 * the copy path pipeline its chunks (../wasm/backend.ts): it runs its own rows and
 * copies while the workers claim theirs.
 */
import { SoftmaxKitError } from '../../tensor/errors.js';
import { integerRule, resolveOptions } from '../../tensor/options.js';
import {
  onWasmLoaded,
  SCRATCH_BASE,
  SCRATCH_BYTES,
  type WasmKernels,
  wasmKernels,
  wasmReady,
} from '../wasm/load.js';

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
/** Each kernel's count argument: its rows (flash-decoding: its keys, a chunk of them per row). */
const COUNT_ARG: Record<RowKernelName, number> = {
  softmax_f32: 2,
  softmax_f64: 2,
  logSumExp_f32: 2,
  logSumExp_f64: 2,
  softmaxVjp_f32: 3,
  softmaxVjp_f64: 3,
  crossEntropy_f32: 2,
  crossEntropy_f64: 2,
  flashDecode: 4,
};

/** Below this many elements a call runs on one thread (a hand-off costs ~10–50 µs). */
const MIN_PARALLEL = 1 << 15;
/** A call's rows are cut into this many chunks per thread (claimed dynamically). */
const CHUNKS_PER_THREAD = 4;
/** A call's job: [argc, count index, unit, total, rows per chunk, rows, base…, stride…]; ≤ 12 arguments. */
const JOB_LENGTH = 6 + 2 * 12;
/**
 * How long a waiting side spins before it sleeps in Atomics.wait: a futex wake-up
 * costs tens of µs on a VM, as much as a whole small chunk's work, while back-to-back
 * jobs arrive within this window.
 */
const SPIN_MS = 0.2;
/** How long a pool waits for its workers to start. */
const START_TIMEOUT_MS = 10_000;
// Int32 slots per worker: SEQ (job number), OP (kernel index, −1 = stop), DONE, RESULT.
const SEQ = 0;
const OP = 1;
const DONE = 2;
const RESULT = 3;
const SLOTS = 4;
// then one more slot (Pool.next): the next chunk of the current call to claim

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

interface Pool {
  readonly kernels: WasmKernels;
  readonly workers: { terminate(): unknown }[];
  readonly ctrl: Int32Array;
  /** The current call's job (see share) and its chunk counter's index in ctrl. */
  readonly job: Float64Array;
  readonly next: number;
  /** Every worker has instantiated the module and waits for jobs. */
  ready: boolean;
  /** Settles when ready (or rejects if the workers fail to start). */
  readonly started: Promise<void>;
}

/**
 * Run chunks of a shared call until none is left: claim chunk c (Atomics.add on
 * ctrl[next]); its rows r0 = c·per … run with the arguments base + r0·stride, the
 * count entry set to min(t·unit, total − r0·unit) for its t rows (unit 1 for row
 * kernels, the keys per chunk for flash-decoding). The calling thread runs it, and
 * every worker from its source embedded in SERVE (so it uses nothing but its
 * arguments). Returns the summed kernel results.
 */
function share(
  fn: (...a: number[]) => number,
  job: Float64Array,
  ctrl: Int32Array,
  next: number,
): number {
  const [argc = 0, at = 0, unit = 0, total = 0, per = 0, rows = 0] = job;
  const a: number[] = new Array(argc);
  let result = 0;
  for (
    let r0 = Atomics.add(ctrl, next, 1) * per;
    r0 < rows;
    r0 = Atomics.add(ctrl, next, 1) * per
  ) {
    for (let i = 0; i < argc; i++) a[i] = (job[6 + i] ?? 0) + r0 * (job[6 + argc + i] ?? 0);
    a[at] = Math.min(Math.min(per, rows - r0) * unit, total - r0 * unit);
    result += fn(...a);
  }
  return result;
}

// The worker's program, for both kinds of worker: instantiate the module over the
// shared memory, store DONE = −1 (started), then serve jobs until OP < 0.
const SERVE = `
const share = ${share.toString()};
function serve({ module, memory, ctrl, job, index, names, slots, scratch, spinMs, next }) {
  const ex = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('abort'); } } }).exports;
  ex.setScratch(scratch);
  const base = index * slots;
  let seen = 0;
  Atomics.store(ctrl, base + 2, -1);
  Atomics.notify(ctrl, base + 2);
  for (;;) {
    const t0 = performance.now();
    while (Atomics.load(ctrl, base) === seen && performance.now() - t0 < spinMs);
    Atomics.wait(ctrl, base, seen);
    seen = Atomics.load(ctrl, base);
    const op = ctrl[base + 1];
    if (op < 0) break;
    ctrl[base + 3] = share(ex[names[op]], job, ctrl, next);
    Atomics.store(ctrl, base + 2, seen);
    Atomics.notify(ctrl, base + 2);
  }
}`;
/** Node: CommonJS evaluated by worker_threads, its data in workerData. */
const NODE_WORKER = `${SERVE}\nserve(require('node:worker_threads').workerData);`;
/** Browsers: a classic Web Worker whose data arrives in its first message. */
const WEB_WORKER = `${SERVE}\nonmessage = (e) => serve(e.data);`;

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

// a new instance (new memory) needs new workers: Node starts them at the next large
// call, a browser at once (a failure there leaves calls on one thread)
onWasmLoaded((k) => {
  if (pool && pool.kernels !== k) stop();
  if (webWorkers()) startWebPool(k).catch(() => undefined);
});

type NodeWorker = new (
  code: string,
  options: { eval: true; workerData: unknown },
) => { terminate(): unknown; unref(): void };

interface WebWorker {
  postMessage(data: unknown): void;
  terminate(): void;
  addEventListener(type: 'error', f: (e: { message?: string }) => void): void;
}
type WebWorkerCtor = new (url: string) => WebWorker;

function workerThreads(): NodeWorker | undefined {
  const p = globalThis.process as
    | { getBuiltinModule?: (id: string) => { Worker?: NodeWorker } | undefined }
    | undefined;
  return p?.getBuiltinModule?.('node:worker_threads')?.Worker;
}

/** A browser's Worker constructor (only where Node's worker_threads are absent). */
function webWorkers(): WebWorkerCtor | undefined {
  return workerThreads() ? undefined : (globalThis as { Worker?: WebWorkerCtor }).Worker;
}

/** Can this thread block in Atomics.wait? (A browser's main thread may not.) */
let canBlock: boolean | undefined;
function blocks(): boolean {
  if (canBlock === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0); // "not-equal" at once
      canBlock = true;
    } catch {
      canBlock = false;
    }
  }
  return canBlock;
}

/**
 * Wait until ctrl[i] !== value: spin for SPIN_MS, then sleep in Atomics.wait where
 * this thread may block, else keep spinning (a browser's main thread).
 */
function waitWhile(ctrl: Int32Array, i: number, value: number, timeoutMs?: number): void {
  const t0 = performance.now();
  const until = t0 + (timeoutMs ?? Number.POSITIVE_INFINITY);
  const spinUntil = Math.min(until, t0 + SPIN_MS);
  while (Atomics.load(ctrl, i) === value && performance.now() < spinUntil);
  if (Atomics.load(ctrl, i) !== value) return;
  if (blocks())
    Atomics.wait(ctrl, i, value, timeoutMs === undefined ? undefined : until - performance.now());
  else while (Atomics.load(ctrl, i) === value && performance.now() < until);
}

/** The control and argument buffers and each worker's start message. */
function plan(k: WasmKernels, n: number) {
  const ctrl = new Int32Array(new SharedArrayBuffer(4 * (SLOTS * n + 1)));
  const job = new Float64Array(new SharedArrayBuffer(8 * JOB_LENGTH));
  const next = SLOTS * n;
  const data = (w: number) => ({
    module: k.module,
    memory: k.memory,
    ctrl,
    job,
    index: w,
    names: KERNELS,
    slots: SLOTS,
    scratch: SCRATCH_BASE + SCRATCH_BYTES * (w + 1),
    spinMs: SPIN_MS,
    next,
  });
  return { ctrl, job, next, data };
}

/** Has worker w instantiated the module (DONE = −1)? */
const isUp = (ctrl: Int32Array, w: number) => Atomics.load(ctrl, w * SLOTS + DONE) === -1;

function startFailed(workers: { terminate(): unknown }[], n: number, why: string) {
  for (const worker of workers) worker.terminate();
  return new SoftmaxKitError(
    'BACKEND_UNAVAILABLE',
    `configure: expected ${n} worker threads to start within ${START_TIMEOUT_MS} ms, got ${why}`,
  );
}

/** Node: start n worker_threads and block until each has instantiated the module. */
function startNode(k: WasmKernels, n: number): Pool {
  const Worker = workerThreads()!;
  const { data, ...bufs } = plan(k, n);
  const workers = [];
  for (let w = 0; w < n; w++) {
    const worker = new Worker(NODE_WORKER, { eval: true, workerData: data(w) });
    worker.unref(); // idle workers never keep the process alive
    workers.push(worker);
  }
  // a worker that cannot start would otherwise block this thread forever
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (let w = 0; w < n; w++)
    while (!isUp(bufs.ctrl, w)) {
      if (Date.now() > deadline) throw startFailed(workers, n, `${w}`);
      waitWhile(bufs.ctrl, w * SLOTS + DONE, 0, 50);
    }
  return { kernels: k, workers, ...bufs, ready: true, started: Promise.resolve() };
}

/**
 * Browsers: start n Web Workers; the pool is used once `started` resolves (the
 * workers run only after the page yields to its event loop).
 */
function startWeb(k: WasmKernels, n: number): Pool {
  const Worker = webWorkers()!;
  const { data, ...bufs } = plan(k, n);
  const url = URL.createObjectURL(new Blob([WEB_WORKER], { type: 'text/javascript' }));
  const workers: WebWorker[] = [];
  let failure = '';
  for (let w = 0; w < n; w++) {
    const worker = new Worker(url);
    worker.addEventListener('error', (e) => {
      failure = e.message ?? 'a worker error';
    });
    worker.postMessage(data(w));
    workers.push(worker);
  }
  URL.revokeObjectURL(url);
  const deadline = Date.now() + START_TIMEOUT_MS;
  const p: { -readonly [K in keyof Pool]: Pool[K] } = {
    kernels: k,
    workers,
    ...bufs,
    ready: false,
    started: Promise.resolve(),
  };
  p.started = new Promise<void>((resolve, reject) => {
    const poll = () => {
      let up = 0;
      while (up < n && isUp(bufs.ctrl, up)) up++;
      if (up === n) {
        p.ready = true;
        resolve();
      } else if (failure !== '' || Date.now() > deadline) {
        if (pool === p) pool = undefined;
        reject(startFailed(workers, n, failure === '' ? `${up}` : failure));
      } else setTimeout(poll, 5);
    };
    poll();
  });
  return p;
}

/** Browsers: the pool over instance k, started if needed; settles when it runs. */
function startWebPool(k: WasmKernels | undefined): Promise<void> {
  if (!k || threads < 2 || !k.sharedMemory) return Promise.resolve();
  if (!pool || pool.kernels !== k) pool = startWeb(k, threads - 1);
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

/** Start operation `op` on worker w of the pool; no wait. */
function start(w: number, op: number): void {
  const { ctrl } = pool!;
  ctrl[w * SLOTS + OP] = op;
  Atomics.add(ctrl, w * SLOTS + SEQ, 1);
  Atomics.notify(ctrl, w * SLOTS + SEQ);
}

/** Wait for worker w's last job; its kernel's result. */
function join(w: number): number {
  const { ctrl } = pool!;
  const seq = Atomics.load(ctrl, w * SLOTS + SEQ);
  for (;;) {
    const done = Atomics.load(ctrl, w * SLOTS + DONE);
    if (done === seq) break;
    waitWhile(ctrl, w * SLOTS + DONE, done);
  }
  return ctrl[w * SLOTS + RESULT]!;
}

/** The kernel `name` of instance k, callable on this thread. */
export function kernelOf(k: WasmKernels, name: RowKernelName): (...a: number[]) => number {
  return (k.exports as unknown as Record<RowKernelName, (...a: number[]) => number>)[name];
}

/**
 * Start `workers` workers on a shared call of kernel `name` over `rows` rows (chunks
 * claimed dynamically: see `share`). `args(r0, t)` gives the kernel's arguments for
 * rows [r0, r0 + t): affine in r0, but for the count entry (COUNT_ARG), which is
 * min(t·unit, total − r0·unit) (unit 1 for rows; flash-decoding's keys per chunk).
 * Returns `finish`: this thread claims what is left (unless `claims` is false: the
 * copy path sizes its own share by measurement instead, and rows it took over would
 * only add to its share while it still waits for the worker's wake-up), then waits
 * for the workers; the summed kernel results (flagged row counts).
 */
export function startShared(
  k: WasmKernels,
  name: RowKernelName,
  rows: number,
  workers: number,
  args: (r0: number, t: number) => number[],
  claims = true,
): () => number {
  const { ctrl, job, next } = pool!;
  const at = COUNT_ARG[name];
  const base = args(0, 1);
  const second = args(1, 1);
  const unit = base[at]!;
  job.set([base.length, at, unit, args(rows - 1, 1)[at]! + (rows - 1) * unit]);
  job.set([Math.ceil(rows / (CHUNKS_PER_THREAD * (workers + 1))), rows], 4);
  job.set(base, 6);
  job.set(
    base.map((v, i) => second[i]! - v),
    6 + base.length,
  );
  Atomics.store(ctrl, next, 0);
  for (let w = 0; w < workers; w++) start(w, KERNELS.indexOf(name));
  return () => {
    let result = claims ? share(kernelOf(k, name), job, ctrl, next) : 0;
    for (let w = 0; w < workers; w++) result += join(w);
    return result;
  };
}

/**
 * Run a row kernel over `rows` rows of `n` elements, shared across the pool when
 * configured and worth it (startShared); `args` as there. Returns the summed kernel
 * results (flagged row counts).
 */
export function runRows(
  k: WasmKernels,
  name: RowKernelName,
  rows: number,
  n: number,
  args: (r0: number, t: number) => number[],
): number {
  const workers = Math.min(workersFor(k, rows, rows * n), rows - 1);
  if (workers < 1) return kernelOf(k, name)(...args(0, rows));
  return startShared(k, name, rows, workers, args)();
}
