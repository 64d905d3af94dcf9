/**
 * Loading the WebAssembly kernels: feature detection, compilation and the one
 * live instance (its memory and exports).
 *
 * The module bytes are embedded (gen/kernels.ts), so nothing is fetched. Four
 * builds exist: plain SIMD or relaxed SIMD (fused multiply-add), each importing a
 * plain or a shared memory. Features are detected once with `WebAssembly.validate`
 * on tiny probe modules (relaxed SIMD needs e.g. Node 20's
 * `--experimental-wasm-relaxed-simd`; shared memory needs SharedArrayBuffer, i.e.
 * Node or a cross-origin-isolated page). The best supported build is picked; the
 * plain SIMD build is the fallback.
 *
 * In Node the module is compiled synchronously when this file is imported. A
 * browser's main thread may refuse synchronous compilation of a module this size,
 * so pages should `await initWasm()` (or `wasmReady`) before asking for
 * `backend: 'wasm'`; until then 'auto' uses JavaScript and 'wasm' throws
 * BACKEND_UNAVAILABLE.
 */
import { SoftmaxKitError } from '../../tensor/errors.js';
import {
  KERNELS_RELAXED,
  KERNELS_RELAXED_SHARED,
  KERNELS_SIMD,
  KERNELS_SIMD_SHARED,
} from './gen/kernels.js';

/** Signatures of the module's exports (byte addresses into its memory). */
export interface KernelExports {
  softmax_f32: Softmax;
  softmax_f64: Softmax;
  logSumExp_f32: LogSumExp;
  logSumExp_f64: LogSumExp;
  softmaxVjp_f32: SoftmaxVjp;
  softmaxVjp_f64: SoftmaxVjp;
  crossEntropy_f32: CrossEntropy;
  crossEntropy_f64: CrossEntropy;
  exp_f32(x: number, y: number, n: number): void;
  exp_f64(x: number, y: number, n: number): void;
  exp32Scalar(z: number): number;
  expDiff32Scalar(x: number, m: number): number;
  expDiff_f32(x: number, y: number, n: number, m: number): void;
  setScratch(p: number): void;
  exp64Scalar(h: number, l: number): number;
  log1p_f64(x: number, y: number, n: number): void;
  log1p64Scalar(u: number): number;
  /** C (+)= A·B with element strides, A/B Float32 when aF32/bF32 (see assembly/gemm.ts). */
  gemm(
    m: number,
    n: number,
    k: number,
    a: number,
    aF32: number,
    sai: number,
    sap: number,
    b: number,
    bF32: number,
    sbp: number,
    sbj: number,
    c: number,
    beta: number,
    work: number,
  ): void;
  gemmWorkBytes(m: number, n: number, k: number): number;
  /** Linear cross-entropy tiles: per-row max and Σ e^(x − m) − 1 (see assembly/index.ts). */
  splitStates_f64(x: number, rows: number, n: number, m: number, u: number): void;
  /** y_rj = e^(x_rj − m_r)·f_r. */
  expScaleRows_f64(x: number, y: number, rows: number, n: number, m: number, f: number): void;
}
type Softmax = (...a: [number, number, number, number, number, number, number, number]) => number;
type LogSumExp = (...a: [number, number, number, number, number, number, number]) => number;
type SoftmaxVjp = (
  ...a: [number, number, number, number, number, number, number, number, number]
) => number;
type CrossEntropy = (
  ...a: [number, number, number, number, number, number, number, number, number, number, number]
) => number;

/** The live instance. */
export interface WasmKernels {
  readonly exports: KernelExports;
  /** The compiled module (workers instantiate it over the same shared memory). */
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** Built with relaxed SIMD (FMA in the polynomials). */
  readonly relaxedSimd: boolean;
  /** Its memory is a SharedArrayBuffer (views survive growth; workers can share it). */
  readonly sharedMemory: boolean;
}

/** What the engine supports. */
export interface WasmFeatures {
  readonly simd: boolean;
  readonly relaxedSimd: boolean;
  readonly sharedMemory: boolean;
}

/** Which build to load; each defaults to "if the engine supports it". */
export interface InitWasmOptions {
  relaxedSimd?: boolean;
  sharedMemory?: boolean;
}

// Probe modules: a function returning i32x4.splat(0) (SIMD) and one using
// f32x4.relaxed_madd (relaxed SIMD).
const PROBE_SIMD = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8];
const PROBE_SIMD_BODY = [0, 65, 0, 253, 15, 253, 98, 11];
const PROBE_RELAXED = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15];
const PROBE_RELAXED_BODY = [1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11];

/**
 * Layout of the first three pages: [0, SCRATCH_BASE) the module's own constants (Math
 * tables); then each instance's scratch (tail buffers, a batch of rows) at
 * SCRATCH_BASE + SCRATCH_BYTES·i (i = 0 the main thread, 1 … 255 the workers); user
 * data from HEAP_BASE on.
 */
