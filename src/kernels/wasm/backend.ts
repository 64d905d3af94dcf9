/**
 * The 'wasm' backend: the Backend interface over the WebAssembly SIMD kernels
 * (assembly/index.ts; the matrix multiply in ./gemm.ts), registered as soon as a
 * module is live.
 *
 * Arrays that live in the WebAssembly memory (`wasmArray`) are used in place;
 * others are copied into scratch in chunks of rows (≈ CHUNK elements, at least
 * one row) and the results copied back. Rows the kernels flag (non-finite max:
 * NaN, +∞ or fully masked) are recomputed by the JS reference row by row, so
 * every non-finite output is exactly the reference's. Float64 'two-pass' calls
 * the JS kernel (the f64 kernels implement three-pass and online only). With
 * `configure({ threads })` the rows of each kernel call are split across workers
 * (../threads/pool.ts), bit-identical to one thread.
 *
 * Accuracy (test/kernels/wasm/backend.test.ts): Float32 ≤ 4 ulp (exp ≤ 1 ulp, x − max
 * exact, sums in double lanes, the scale within 1 ulp; measured ≤ 1.4 ulp on a row
 * of 10^7); Float64 ≤ 1e−14 relative (measured ≤ 3e−16). Outputs below the smallest
 * normal number (2^−126, 2^−1022) may flush to 0. For Float32 input the
 * cross-entropy loss and lse (Float64 arrays) carry the f32 exp's error (~1e−7
 * relative), where the JS reference computes them in double.
 */
import { sharesMemory } from '../../tensor/arrays.js';
import type { FloatArray } from '../../tensor/types.js';
import { type Backend, jsBackend, registerBackend, type SoftmaxAlgorithm } from '../backend.js';
import { configuredThreads, runRows } from '../threads/pool.js';
import { wasmGemm } from './gemm.js';
import { onWasmLoaded, type WasmKernels, wasmKernels } from './load.js';
import { chunkRowsFitting, ensureBytes, inWasm, RESERVE, scratch } from './memory.js';

/** Elements per copy chunk (256 KiB of Float32: the chunk stays in L2 between passes). */
const CHUNK = 1 << 16;
/** Rows per in-place kernel call (their flag bytes fit in the reserve). */
const FLAG_ROWS = RESERVE;

/**
 * 'auto' takes wasm from this many elements on. Measured (Node 20, 2-core machine
 * under load, softmax through the public function, best of 7 × 2000 calls):
 * Float32 1×16: js 0.56 µs, wasm 0.66 µs; 1×32: js 0.98, wasm 0.53; 4×8: js 0.94,
 * wasm 0.60. Float64 1×16: js 0.58, wasm 0.77; 1×32: js 0.95, wasm 0.77; 4×8: js 0.92,
 * wasm 0.83. From 64 elements on wasm wins by 2× and more (1×256: 5.7× / 2.4×).
 */
const AUTO_MIN_ELEMENTS = 32;

const ALG: Record<SoftmaxAlgorithm, number> = { 'three-pass': 0, 'two-pass': 1, online: 2 };

function view(k: WasmKernels, f32: boolean, at: number, length: number): FloatArray {
  return f32
    ? new Float32Array(k.memory.buffer, at, length)
    : new Float64Array(k.memory.buffer, at, length);
}

function flagsOf(k: WasmKernels, at: number, rows: number): Uint8Array {
  return new Uint8Array(k.memory.buffer, at, rows);
}

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
): number {
  const want = Math.max(1, Math.min(rows, Math.floor((CHUNK * configuredThreads()) / n)));
  return chunkRowsFitting(k, want, perRow, fixed, pinned);
}

/** Alignment slack of `takes` scratch regions. */
const slack = (takes: number) => 64 * takes;

/**
 * Run `kernel` over rows [r0, r0 + t) of arrays that all live in wasm memory.
 * Returns false (nothing done) if the flags would need the memory to grow.
 */
