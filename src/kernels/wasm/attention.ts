/**
 * The 'wasm' backend's fused softmax attention (../attention-rows.ts): copies one
 * head's Q, K and V into the WebAssembly memory once (in their own element type; in
 * place when they already live there), runs assembly/attention.ts and hands the rows'
 * states (m, l, acc), as views of the memory, to the caller's `finish`.
 *
 * - Several query rows: `flashHead`, blocks of blockSize rows (rounded up to a
 *   multiple of 4, at most MAX_BLOCK) against tiles of as many keys, S = Q·Kᵀ and
 *   acc += P·V by the register-blocked micro-kernel of assembly/gemm.ts, e^(x − m) by
 *   the f64x2 exp64, fully masked tiles skipped.
 * - One query row (decoding): `flashDecode` over the visible keys in chunks of
 *   DECODE_CHUNK; with `configure({ threads })` the chunks are split across the worker
 *   pool (../threads/pool.ts). Each chunk's partial state (m, l, acc) is computed the
 *   same way whichever thread runs it and the states are merged on the calling thread
 *   in chunk order (mergeRowStates, exact rescaling), so the result is bit-identical
 *   for any thread count (Dao, Haziza, Massa & Sizov 2023, "Flash-Decoding"). Keys and
 *   values in the memory are read in place; others are copied chunk by chunk through
 *   the backend's scratch slots (copyRows), so with workers the copies of the next
 *   chunks overlap the workers' kernel (a long cache is copy-bound: keep it in a
 *   `wasmArray` to skip the copies).
 *
 * - The backward of a head (`flashVjpHead`, assembly/attention-vjp.ts): Q, K, V, dO, the
 *   rows' L and Δ copied in once, dQ written, the dK and dV accumulators of the key/value
 *   head copied in and out (the heads of a group add into them).
 *
 * Error bound: scores and sums in double (Float32 inputs convert exactly), e^x within
 * 2 ulp; Float64 outputs agree with the JavaScript path to ≤ 1e-14 relative (measured
 * ≤ 1e-15 in test/kernels/wasm/attention.test.ts); Float32 outputs are the double
 * result rounded once. Heads the kernels decline — q, k, v of different element types,
 * memory that cannot grow, a NaN or +∞ score — are left to the JavaScript path, so
 * the non-finite policy is the JavaScript path's; a row that sees no key gives
 * m = −∞, l = 0, acc = 0 (zeros out).
 *
 * @example
 * // not called directly: attention(q, k, v, { dim: 64 }) runs it when the wasm backend is loaded
 */
import type { FloatArray } from '../../tensor/types.js';
import type { FlashGrads, FlashHead } from '../attention-rows.js';
import { mergeRowStates, newRowStates, type RowStates } from '../attention-state.js';
import { runRows } from '../threads/pool.js';
import { copyRows, wasmBackend } from './backend.js';
import { type WasmKernels, wasmKernels } from './load.js';
import { fitScratch, inWasm, type Scratch, scratch } from './memory.js';

/** Keys per decoding chunk (fixed, so any thread count gives the same chunks). */
export const DECODE_CHUNK = 1024;
/** Largest tile side (the kernel's scratch grows with its square). */
const MAX_BLOCK = 512;

/** The exports of assembly/attention.ts (byte addresses into the memory). */
interface AttentionExports {
  flashHead(...a: number[]): number;
  flashVjpHead(...a: number[]): void;
  flashVjpWorkBytes(bs: number, dim: number, dv: number): number;
  flashDecode(...a: number[]): number;
  flashWorkBytes(bs: number, dim: number, dv: number): number;
}

const exportsOf = (k: WasmKernels) => k.exports as unknown as AttentionExports;

/** An operand in the memory: in place, or a scratch region that `copy` fills. */
interface Placed {
  readonly at: number;
  /**
   * Copy `length` elements from element `from` of the operand to the region's start
   * (call it after the memory has grown: growth detaches a plain memory's buffer).
   */
  copy(buf: ArrayBufferLike, from: number, length: number): void;
}

/**
 * The operand's elements [offset, …) in place (when it lives in the memory and `inPlace`
 * allows), or a scratch region of `length` elements.
 */
function place(
  s: Scratch,
  a: FloatArray,
  offset: number,
  length: number,
  inPlace = inWasm(a),
): Placed {
  const w = a.BYTES_PER_ELEMENT;
  if (inPlace) return { at: a.byteOffset + offset * w, copy: () => {} };
  const at = s.take(length * w);
  return {
    at,
    copy: (buf, from, n) => {
      const dst =
        a instanceof Float32Array ? new Float32Array(buf, at, n) : new Float64Array(buf, at, n);
      dst.set(a.subarray(offset + from, offset + from + n));
    },
  };
}

/** The visible key interval [lo, hi) of the head's last query row (decoding). */
function decodeRange(h: FlashHead): [number, number] {
  const lo = Math.max(0, h.keys - h.window);
  return [lo, Math.max(lo, Math.min(h.keyLength, h.keys))];
}

