/**
 * The 'wasm' backend: the Backend interface over the WebAssembly SIMD kernels
 * (assembly/index.ts; the matrix multiply in ./gemm.ts), registered as soon as a
 * module is live.
 *
 * Arrays that live in the WebAssembly memory (`wasmArray`) are used in place;
 * others are copied into scratch in chunks of rows (≈ CHUNK elements per thread,
 * at least one row) and the results copied back; with a worker pool the chunks are
 * pipelined (copyRows). Rows the kernels flag (non-finite max:
 * NaN, +∞ or fully masked) are recomputed by the JS reference row by row, so
 * every non-finite output is exactly the reference's. Float64 'two-pass' calls
 * the JS kernel (the f64 kernels implement three-pass and online only). With
 * `configure({ threads })` the rows of each kernel call are split across workers
 * (../threads/pool.ts), bit-identical to one thread.
 *
 * Accuracy (test/kernels/wasm/backend.test.ts): Float32 ≤ 4 ulp (exp ≤ 1.05 ulp, x − max
 * exact, sums in double lanes, the scale within 1 ulp; measured ≤ 1.8 ulp on a row
 * of 10^7 uniform in [−20, 20]); Float64 ≤ 1e−14 relative (measured ≤ 3e−16). Outputs below the smallest
 * normal number (2^−126, 2^−1022) may flush to 0. For Float32 input the
 * cross-entropy loss and lse (Float64 arrays) carry the f32 exp's error (~1e−7
 * relative), where the JS reference computes them in double.
 */
import { sharesMemory } from '../../tensor/arrays.js';
import type { FloatArray } from '../../tensor/types.js';
import { type Backend, jsBackend, registerBackend, type SoftmaxAlgorithm } from '../backend.js';
import type {
  CrossEntropyArgs,
  LogSumExpArgs,
  SoftmaxArgs,
  SoftmaxVjpArgs,
} from '../kernel-args.js';
import {
  configuredThreads,
  kernelOf,
  type RowKernelName,
  runRows,
  startShared,
  workersFor,
} from '../threads/pool.js';
import { wasmGemm } from './gemm.js';
import { onWasmLoaded, type WasmKernels, wasmKernels } from './load.js';
import { chunkRowsFitting, ensureBytes, inWasm, RESERVE, type Scratch, scratch } from './memory.js';
import { wasmExpScaleRows, wasmSplitStateRows } from './tiles.js';

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