function inPlace(
  k: WasmKernels,
  rows: number,
  kernel: (r0: number, t: number, flags: number) => void,
): boolean {
  const s = scratch();
  const flags = s.take(Math.min(rows, FLAG_ROWS));
  if (!ensureBytes(k, s.end, true)) return false;
  for (let r0 = 0; r0 < rows; r0 += FLAG_ROWS) kernel(r0, Math.min(FLAG_ROWS, rows - r0), flags);
  return true;
}

function softmax(
  x: FloatArray,
  y: FloatArray,
  rows: number,
  n: number,
  algorithm: SoftmaxAlgorithm,
  s: number,
  log: boolean,
): void {
  const k = wasmKernels()!;
  const f32 = x instanceof Float32Array;
  if (!f32 && algorithm === 'two-pass') {
    jsBackend.softmax(x, y, rows, n, algorithm, s, log);
    return;
  }
  const fn = f32 ? 'softmax_f32' : 'softmax_f64';
  const a = ALG[algorithm];
  const L = log ? 1 : 0;
  const fix = (flags: Uint8Array, r0: number, t: number) => {
    for (let r = 0; r < t; r++)
      if (flags[r]) {
        const o = (r0 + r) * n;
        jsBackend.softmax(x.subarray(o, o + n), y.subarray(o, o + n), 1, n, algorithm, s, log);
      }
  };
  const w = x.BYTES_PER_ELEMENT;
  if (inWasm(x) && inWasm(y)) {
    const ok = inPlace(k, rows, (r0, t, flags) => {
      const o = r0 * n * w;
      const rowsAt = (q: number) => o + q * n * w;
      const run = (q: number, u: number) => [
        x.byteOffset + rowsAt(q),
        y.byteOffset + rowsAt(q),
        u,
        n,
        a,
        s,
        L,
        flags + q,
      ];
      if (runRows(k, fn, t, n, run)) fix(flagsOf(k, flags, t), r0, t);
    });
    if (ok) return;
  }
  const pinned = inWasm(x) || inWasm(y);
  const cr = chunkRows(k, rows, n, n * w + 1, slack(2), pinned);
  const sc = scratch();
  const buf = sc.take(cr * n * w);
  const flags = sc.take(cr);
  if (!cr || !ensureBytes(k, sc.end, pinned)) {
    jsBackend.softmax(x, y, rows, n, algorithm, s, log);
    return;
  }
  for (let r0 = 0; r0 < rows; r0 += cr) {
    const t = Math.min(cr, rows - r0);
    const v = view(k, f32, buf, t * n);
    v.set(x.subarray(r0 * n, (r0 + t) * n));
    const at = (q: number) => buf + q * n * w;
    const bad = runRows(k, fn, t, n, (q, u) => [at(q), at(q), u, n, a, s, L, flags + q]);
    y.set(v, r0 * n);
    if (bad) fix(flagsOf(k, flags, t), r0, t);
  }
}