function decode(k: WasmKernels, h: FlashHead, finish: (st: RowStates) => void): boolean {
  const [lo, hi] = decodeRange(h);
  const n = hi - lo;
  const { dim, valueDim: dv } = h;
  const st = newRowStates(1, dv);
  st.m[0] = Number.NEGATIVE_INFINITY;
  if (n === 0) {
    finish(st);
    return true;
  }
  const C = DECODE_CHUNK;
  const chunks = Math.ceil(n / C);
  const s = scratch();
  const from = s.end;
  const q64 = s.take(dim * 8);
  const states = s.take(chunks * (dv + 2) * 8);
  const f32 = h.k instanceof Float32Array ? 1 : 0;
  const w = h.k.BYTES_PER_ELEMENT;
  const setQ = () =>
    new Float64Array(k.memory.buffer, q64, dim).set(h.q.subarray(h.qOffset, h.qOffset + dim));
  // chunk c's arguments, its keys and values at kAt, vAt, its scores at sAt
  const args = (c: number, u: number, kAt: number, vAt: number, sAt: number) => [
    q64,
    kAt,
    vAt,
    f32,
    Math.min(u * C, n - c * C),
    dim,
    dv,
    h.scale,
    C,
    states + c * (dv + 2) * 8,
    sAt,
  ];
  let bad = 0;
  if (inWasm(h.k) && inWasm(h.v)) {
    // in place: every chunk at once, split across the pool
    const scores = s.take(n * 8);
    const k0 = h.k.byteOffset + (h.kOffset + lo * dim) * w;
    const v0 = h.v.byteOffset + (h.vOffset + lo * dv) * w;
    if (!fitScratch(k, s, from, true)) return false;
    setQ();
    bad = runRows(k, 'flashDecode', chunks, C * dim, (c, u) =>
      args(c, u, k0 + c * C * dim * w, v0 + c * C * dv * w, scores + c * C * 8),
    );
  } else {
    // copied chunk by chunk through scratch slots, pipelined with the workers (copyRows)
    const K = h.k;
    const V = h.v;
    const region = (a: FloatArray, at: number, len: number) =>
      a instanceof Float32Array
        ? new Float32Array(k.memory.buffer, at, len)
        : new Float64Array(k.memory.buffer, at, len);
    const done = copyRows(
      k,
      chunks,
      C * dim,
      inWasm(h.k) || inWasm(h.v) || inWasm(h.q),
      {
        name: 'flashDecode',
        perRow: C * ((dim + dv) * w + 8),
        fixed: 3 * 64,
        take: (sc, cr) => ({
          k: sc.take(cr * C * dim * w),
          v: sc.take(cr * C * dv * w),
          scores: sc.take(cr * C * 8),
          c0: 0,
        }),
        start: setQ,
        copyIn: (b, c0, t) => {
          b.c0 = c0;
          const keys = Math.min(t * C, n - c0 * C);
          const k0 = h.kOffset + (lo + c0 * C) * dim;
          const v0 = h.vOffset + (lo + c0 * C) * dv;
          region(K, b.k, keys * dim).set(K.subarray(k0, k0 + keys * dim));
          region(V, b.v, keys * dv).set(V.subarray(v0, v0 + keys * dv));
        },
        args: (b, q, u) =>
          args(b.c0 + q, u, b.k + q * C * dim * w, b.v + q * C * dv * w, b.scores + q * C * 8),
        copyOut: (_b, _c0, _t, flagged) => {
          if (flagged) bad = 1;
        },
      },
      s,
    );
    if (!done) return false;
  }
  if (bad > 0) return false;
  const all = new Float64Array(k.memory.buffer, states, chunks * (dv + 2));
  for (let c = 0; c < chunks; c++) {
    const o = c * (dv + 2);
    const part = {
      m: all.subarray(o, o + 1),
      l: all.subarray(o + 1, o + 2),
      acc: all.subarray(o + 2, o + 2 + dv),
    };
    mergeRowStates(st, part, 1, dv);
  }
  finish(st);
  return true;
}

/** The kernels' tile side: blockSize rounded up to a multiple of 4, at most MAX_BLOCK. */
const tileSide = (h: FlashHead) =>
  Math.min(MAX_BLOCK, Math.ceil(Math.min(h.blockSize, h.queries, h.keys) / 4) * 4);

/** A window ≥ keys + queries sees every key: ∞ clamped into an i32. */
const windowOf = (h: FlashHead) => Math.min(h.window, h.keys + h.queries);

/** The kernels' shared arguments: queries, keys, dim, valueDim, scale, causal, window, key length, tile. */
const geometry = (h: FlashHead, bs: number) => [
  h.queries,
  h.keys,
  h.dim,
  h.valueDim,
  h.scale,
  h.causal ? 1 : 0,
  windowOf(h),
  h.keyLength,
  bs,
];