export const SCRATCH_BASE = 65536;
export const SCRATCH_BYTES = 512;
export const HEAP_BASE = 196608;
/** Most pages a shared memory may grow to (4 GiB). */
const MAX_PAGES = 65536;

function validates(bytes: number[]): boolean {
  try {
    return WebAssembly.validate(new Uint8Array(bytes));
  } catch {
    return false;
  }
}

function sharedMemoryWorks(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try {
    return (
      new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof
      SharedArrayBuffer
    );
  } catch {
    return false;
  }
}

/** Detect the engine's WebAssembly features (SIMD, relaxed SIMD, shared memory). */
export function wasmFeatures(): WasmFeatures {
  if (typeof WebAssembly === 'undefined')
    return { simd: false, relaxedSimd: false, sharedMemory: false };
  const simd = validates([...PROBE_SIMD, ...PROBE_SIMD_BODY]);
  return {
    simd,
    relaxedSimd: simd && validates([...PROBE_RELAXED, ...PROBE_RELAXED_BODY]),
    sharedMemory: simd && sharedMemoryWorks(),
  };
}

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Resolve the build to use; throws BACKEND_UNAVAILABLE if a feature asked for is missing. */
function pick(options: InitWasmOptions): { bytes: string; relaxed: boolean; shared: boolean } {
  const f = wasmFeatures();
  if (!f.simd)
    throw new SoftmaxKitError(
      'BACKEND_UNAVAILABLE',
      'initWasm: expected an engine with WebAssembly SIMD, got none',
    );
  const relaxed = options.relaxedSimd ?? f.relaxedSimd;
  const shared = options.sharedMemory ?? f.sharedMemory;
  if (relaxed && !f.relaxedSimd)
    throw new SoftmaxKitError(
      'BACKEND_UNAVAILABLE',
      'initWasm: expected relaxed SIMD support, got an engine without it',
    );
  if (shared && !f.sharedMemory)
    throw new SoftmaxKitError(
      'BACKEND_UNAVAILABLE',
      'initWasm: expected shared WebAssembly memory, got an engine without it',
    );
  const bytes = relaxed
    ? shared
      ? KERNELS_RELAXED_SHARED
      : KERNELS_RELAXED
    : shared
      ? KERNELS_SIMD_SHARED
      : KERNELS_SIMD;
  return { bytes, relaxed, shared };
}

function instantiate(module: WebAssembly.Module, relaxed: boolean, shared: boolean): WasmKernels {
  const memory = shared
    ? new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES, shared: true })
    : new WebAssembly.Memory({ initial: 32 });
  const abort = () => {
    throw new SoftmaxKitError('INVALID_INPUT', 'wasm kernel: expected no abort, got one');
  };
  const instance = new WebAssembly.Instance(module, { env: { memory, abort } });
  (instance.exports as unknown as KernelExports).setScratch(SCRATCH_BASE);
  return {
    exports: instance.exports as unknown as KernelExports,
    module,
    memory,
    relaxedSimd: relaxed,
    sharedMemory: shared,
  };
}

let live: WasmKernels | undefined;
const listeners: ((k: WasmKernels) => void)[] = [];

/** Call `f` with each instance that becomes live (now, if one already is). */
export function onWasmLoaded(f: (k: WasmKernels) => void): void {
  listeners.push(f);
  if (live) f(live);
}

function setLive(k: WasmKernels): WasmKernels {
  live = k;
  for (const f of listeners) f(k);
  return k;
}

/** The live instance, or undefined while none is compiled. */
export function wasmKernels(): WasmKernels | undefined {
  return live;
}

/**
 * Compile and instantiate the kernels synchronously (Node, workers). Loading a new
 * build replaces the live instance and its memory (earlier `wasmArray` views then
 * belong to the old memory and are no longer used in place).
 */
export function loadWasmSync(options: InitWasmOptions = {}): WasmKernels {
  const { bytes, relaxed, shared } = pick(options);
  return setLive(instantiate(new WebAssembly.Module(decode(bytes)), relaxed, shared));
}

/**
 * Compile and instantiate the kernels asynchronously (any environment); resolves
 * once `backend: 'wasm'` is usable. Without options it reuses a live instance.
 *
 * @example
 * await initWasm();
 * softmax(x, { backend: 'wasm' });
 */
export async function initWasm(options: InitWasmOptions = {}): Promise<WasmKernels> {
  if (live && options.relaxedSimd === undefined && options.sharedMemory === undefined) return live;
  const { bytes, relaxed, shared } = pick(options);
  const module = await WebAssembly.compile(decode(bytes));
  return setLive(instantiate(module, relaxed, shared));
}

function loadAtImport(): Promise<WasmKernels | undefined> {
  if (!wasmFeatures().simd) return Promise.resolve(undefined);
  try {
    return Promise.resolve(loadWasmSync());
  } catch {
    // e.g. a browser main thread refusing synchronous compilation
    return initWasm().catch(() => undefined);
  }
}

/** Settles once loading at import has finished: the instance, or undefined without SIMD. */
export const wasmReady: Promise<WasmKernels | undefined> = loadAtImport();