function softmaxVjp(
  x: FloatArray,
  dy: FloatArray,
  dx: FloatArray,
  rows: number,
  n: number,
  algorithm: SoftmaxAlgorithm,
  s: number,
  log: boolean,
): void {
  const k = wasmKernels()!;
  const f32 = x instanceof Float32Array;
  if (!f32 && algorithm === 'two-pass') {
    jsBackend.softmaxVjp(x, dy, dx, rows, n, algorithm, s, log);
    return;
  }
  const fn = f32 ? 'softmaxVjp_f32' : 'softmaxVjp_f64';
  const a = ALG[algorithm];
  const L = log ? 1 : 0;
  const fix = (flags: Uint8Array, r0: number, t: number) => {
    for (let r = 0; r < t; r++)
      if (flags[r]) {
        const o = (r0 + r) * n;
        const [xs, gs, ds] = [x, dy, dx].map((v) => v.subarray(o, o + n)) as FloatArray[];
        jsBackend.softmaxVjp(xs!, gs!, ds!, 1, n, algorithm, s, log);
      }
  };
  const w = x.BYTES_PER_ELEMENT;
  if (inWasm(x) && inWasm(dy) && inWasm(dx) && !sharesMemory(dx, x) && !sharesMemory(dx, dy)) {
    const ok = inPlace(k, rows, (r0, t, flags) => {
      const o = r0 * n * w;
      const at = (q: number) => o + q * n * w;
      const run = (q: number, u: number) => [
        x.byteOffset + at(q),
        dy.byteOffset + at(q),
        dx.byteOffset + at(q),
        u,
        n,
        a,
        s,
        L,
        flags + q,
      ];
      if (runRows(k, fn, t, n, run)) fix(flagsOf(k, flags, t), r0, t);
    });
    if (ok) return;
  }
  const pinned = inWasm(x) || inWasm(dy) || inWasm(dx);
  const cr = chunkRows(k, rows, n, 3 * n * w + 1, slack(4), pinned);
  const sc = scratch();
  const bx = sc.take(cr * n * w);
  const bg = sc.take(cr * n * w);
  const bd = sc.take(cr * n * w);
  const flags = sc.take(cr);
  if (!cr || !ensureBytes(k, sc.end, pinned)) {
    jsBackend.softmaxVjp(x, dy, dx, rows, n, algorithm, s, log);
    return;
  }
  for (let r0 = 0; r0 < rows; r0 += cr) {
    const t = Math.min(cr, rows - r0);
    view(k, f32, bx, t * n).set(x.subarray(r0 * n, (r0 + t) * n));
    view(k, f32, bg, t * n).set(dy.subarray(r0 * n, (r0 + t) * n));
    const at = (q: number) => q * n * w;
    const run = (q: number, u: number) => [
      bx + at(q),
      bg + at(q),
      bd + at(q),
      u,
      n,
      a,
      s,
      L,
      flags + q,
    ];
    const bad = runRows(k, fn, t, n, run);
    dx.set(view(k, f32, bd, t * n), r0 * n);
    if (bad) fix(flagsOf(k, flags, t), r0, t);
  }
}

function logSumExp(
  x: FloatArray,
  out: FloatArray,
  rows: number,
  n: number,
  algorithm: SoftmaxAlgorithm,
  s: number,
): void {
  const k = wasmKernels()!;
  const f32 = x instanceof Float32Array;
  if (!f32 && algorithm === 'two-pass') {
    jsBackend.logSumExp(x, out, rows, n, algorithm, s);
    return;
  }
  const fn = f32 ? 'logSumExp_f32' : 'logSumExp_f64';
  const a = ALG[algorithm];
  const fix = (flags: Uint8Array, r0: number, t: number) => {
    for (let r = 0; r < t; r++)
      if (flags[r]) {
        const o = (r0 + r) * n;
        const i = r0 + r;
        jsBackend.logSumExp(x.subarray(o, o + n), out.subarray(i, i + 1), 1, n, algorithm, s);
      }
  };
  const w = x.BYTES_PER_ELEMENT;
  if (inWasm(x) && inWasm(out)) {
    const ok = inPlace(k, rows, (r0, t, flags) => {
      const run = (q: number, u: number) => [
        x.byteOffset + (r0 + q) * n * w,
        out.byteOffset + (r0 + q) * w,
        u,
        n,
        a,
        s,
        flags + q,
      ];
      if (runRows(k, fn, t, n, run)) fix(flagsOf(k, flags, t), r0, t);
    });
    if (ok) return;
  }
  const pinned = inWasm(x) || inWasm(out);
  const cr = chunkRows(k, rows, n, (n + 1) * w + 1, slack(3), pinned);
  const sc = scratch();
  const bx = sc.take(cr * n * w);
  const bo = sc.take(cr * w);
  const flags = sc.take(cr);
  if (!cr || !ensureBytes(k, sc.end, pinned)) {
    jsBackend.logSumExp(x, out, rows, n, algorithm, s);
    return;
  }
  for (let r0 = 0; r0 < rows; r0 += cr) {
    const t = Math.min(cr, rows - r0);
    view(k, f32, bx, t * n).set(x.subarray(r0 * n, (r0 + t) * n));
    const bad = runRows(k, fn, t, n, (q, u) => [bx + q * n * w, bo + q * w, u, n, a, s, flags + q]);
    out.set(view(k, f32, bo, t), r0);
    if (bad) fix(flagsOf(k, flags, t), r0, t);
  }
}

