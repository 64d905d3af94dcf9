/**
 * Starting and waiting for the pool's workers (../threads/pool.ts runs the calls): Node's
 * worker_threads, started synchronously and waited for; a browser's Web Workers, from a
 * Blob of the worker's source, used once they have started; and the wait of either side
 * (spin for SPIN_MS, then sleep in Atomics.wait where the thread may block). The worker's
 * program and the control layout are ./protocol.ts.
 */
import { SoftmaxKitError } from '../../tensor/errors.js';
import { SCRATCH_BASE, SCRATCH_BYTES, type WasmKernels } from '../wasm/load.js';
import {
  JOB_HEADER,
  JOB_LENGTH,
  KERNELS,
  MAX_MARKS,
  NODE_WORKER,
  SLOT,
  SLOTS,
  WEB_WORKER,
  type WorkerData,
} from './protocol.js';

/**
 * How long a waiting side spins before it sleeps in Atomics.wait: a futex wake-up
 * costs tens of µs on a VM, as much as a whole small chunk's work, while back-to-back
 * jobs arrive within this window.
 */
const SPIN_MS = 0.2;
/** How long a pool waits for its workers to start. */
const START_TIMEOUT_MS = 10_000;

/** A started pool: its workers over one instance, their control and job buffers. */
export interface Pool {
  readonly kernels: WasmKernels;
  readonly workers: { terminate(): unknown }[];
  readonly ctrl: Int32Array;
  /** The current call's job (see share), its chunk counter's index in ctrl, and its first mark's. */
  readonly job: Float64Array;
  readonly next: number;
  readonly marks: number;
  /** Every worker has instantiated the module and waits for jobs. */
  ready: boolean;
  /** Settles when ready (or rejects if the workers fail to start). */
  readonly started: Promise<void>;
}

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

/** Node's Worker constructor (undefined elsewhere). */
export function workerThreads(): NodeWorker | undefined {
  const p = globalThis.process as
    | { getBuiltinModule?: (id: string) => { Worker?: NodeWorker } | undefined }
    | undefined;
  return p?.getBuiltinModule?.('node:worker_threads')?.Worker;
}

/** A browser's Worker constructor (only where Node's worker_threads are absent). */
export function webWorkers(): WebWorkerCtor | undefined {
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
export function waitWhile(ctrl: Int32Array, i: number, value: number, timeoutMs?: number): void {
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
  const ctrl = new Int32Array(new SharedArrayBuffer(4 * (SLOTS * n + 1 + MAX_MARKS)));
  const job = new Float64Array(new SharedArrayBuffer(8 * JOB_LENGTH));
  const next = SLOTS * n;
  const marks = next + 1;
  const data = (w: number): WorkerData => ({
    module: k.module,
    memory: k.memory,
    ctrl,
    job,
    jobHeader: JOB_HEADER,
    index: w,
    names: KERNELS,
    slot: SLOT,
    slots: SLOTS,
    scratch: SCRATCH_BASE + SCRATCH_BYTES * (w + 1),
    spinMs: SPIN_MS,
    next,
  });
  return { ctrl, job, next, marks, data };
}

/** Has worker w instantiated the module (DONE = −1)? */
const isUp = (ctrl: Int32Array, w: number) => Atomics.load(ctrl, w * SLOTS + SLOT.DONE) === -1;

function startFailed(workers: { terminate(): unknown }[], n: number, why: string) {
  for (const worker of workers) worker.terminate();
  return new SoftmaxKitError(
    'BACKEND_UNAVAILABLE',
    `configure: expected ${n} worker threads to start within ${START_TIMEOUT_MS} ms, got ${why}`,
  );
}

/** Node: start n worker_threads and block until each has instantiated the module. */
export function startNode(k: WasmKernels, n: number): Pool {
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
      waitWhile(bufs.ctrl, w * SLOTS + SLOT.DONE, 0, 50);
    }
  return { kernels: k, workers, ...bufs, ready: true, started: Promise.resolve() };
}

/**
 * Browsers: start n Web Workers; the pool is used once `started` resolves (the
 * workers run only after the page yields to its event loop). `failed(p)` is called
 * before `started` rejects.
 */
export function startWeb(k: WasmKernels, n: number, failed: (p: Pool) => void): Pool {
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
        failed(p);
        reject(startFailed(workers, n, failure === '' ? `${up}` : failure));
      } else setTimeout(poll, 5);
    };
    poll();
  });
  return p;
}
