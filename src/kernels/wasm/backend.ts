/**
 * The 'wasm' backend: the Backend interface over the WebAssembly SIMD kernels
 * (assembly/, exports listed in assembly/index.ts; matrix multiply ./gemm.ts), registered once a
 * module is live.
 *
 * Every row method is one RowCall run by one skeleton (runRowCall): arrays that live in
 * the WebAssembly memory (`wasmArray`) are used in place; others go through the copy
 * pipeline (./copy-rows.ts). Rows the kernels flag (non-finite max: NaN, +∞ or fully
 * masked) are recomputed by the JS reference row by row, so every non-finite output is
 * exactly the reference's; a call the kernels decline (Float64 'two-pass': the f64
 * kernels implement three-pass and online only; scratch that would have to grow a
 * memory holding views) goes to the JS reference whole. With `configure({ threads })`
 * the rows of each kernel call are split across workers (../threads/pool.ts),
 * bit-identical to one thread. The fused attention kernels are ./attention.ts.
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
import { runRows } from '../threads/pool.js';
import { wasmFlashAttention, wasmFlashAttentionVjp } from './attention.js';
import { type CopyJob, copyRows, slack } from './copy-rows.js';
import { wasmGemm } from './gemm.js';
import { onWasmLoaded, type WasmKernels, wasmKernels } from './load.js';
import { wasmExpScaleRows, wasmSplitStateRows } from './logit-tiles.js';
import { ensureBytes, inWasm, RESERVE, type Scratch, scratch } from './memory.js';
import { wasmRouteRows } from './routing.js';
import { wasmTemperaturePass, wasmTemperatureStats } from './temperature.js';
import { wasmTopKRows } from './top-k.js';

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

/**
 * One call of a row kernel: what differs between the backend's methods. runRowCall is
 * the skeleton they share. Its copy-path slots carry their flag bytes (`flags`).
 */
interface RowCall<S extends { readonly flags: number }> extends CopyJob<S> {
  /** False: the kernels do not take the call (the JS reference takes it whole). */
  readonly kernels: boolean;
  /** The kernel's arguments over rows [r, r + u) of the arrays in place (flags: row r's flag byte); absent where the arrays are not all in the memory. */
  readonly inPlace?: ((r: number, u: number, flags: number) => number[]) | undefined;
  /** Some array lives in the memory (so a plain memory may not grow). */
  readonly pinned: boolean;
  /** The copy path's scratch, when the call took regions of its own first. */
  readonly scratch?: Scratch;
  /** The JS reference over rows [r0, r0 + t). */
  reference(r0: number, t: number): void;
}

/** The JS reference for each row the kernel flagged among rows [r0, r0 + t) (flag bytes at `flags`). */
function fixFlagged(
  k: WasmKernels,
  call: { reference(r0: number, t: number): void },
  flags: number,
  r0: number,
  t: number,
): void {
  const fl = new Uint8Array(k.memory.buffer, flags, t);
  for (let r = 0; r < t; r++) if (fl[r]) call.reference(r0 + r, 1);
}

/**
 * The skeleton of every row method: in place (chunks of FLAG_ROWS rows, split across the
 * pool) when the call gives in-place arguments and the flags fit, else the copy pipeline;
 * flagged rows, and a call nothing takes, to the JS reference.
 */
function runRowCall<S extends { readonly flags: number }>(
  rows: number,
  n: number,
  call: RowCall<S>,
): void {
  if (!call.kernels) {
    call.reference(0, rows);
    return;
  }
  const k = wasmKernels()!;
  const inPlace = call.inPlace;
  if (inPlace) {
    const s = scratch();
    const flags = s.take(Math.min(rows, FLAG_ROWS));
    if (ensureBytes(k, s.end, true)) {
      for (let r0 = 0; r0 < rows; r0 += FLAG_ROWS) {
        const t = Math.min(FLAG_ROWS, rows - r0);
        const args = (q: number, u: number) => inPlace(r0 + q, u, flags + q);
        if (runRows(k, call.name, t, n, args)) fixFlagged(k, call, flags, r0, t);
      }
      return;
    }
  }
  const done = copyRows(
    k,
    rows,
    n,
    call.pinned,
    {
      ...call,
      copyOut: (b, r0, t, bad) => {
        call.copyOut(b, r0, t, bad);
        if (bad) fixFlagged(k, call, b.flags, r0, t);
      },
    },
    call.scratch,
  );
  if (!done) call.reference(0, rows);
}

/** Rows [r0, r0 + t) of `a` (rows of `width`); `a` itself for the whole call. */
function rowsOf<A extends FloatArray | Int32Array>(
  a: A,
  r0: number,
  t: number,
  width: number,
  all: number,
): A {
  return r0 === 0 && t === all ? a : (a.subarray(r0 * width, (r0 + t) * width) as A);
}

function softmax({ x, y, rows, n, algorithm, s, log }: SoftmaxArgs): void {
  const k = wasmKernels()!;
  const f32 = x instanceof Float32Array;
  const [w, a, L] = [x.BYTES_PER_ELEMENT, ALG[algorithm], log ? 1 : 0];
  runRowCall(rows, n, {
    name: f32 ? 'softmax_f32' : 'softmax_f64',
    kernels: f32 || algorithm !== 'two-pass',
    inPlace:
      inWasm(x) && inWasm(y)
        ? (r, u, flags) => [
            x.byteOffset + r * n * w,
            y.byteOffset + r * n * w,
            u,
            n,
            a,
            s,
            L,
            flags,
          ]
        : undefined,
    pinned: inWasm(x) || inWasm(y),
    perRow: n * w + 1,
    fixed: slack(2),
    take: (sc, cr) => ({ buf: sc.take(cr * n * w), flags: sc.take(cr) }),
    copyIn: (b, r0, t) => view(k, f32, b.buf, t * n).set(x.subarray(r0 * n, (r0 + t) * n)),
    args: (b, q, u) => [b.buf + q * n * w, b.buf + q * n * w, u, n, a, s, L, b.flags + q],
    copyOut: (b, r0, t) => y.set(view(k, f32, b.buf, t * n), r0 * n),
    reference: (r0, t) => {
      const [xs, ys] = [x, y].map((v) => rowsOf(v, r0, t, n, rows));
      jsBackend.softmax({ x: xs!, y: ys!, rows: t, n, algorithm, s, log });
    },
  });
}

