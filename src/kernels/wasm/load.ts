/**
 * Loading the WebAssembly kernels: feature detection, compilation and the one
 * live instance (its memory and exports).
 *
 * Two builds exist: plain SIMD and relaxed SIMD (fused multiply-add), each
 * instantiated over a plain or a shared memory (the shared variant is derived from
 * the same bytes: shared-memory.ts). Features are detected once with
 * `WebAssembly.validate` on tiny probe modules (relaxed SIMD: V8 ≥ 11.4 — Node 22,
 * Chrome 114 — or Node 20's `--experimental-wasm-relaxed-simd`; shared memory needs
 * SharedArrayBuffer, i.e. Node or a cross-origin-isolated page).
 *
 * What a page pays for: the SIMD build is embedded in the default import
 * (gen/kernels.ts), so it loads with no fetch, on every engine with SIMD. The
 * relaxed build lives in its own module (gen/kernels-relaxed.ts) reached only by a
 * dynamic `import()`, and only where the engine validates relaxed SIMD; bundlers
 * split it into a chunk of its own.
 *
 * At import the SIMD build is compiled synchronously where the engine allows it
 * (Node, workers), so `backend: 'wasm'` works at once; where relaxed SIMD is
 * available its build is then imported and takes over over the same memory (arrays
 * from `wasmArray` stay in place; results may change within the kernels' 4 ulp).
 * `wasmReady` (or `await initWasm()`) settles after that. A browser's main thread may
 * refuse synchronous compilation of a module this size, so pages should
 * `await initWasm()` before asking for `backend: 'wasm'`; until then 'auto' uses
 * JavaScript and 'wasm' throws BACKEND_UNAVAILABLE.
 */
import { SoftmaxKitError } from '../../tensor/errors.js';
import { KERNELS_SIMD } from './gen/kernels.js';
import { withSharedMemory } from './shared-memory.js';

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
  /** Linear cross-entropy tiles: per-row max and Σ e^(x − m) − 1 (see assembly/logit-tiles.ts). */
  splitStates_f64(x: number, rows: number, n: number, m: number, u: number): void;
  /** y_rj = e^(x_rj − m_r)·f_r. */
  expScaleRows_f64(x: number, y: number, rows: number, n: number, m: number, f: number): void;
  /** Temperature scaling's per-row sums (see assembly/temperature.ts). */
  temperatureRows_f32: TemperatureRows;
  temperatureRows_f64: TemperatureRows;
  temperatureStats_f32: TemperatureStats;
  temperatureStats_f64: TemperatureStats;
  /** Token-choice routing of Float32 rows (see assembly/routing.ts). */
  route_f32(
    x: number,
    s: number,
    rows: number,
    n: number,
    k: number,
    sigmoid: number,
    bias: number,
    groups: number,
    top: number,
    indices: number,
    picked: number,
    weights: number,
    renorm: number,
    scale: number,
    flags: number,
    work: number,
  ): number;
  routeWorkBytes(n: number, groups: number): number;
}
type TemperatureRows = (
  ...a: [number, number, number, number, number, number, number, number]
) => number;
/** (x, labels, rows, n, fast, out) → the stats kernel's status. */
type TemperatureStats = (...a: [number, number, number, number, number, number]) => number;
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

/** The relaxed build's base64 bytes, once its module has been imported. */
let relaxedBuild: string | undefined;

/** Import the relaxed build's module (a chunk of its own in a bundle) once. */
export async function importRelaxedBuild(): Promise<void> {
  relaxedBuild ??= (await import('./gen/kernels-relaxed.js')).KERNELS_RELAXED;
}

interface Build {
  bytes: Uint8Array<ArrayBuffer>;
  relaxed: boolean;
  shared: boolean;
}

/**
 * Resolve the build to use; throws BACKEND_UNAVAILABLE if a feature asked for is
 * missing. Relaxed SIMD by default only where the engine has it and its build has
 * been imported (always, after `initWasm`).
 */