/** One copy-path call: its scratch regions per slot, its copies, its kernel's arguments. */
export interface CopyJob<S> {
  readonly name: RowKernelName;
  /** Scratch bytes per row and per slot (for fitting the chunk). */
  readonly perRow: number;
  readonly fixed: number;
  /** Take one slot's regions for up to `cr` rows. */
  take(sc: Scratch, cr: number): S;
  /** Once the scratch is in place (before any copy). */
  start?(): void;
  /** Copy rows [r0, r0 + t) of the inputs into the slot. */
  copyIn(s: S, r0: number, t: number): void;
  /** The kernel's arguments for rows [q, q + u) of the slot. */
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
  const workers = workersFor(k, rows, rows * n);
  let cr = workers ? chunkRows(k, rows, n, 3 * job.perRow, 3 * job.fixed, pinned) : 0;
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
      const bad = runRows(k, job.name, t, n, (q, u) => job.args(s, q, u));
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
    const rest = (q: number, u: number) => job.args(s, mine + q, u);
    const finish = startShared(k, job.name, t - mine, workers, rest, false);
    const t0 = performance.now();
    let bad = mine > 0 ? fn(...job.args(s, 0, mine)) : 0;
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

function softmax({ x, y, rows, n, algorithm, s, log }: SoftmaxArgs): void {
  const k = wasmKernels()!;
  const f32 = x instanceof Float32Array;
  if (!f32 && algorithm === 'two-pass') {
    jsBackend.softmax({ x, y, rows, n, algorithm, s, log });
    return;
  }
  const fn = f32 ? 'softmax_f32' : 'softmax_f64';
  const a = ALG[algorithm];
  const L = log ? 1 : 0;
  const fix = (flags: Uint8Array, r0: number, t: number) => {
    for (let r = 0; r < t; r++)
      if (flags[r]) {
        const o = (r0 + r) * n;
        jsBackend.softmax({
          x: x.subarray(o, o + n),
          y: y.subarray(o, o + n),
          rows: 1,
          n,
          algorithm,
          s,
          log,
        });
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
  const done = copyRows(k, rows, n, inWasm(x) || inWasm(y), {
    name: fn,
    perRow: n * w + 1,
    fixed: slack(2),
    take: (sc, cr) => ({ buf: sc.take(cr * n * w), flags: sc.take(cr) }),
    copyIn: (b, r0, t) => view(k, f32, b.buf, t * n).set(x.subarray(r0 * n, (r0 + t) * n)),
    args: (b, q, u) => [b.buf + q * n * w, b.buf + q * n * w, u, n, a, s, L, b.flags + q],
    copyOut: (b, r0, t, bad) => {
      y.set(view(k, f32, b.buf, t * n), r0 * n);
      if (bad) fix(flagsOf(k, b.flags, t), r0, t);
    },
  });
  if (!done) jsBackend.softmax({ x, y, rows, n, algorithm, s, log });
}

function softmaxVjp({ x, dy, dx, rows, n, algorithm, s, log }: SoftmaxVjpArgs): void {
  const k = wasmKernels()!;
  const f32 = x instanceof Float32Array;
  if (!f32 && algorithm === 'two-pass') {
    jsBackend.softmaxVjp({ x, dy, dx, rows, n, algorithm, s, log });
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
        jsBackend.softmaxVjp({ x: xs!, dy: gs!, dx: ds!, rows: 1, n, algorithm, s, log });
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
  const done = copyRows(k, rows, n, inWasm(x) || inWasm(dy) || inWasm(dx), {
    name: fn,
    perRow: 3 * n * w + 1,
    fixed: slack(4),
    take: (sc, cr) => ({
      bx: sc.take(cr * n * w),
      bg: sc.take(cr * n * w),
      bd: sc.take(cr * n * w),
      flags: sc.take(cr),
    }),
    copyIn: (b, r0, t) => {
      view(k, f32, b.bx, t * n).set(x.subarray(r0 * n, (r0 + t) * n));
      view(k, f32, b.bg, t * n).set(dy.subarray(r0 * n, (r0 + t) * n));
    },
    args: (b, q, u) => {
      const at = q * n * w;
      return [b.bx + at, b.bg + at, b.bd + at, u, n, a, s, L, b.flags + q];
    },
    copyOut: (b, r0, t, bad) => {
      dx.set(view(k, f32, b.bd, t * n), r0 * n);
      if (bad) fix(flagsOf(k, b.flags, t), r0, t);
    },
  });
  if (!done) jsBackend.softmaxVjp({ x, dy, dx, rows, n, algorithm, s, log });
}

function logSumExp({ x, out, rows, n, algorithm, s }: LogSumExpArgs): void {
  const k = wasmKernels()!;
  const f32 = x instanceof Float32Array;
  if (!f32 && algorithm === 'two-pass') {
    jsBackend.logSumExp({ x, out, rows, n, algorithm, s });
    return;
  }
  const fn = f32 ? 'logSumExp_f32' : 'logSumExp_f64';
  const a = ALG[algorithm];
  const fix = (flags: Uint8Array, r0: number, t: number) => {
    for (let r = 0; r < t; r++)
      if (flags[r]) {
        const o = (r0 + r) * n;
        const i = r0 + r;
        jsBackend.logSumExp({
          x: x.subarray(o, o + n),
          out: out.subarray(i, i + 1),
          rows: 1,
          n,
          algorithm,
          s,
        });
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
  const done = copyRows(k, rows, n, inWasm(x) || inWasm(out), {
    name: fn,
    perRow: (n + 1) * w + 1,
    fixed: slack(3),
    take: (sc, cr) => ({ bx: sc.take(cr * n * w), bo: sc.take(cr * w), flags: sc.take(cr) }),
    copyIn: (b, r0, t) => view(k, f32, b.bx, t * n).set(x.subarray(r0 * n, (r0 + t) * n)),
    args: (b, q, u) => [b.bx + q * n * w, b.bo + q * w, u, n, a, s, b.flags + q],
    copyOut: (b, r0, t, bad) => {
      out.set(view(k, f32, b.bo, t), r0);
      if (bad) fix(flagsOf(k, b.flags, t), r0, t);
    },
  });
  if (!done) jsBackend.logSumExp({ x, out, rows, n, algorithm, s });
}

function crossEntropy(args: CrossEntropyArgs): void {
  const { x, targets, rows, n, smoothing, classWeight, scale, loss, lse, grad } = args;
  const k = wasmKernels()!;
  const f32 = x instanceof Float32Array;
  const fn = f32 ? 'crossEntropy_f32' : 'crossEntropy_f64';
  const w = x.BYTES_PER_ELEMENT;
  const pinned = [x, targets, scale, loss, lse, grad, classWeight].some(
    (a) => a !== undefined && inWasm(a),
  );
  const buf = () => k.memory.buffer;
  const fixRows = (flags: number, r0: number, t: number) => {
    const fl = flagsOf(k, flags, t);
    for (let r = 0; r < t; r++) {
      if (!fl[r]) continue;
      const i = r0 + r;
      const o = i * n;
      const one = <A extends FloatArray | Int32Array>(a: A) => a.subarray(i, i + 1) as A;
      jsBackend.crossEntropy({
        x: x.subarray(o, o + n),
        targets: one(targets),
        rows: 1,
        n,
        smoothing,
        classWeight,
        scale: one(scale),
        loss: one(loss),
        lse: one(lse),
        grad: grad?.subarray(o, o + n),
      });
    }
  };
  const sc = scratch();
  const bw = classWeight ? sc.take(n * 8) : 0;
  const done = copyRows(
    k,
    rows,
    n,
    pinned,
    {
      name: fn,
      perRow: (grad ? 2 : 1) * n * w + 4 + 3 * 8 + 1,
      fixed: slack(8) + (classWeight ? n * 8 : 0),
      take: (s, cr) => ({
        bx: s.take(cr * n * w),
        bg: grad ? s.take(cr * n * w) : 0,
        bt: s.take(cr * 4),
        bs: s.take(cr * 8),
        bl: s.take(cr * 8),
        be: s.take(cr * 8),
        flags: s.take(cr),
      }),
      start: () => {
        if (classWeight) new Float64Array(buf(), bw, n).set(classWeight);
      },
      copyIn: (b, r0, t) => {
        view(k, f32, b.bx, t * n).set(x.subarray(r0 * n, (r0 + t) * n));
        new Int32Array(buf(), b.bt, t).set(targets.subarray(r0, r0 + t));
        new Float64Array(buf(), b.bs, t).set(scale.subarray(r0, r0 + t));
      },
      args: (b, q, u) => [
        b.bx + q * n * w,
        b.bt + 4 * q,
        u,
        n,
        smoothing,
        bw,
        b.bs + 8 * q,
        b.bl + 8 * q,
        b.be + 8 * q,
        b.bg && b.bg + q * n * w,
        b.flags + q,
      ],
      copyOut: (b, r0, t, bad) => {
        loss.set(new Float64Array(buf(), b.bl, t), r0);
        lse.set(new Float64Array(buf(), b.be, t), r0);
        if (grad) grad.set(view(k, f32, b.bg, t * n), r0 * n);
        if (bad) fixRows(b.flags, r0, t);
      },
    },
    sc,
  );
  if (!done)
    jsBackend.crossEntropy({ x, targets, rows, n, smoothing, classWeight, scale, loss, lse, grad });
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
  splitStateRows: wasmSplitStateRows,
  expScaleRows: wasmExpScaleRows,
};

let registered = false;
onWasmLoaded(() => {
  if (registered) return;
  registered = true;
  registerBackend(wasmBackend);
});