function head(k: WasmKernels, h: FlashHead, finish: (st: RowStates) => void): boolean {
  const { queries, keys, dim, valueDim: dv } = h;
  const bs = tileSide(h);
  const s = scratch();
  const from = s.end;
  const m = s.take(queries * 8);
  const l = s.take(queries * 8);
  const acc = s.take(queries * dv * 8);
  const work = s.take(exportsOf(k).flashWorkBytes(bs, dim, dv));
  const Q = place(s, h.q, h.qOffset, queries * dim);
  const K = place(s, h.k, h.kOffset, keys * dim);
  const V = place(s, h.v, h.vOffset, keys * dv);
  if (!fitScratch(k, s, from, inWasm(h.q) || inWasm(h.k) || inWasm(h.v))) return false;
  Q.copy(k.memory.buffer, 0, queries * dim);
  K.copy(k.memory.buffer, 0, keys * dim);
  V.copy(k.memory.buffer, 0, keys * dv);
  const bad = exportsOf(k).flashHead(
    Q.at,
    K.at,
    V.at,
    h.q instanceof Float32Array ? 1 : 0,
    ...geometry(h, bs),
    m,
    l,
    acc,
    work,
  );
  if (bad > 0) return false;
  const buf = k.memory.buffer;
  finish({
    m: new Float64Array(buf, m, queries),
    l: new Float64Array(buf, l, queries),
    acc: new Float64Array(buf, acc, queries * dv),
  });
  return true;
}

/** Copy the Float64 `a` into the memory at byte `at`. */
function f64In(buf: ArrayBufferLike, at: number, a: Float64Array): void {
  new Float64Array(buf, at, a.length).set(a);
}

/**
 * The backward of one head (assembly/attention-vjp.ts): q, k, v, dO, L, Δ and the dk, dv
 * accumulators copied in, dq written and dk, dv copied back. False (nothing done) for
 * a NaN or +∞ L, mixed q/k/v types, or memory that cannot grow.
 */
function wasmFlashAttentionVjp(h: FlashHead, g: FlashGrads): boolean {
  const k = wasmKernels();
  if (!k) return false;
  const type = h.q.constructor;
  if (h.k.constructor !== type || h.v.constructor !== type) return false;
  for (const L of g.lse) if (!(L < Number.POSITIVE_INFINITY)) return false;
  const { queries, keys, dim, valueDim: dv } = h;
  const bs = tileSide(h);
  const s = scratch();
  const from = s.end;
  const L = s.take(queries * 8);
  const D = s.take(queries * 8);
  const dq = s.take(queries * dim * 8);
  const dk = s.take(keys * dim * 8);
  const dvAt = s.take(keys * dv * 8);
  const work = s.take(exportsOf(k).flashVjpWorkBytes(bs, dim, dv));
  const Q = place(s, h.q, h.qOffset, queries * dim);
  const K = place(s, h.k, h.kOffset, keys * dim);
  const V = place(s, h.v, h.vOffset, keys * dv);
  const O = place(s, g.dO, g.dOOffset, queries * dv);
  if (!fitScratch(k, s, from, [h.q, h.k, h.v, g.dO].some(inWasm))) return false;
  const buf = k.memory.buffer;
  Q.copy(buf, 0, queries * dim);
  K.copy(buf, 0, keys * dim);
  V.copy(buf, 0, keys * dv);
  O.copy(buf, 0, queries * dv);
  f64In(buf, L, g.lse);
  f64In(buf, D, g.delta);
  f64In(buf, dk, g.dk);
  f64In(buf, dvAt, g.dv);
  exportsOf(k).flashVjpHead(
    Q.at,
    K.at,
    V.at,
    h.q instanceof Float32Array ? 1 : 0,
    O.at,
    g.dO instanceof Float32Array ? 1 : 0,
    ...geometry(h, bs),
    L,
    D,
    dq,
    dk,
    dvAt,
    work,
  );
  const out = k.memory.buffer;
  g.dq.set(new Float64Array(out, dq, queries * dim));
  g.dk.set(new Float64Array(out, dk, keys * dim));
  g.dv.set(new Float64Array(out, dvAt, keys * dv));
  return true;
}

/** The backend member: one head (see the module doc); false leaves it to JavaScript. */
export function wasmFlashAttention(h: FlashHead, finish: (st: RowStates) => void): boolean {
  const k = wasmKernels();
  if (!k) return false;
  const type = h.q.constructor;
  if (h.k.constructor !== type || h.v.constructor !== type) return false;
  return h.queries === 1 ? decode(k, h, finish) : head(k, h, finish);
}

// attach to the 'wasm' backend (its object is built in ./backend.ts)
wasmBackend.flashAttention = wasmFlashAttention;
wasmBackend.flashAttentionVjp = wasmFlashAttentionVjp;