function pick(fn: string, options: InitWasmOptions): Build {
  const f = wasmFeatures();
  if (!f.simd)
    throw new SoftmaxKitError(
      'BACKEND_UNAVAILABLE',
      `${fn}: expected an engine with WebAssembly SIMD, got none`,
    );
  const relaxed = options.relaxedSimd ?? (f.relaxedSimd && relaxedBuild !== undefined);
  const shared = options.sharedMemory ?? f.sharedMemory;
  if (relaxed && !f.relaxedSimd)
    throw new SoftmaxKitError(
      'BACKEND_UNAVAILABLE',
      `${fn}: expected relaxed SIMD support, got an engine without it`,
    );
  if (relaxed && relaxedBuild === undefined)
    throw new SoftmaxKitError(
      'BACKEND_UNAVAILABLE',
      `${fn}: expected the relaxed-SIMD build to be imported first (await initWasm({ relaxedSimd: true })), got none`,
    );
  if (shared && !f.sharedMemory)
    throw new SoftmaxKitError(
      'BACKEND_UNAVAILABLE',
      `${fn}: expected shared WebAssembly memory, got an engine without it`,
    );
  const plain = decode(relaxed ? relaxedBuild! : KERNELS_SIMD);
  return { bytes: shared ? withSharedMemory(plain, MAX_PAGES) : plain, relaxed, shared };
}

/** Instantiate over `memory`, or over a new one of the build's kind. */
function instantiate(
  module: WebAssembly.Module,
  { relaxed, shared }: Omit<Build, 'bytes'>,
  memory = shared
    ? new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES, shared: true })
    : new WebAssembly.Memory({ initial: 32 }),
): WasmKernels {
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
 * belong to the old memory and are no longer used in place). The relaxed build
 * can be loaded this way once `initWasm` has imported it.
 */
export function loadWasmSync(options: InitWasmOptions = {}): WasmKernels {
  const build = pick('loadWasmSync', options);
  return setLive(instantiate(new WebAssembly.Module(build.bytes), build));
}

async function loadWasm(options: InitWasmOptions): Promise<WasmKernels> {
  if (options.relaxedSimd ?? wasmFeatures().relaxedSimd) await importRelaxedBuild();
  const build = pick('initWasm', options);
  return setLive(instantiate(await WebAssembly.compile(build.bytes), build));
}

/**
 * Compile and instantiate the kernels asynchronously (any environment); resolves
 * once `backend: 'wasm'` is usable. Without options it waits for the loading at
 * import (the best build the engine runs) and reuses its instance.
 *
 * @example
 * await initWasm();
 * softmax(x, { backend: 'wasm' });
 */
export async function initWasm(options: InitWasmOptions = {}): Promise<WasmKernels> {
  if (options.relaxedSimd === undefined && options.sharedMemory === undefined) {
    await wasmReady;
    if (live) return live;
  }
  return loadWasm(options);
}

/**
 * The relaxed build takes over from the SIMD one loaded at import, over the same
 * memory (so `wasmArray` views stay in place), unless another build was loaded since.
 */
async function upgradeToRelaxed(first: WasmKernels): Promise<WasmKernels> {
  await importRelaxedBuild();
  if (live !== first) return live!;
  const build = pick('initWasm', { relaxedSimd: true, sharedMemory: first.sharedMemory });
  const module = await WebAssembly.compile(build.bytes);
  return live === first ? setLive(instantiate(module, build, first.memory)) : live!;
}

async function loadAtImport(): Promise<WasmKernels | undefined> {
  const f = wasmFeatures();
  if (!f.simd) return undefined;
  let first: WasmKernels;
  try {
    first = loadWasmSync({ relaxedSimd: false });
  } catch {
    // e.g. a browser main thread refusing synchronous compilation
    return loadWasm({}).catch(() => undefined);
  }
  return f.relaxedSimd ? upgradeToRelaxed(first).catch(() => live) : first;
}

/** Settles once loading at import has finished: the instance, or undefined without SIMD. */
export const wasmReady: Promise<WasmKernels | undefined> = loadAtImport();