function crossEntropy(
  x: FloatArray,
  targets: Int32Array,
  rows: number,
  n: number,
  smoothing: number,
  classWeight: Float64Array | undefined,
  scale: Float64Array,
  loss: Float64Array,
  lse: Float64Array,
  grad: FloatArray | undefined,
): void {
  const k = wasmKernels()!;
  const f32 = x instanceof Float32Array;
  const fn = f32 ? 'crossEntropy_f32' : 'crossEntropy_f64';
  const w = x.BYTES_PER_ELEMENT;
  const pinned = [x, targets, scale, loss, lse, grad, classWeight].some(
    (a) => a !== undefined && inWasm(a),
  );
  const perRow = (grad ? 2 : 1) * n * w + 4 + 3 * 8 + 1;
  const cr = chunkRows(k, rows, n, perRow, slack(8) + (classWeight ? n * 8 : 0), pinned);
  const sc = scratch();
  const bx = sc.take(cr * n * w);
  const bg = grad ? sc.take(cr * n * w) : 0;
  const bt = sc.take(cr * 4);
  const bs = sc.take(cr * 8);
  const bl = sc.take(cr * 8);
  const be = sc.take(cr * 8);
  const bw = classWeight ? sc.take(n * 8) : 0;
  const flags = sc.take(cr);
  if (!cr || !ensureBytes(k, sc.end, pinned)) {
    jsBackend.crossEntropy(x, targets, rows, n, smoothing, classWeight, scale, loss, lse, grad);
    return;
  }
  const buf = k.memory.buffer;
  if (classWeight) new Float64Array(buf, bw, n).set(classWeight);
  for (let r0 = 0; r0 < rows; r0 += cr) {
    const t = Math.min(cr, rows - r0);
    const sub = <A extends FloatArray | Int32Array>(a: A) => a.subarray(r0, r0 + t) as A;
    view(k, f32, bx, t * n).set(x.subarray(r0 * n, (r0 + t) * n));
    new Int32Array(buf, bt, t).set(sub(targets));
    new Float64Array(buf, bs, t).set(sub(scale));
    const run = (q: number, u: number) => [
      bx + q * n * w,
      bt + 4 * q,
      u,
      n,
      smoothing,
      bw,
      bs + 8 * q,
      bl + 8 * q,
      be + 8 * q,
      bg && bg + q * n * w,
      flags + q,
    ];
    const bad = runRows(k, fn, t, n, run);
    loss.set(new Float64Array(buf, bl, t), r0);
    lse.set(new Float64Array(buf, be, t), r0);
    if (grad) grad.set(view(k, f32, bg, t * n), r0 * n);
    if (!bad) continue;
    const fl = flagsOf(k, flags, t);
    for (let r = 0; r < t; r++) {
      if (!fl[r]) continue;
      const i = r0 + r;
      const o = i * n;
      const one = <A extends FloatArray | Int32Array>(a: A) => a.subarray(i, i + 1) as A;
      jsBackend.crossEntropy(
        x.subarray(o, o + n),
        one(targets),
        1,
        n,
        smoothing,
        classWeight,
        one(scale),
        one(loss),
        one(lse),
        grad?.subarray(o, o + n),
      );
    }
  }
}

/** The WebAssembly SIMD backend. */
export const wasmBackend: Backend = {
  name: 'wasm',
  softmax,
  softmaxVjp,
  logSumExp,
  crossEntropy,
  prefers: (elements) => elements >= AUTO_MIN_ELEMENTS,
  gemm: wasmGemm,
};

let registered = false;
onWasmLoaded(() => {
  if (registered) return;
  registered = true;
  registerBackend(wasmBackend);
});