function softmaxVjp({ x, dy, dx, rows, n, algorithm, s, log }: SoftmaxVjpArgs): void {
  const k = wasmKernels()!;
  const f32 = x instanceof Float32Array;
  const [w, a, L] = [x.BYTES_PER_ELEMENT, ALG[algorithm], log ? 1 : 0];
  const inMemory = inWasm(x) && inWasm(dy) && inWasm(dx);
  runRowCall(rows, n, {
    name: f32 ? 'softmaxVjp_f32' : 'softmaxVjp_f64',
    kernels: f32 || algorithm !== 'two-pass',
    inPlace:
      inMemory && !sharesMemory(dx, x) && !sharesMemory(dx, dy)
        ? (r, u, flags) => {
            const at = r * n * w;
            return [
              x.byteOffset + at,
              dy.byteOffset + at,
              dx.byteOffset + at,
              u,
              n,
              a,
              s,
              L,
              flags,
            ];
          }
        : undefined,
    pinned: inWasm(x) || inWasm(dy) || inWasm(dx),
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
    copyOut: (b, r0, t) => dx.set(view(k, f32, b.bd, t * n), r0 * n),
    reference: (r0, t) => {
      const [xs, gs, ds] = [x, dy, dx].map((v) => rowsOf(v, r0, t, n, rows));
      jsBackend.softmaxVjp({ x: xs!, dy: gs!, dx: ds!, rows: t, n, algorithm, s, log });
    },
  });
}

function logSumExp({ x, out, rows, n, algorithm, s }: LogSumExpArgs): void {
  const k = wasmKernels()!;
  const f32 = x instanceof Float32Array;
  const [w, a] = [x.BYTES_PER_ELEMENT, ALG[algorithm]];
  runRowCall(rows, n, {
    name: f32 ? 'logSumExp_f32' : 'logSumExp_f64',
    kernels: f32 || algorithm !== 'two-pass',
    inPlace:
      inWasm(x) && inWasm(out)
        ? (r, u, flags) => [x.byteOffset + r * n * w, out.byteOffset + r * w, u, n, a, s, flags]
        : undefined,
    pinned: inWasm(x) || inWasm(out),
    perRow: (n + 1) * w + 1,
    fixed: slack(3),
    take: (sc, cr) => ({ bx: sc.take(cr * n * w), bo: sc.take(cr * w), flags: sc.take(cr) }),
    copyIn: (b, r0, t) => view(k, f32, b.bx, t * n).set(x.subarray(r0 * n, (r0 + t) * n)),
    args: (b, q, u) => [b.bx + q * n * w, b.bo + q * w, u, n, a, s, b.flags + q],
    copyOut: (b, r0, t) => out.set(view(k, f32, b.bo, t), r0),
    reference: (r0, t) =>
      jsBackend.logSumExp({
        x: rowsOf(x, r0, t, n, rows),
        out: rowsOf(out, r0, t, 1, rows),
        rows: t,
        n,
        algorithm,
        s,
      }),
  });
}

function crossEntropy({
  x,
  targets,
  rows,
  n,
  smoothing,
  classWeight,
  scale,
  loss,
  lse,
  grad,
}: CrossEntropyArgs): void {
  const k = wasmKernels()!;
  const f32 = x instanceof Float32Array;
  const w = x.BYTES_PER_ELEMENT;
  const buf = () => k.memory.buffer;
  const sc = scratch();
  const bw = classWeight ? sc.take(n * 8) : 0;
  const one = <A extends FloatArray | Int32Array>(a: A, r0: number, t: number) =>
    rowsOf(a, r0, t, 1, rows);
  runRowCall(rows, n, {
    name: f32 ? 'crossEntropy_f32' : 'crossEntropy_f64',
    kernels: true,
    pinned: [x, targets, scale, loss, lse, grad, classWeight].some(
      (a) => a !== undefined && inWasm(a),
    ),
    scratch: sc,
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
    copyOut: (b, r0, t) => {
      loss.set(new Float64Array(buf(), b.bl, t), r0);
      lse.set(new Float64Array(buf(), b.be, t), r0);
      if (grad) grad.set(view(k, f32, b.bg, t * n), r0 * n);
    },
    reference: (r0, t) =>
      jsBackend.crossEntropy({
        x: rowsOf(x, r0, t, n, rows),
        targets: one(targets, r0, t),
        rows: t,
        n,
        smoothing,
        classWeight,
        scale: one(scale, r0, t),
        loss: one(loss, r0, t),
        lse: one(lse, r0, t),
        grad: grad && rowsOf(grad, r0, t, n, rows),
      }),
  });
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
  flashAttention: wasmFlashAttention,
  flashAttentionVjp: wasmFlashAttentionVjp,
  routeRows: wasmRouteRows,
  temperatureStats: wasmTemperatureStats,
  temperaturePass: wasmTemperaturePass,
  topKRows: wasmTopKRows,
};

let registered = false;
onWasmLoaded(() => {
  if (registered) return;
  registered = true;
  registerBackend(wasmBackend);
});
