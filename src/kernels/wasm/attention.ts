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
 *   for any thread count (Dao, Haziza, Massa & Sizov 2023, "Flash-Decoding"). Copied
 *   keys and values go through a region of one chunk (4 per thread with threads), so
 *   the kernel reads them from cache right after the copy.
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
import { configuredThreads, runRows } from '../threads/pool.js';
import { wasmBackend } from './backend.js';
import { type WasmKernels, wasmKernels } from './load.js';
import { chunkRowsFitting, ensureBytes, inWasm, type Scratch, scratch } from './memory.js';

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

/** Take the scratch up to s.end; false when a plain memory holding views cannot grow. */
function fits(k: WasmKernels, s: Scratch, from: number, pinned: boolean): boolean {
  if (!chunkRowsFitting(k, 1, s.end - from, 0, pinned)) return false;
  try {
    return ensureBytes(k, s.end, pinned);
  } catch {
    return false; // the memory cannot grow that far
  }
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
  const chunks = Math.ceil(n / DECODE_CHUNK);
  // Copied operands go through a region of `group` chunks (one per thread), where the
  // kernel finds them in cache; operands in the memory are used in place, all at once.
  const inPlace = inWasm(h.k) && inWasm(h.v);
  const threads = k.sharedMemory ? configuredThreads() : 1;
  const group = inPlace ? chunks : Math.min(chunks, threads > 1 ? 4 * threads : 1);
  const span = Math.min(n, group * DECODE_CHUNK);
  const s = scratch();
  const from = s.end;
  const q64 = s.take(dim * 8);
  const states = s.take(chunks * (dv + 2) * 8);
  const scores = s.take(span * 8);
  const K = place(s, h.k, h.kOffset + lo * dim, span * dim, inPlace);
  const V = place(s, h.v, h.vOffset + lo * dv, span * dv, inPlace);
  if (!fits(k, s, from, inWasm(h.k) || inWasm(h.v) || inWasm(h.q))) return false;
  const buf = k.memory.buffer;
  new Float64Array(buf, q64, dim).set(h.q.subarray(h.qOffset, h.qOffset + dim));
  const f32 = h.k instanceof Float32Array ? 1 : 0;
  const w = h.k.BYTES_PER_ELEMENT;
  let bad = 0;
  for (let g0 = 0; g0 < chunks && bad === 0; g0 += group) {
    const t = Math.min(group, chunks - g0);
    const first = inPlace ? 0 : g0 * DECODE_CHUNK; // the region's first key
    const len = Math.min(t * DECODE_CHUNK, n - g0 * DECODE_CHUNK);
    K.copy(buf, g0 * DECODE_CHUNK * dim, len * dim);
    V.copy(buf, g0 * DECODE_CHUNK * dv, len * dv);
    // chunks [c, c + u) of the group: their keys start at key c·DECODE_CHUNK − first of the region
    bad = runRows(k, 'flashDecode', t, DECODE_CHUNK * dim, (c0, u) => {
      const c = g0 + c0;
      const at = c * DECODE_CHUNK - first;
      return [
        q64,
        K.at + at * dim * w,
        V.at + at * dv * w,
        f32,
        Math.min(u * DECODE_CHUNK, n - c * DECODE_CHUNK),
        dim,
        dv,
        h.scale,
        DECODE_CHUNK,
        states + c * (dv + 2) * 8,
        scores + at * 8,
      ];
    });
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
  if (!fits(k, s, from, inWasm(h.q) || inWasm(h.k) || inWasm(h.v))) return false;
  Q.copy(k.memory.buffer, 0, queries * dim);
  K.copy(k.memory.buffer, 0, keys * dim);
  V.copy(k.memory.buffer, 0, keys * dv);
  const bad = exportsOf(k).flashHead(
    Q.at,
    K.at,
    V.at,
    h.q instanceof Float32Array ? 1 : 0,
    queries,
    keys,
    dim,
    dv,
    h.scale,
    h.causal ? 1 : 0,
    windowOf(h),
    h.keyLength,
    bs,
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
export function wasmFlashAttentionVjp(h: FlashHead, g: FlashGrads): boolean {
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
  if (!fits(k, s, from, [h.q, h.k, h.v, g.dO].some(inWasm))) return false;
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
    queries,
    keys,
    dim,
    dv,
    h.scale,
    h.causal ? 1 : 0,
    windowOf(h),
    h.keyLength,
    bs,
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
