/**
 * The browser page's checks, bundled by esbuild from the sources (as a user's
 * bundler would) and run in headless Chromium by browser.test.ts. Everything runs
 * through the public API, plus poolWorkers() to see the pool.
 */
import {
  configure,
  crossEntropy,
  initWasm,
  logSoftmax,
  softmax,
  softmaxVjp,
  wasmFeatures,
} from '../../src/index.js';
import { poolWorkers } from '../../src/kernels/threads/pool.js';

/** Deterministic values in [lo, hi) (a small LCG; the same on every run). */
function filled(n: number, seed: number, lo: number, hi: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = lo + ((hi - lo) * s) / 2 ** 32;
  }
  return a;
}

const rows = 64;
const n = 4096;
const x = filled(rows * n, 1, -20, 20);
const dy = filled(rows * n, 2, -1, 1);
const targets = Int32Array.from({ length: rows }, (_, r) => (r * 37) % n);

/** Every kernel's outputs on the same inputs (large enough to be split across threads). */
function outputs(): Float32Array[] {
  const o = { shape: [rows, n], backend: 'wasm' } as const;
  const ce = crossEntropy(x, targets, { shape: [rows, n], labelSmoothing: 0.1, reduction: 'none' });
  return [
    softmax(x, o) as Float32Array,
    logSoftmax(x, o) as Float32Array,
    softmaxVjp(x, dy, o) as Float32Array,
    Float32Array.from(ce.loss as Float64Array),
    ce.grad as Float32Array,
  ];
}

function identical(a: Float32Array[], b: Float32Array[]): boolean {
  return a.every((v, i) => v.length === b[i]!.length && v.every((t, j) => Object.is(t, b[i]![j])));
}

/** The largest relative difference of the wasm softmax from the JavaScript one. */
function wasmVsJs(): number {
  const w = softmax(x, { shape: [rows, n], backend: 'wasm' });
  const j = softmax(x, { shape: [rows, n], backend: 'js' });
  let worst = 0;
  for (let i = 0; i < w.length; i++)
    if (j[i]! > 1e-30) worst = Math.max(worst, Math.abs(w[i]! - j[i]!) / j[i]!);
  return worst;
}

export interface PageResult {
  crossOriginIsolated: boolean;
  features: ReturnType<typeof wasmFeatures>;
  sharedMemory: boolean;
  relaxedSimd: boolean;
  wasmVsJs: number;
  /** 'ok' or the error code configure threw or rejected with. */
  configure: string;
  workers: number;
  threadedIdentical: boolean | null;
  workersAfterOff: number;
}

async function checks(): Promise<PageResult> {
  const k = await initWasm();
  const one = outputs();
  const r: PageResult = {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    features: wasmFeatures(),
    sharedMemory: k.sharedMemory,
    relaxedSimd: k.relaxedSimd,
    wasmVsJs: wasmVsJs(),
    configure: 'ok',
    workers: 0,
    threadedIdentical: null,
    workersAfterOff: 0,
  };
  try {
    await configure({ threads: 2 });
    r.workers = poolWorkers();
    r.threadedIdentical = identical(one, outputs());
  } catch (e) {
    r.configure = (e as { code?: string }).code ?? String(e);
  }
  if (r.configure === 'ok') {
    await configure({ threads: 1 });
    r.workersAfterOff = poolWorkers();
  }
  return r;
}

(globalThis as { checks?: typeof checks }).checks = checks;
