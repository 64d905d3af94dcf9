/**
 * The 'wasm' backend's matrix multiply: copies A and B (and C when beta = 1) into
 * scratch, runs the packed f64x2 micro-kernel (assembly/gemm.ts) and copies C back.
 *
 * Each operand is copied as its rows (one `set` per row, or one for a contiguous
 * block) in its own element type; the kernel converts Float32 to f64 while it packs,
 * so every entry is the double sum of js/gemm.ts (bit-identical in the plain SIMD
 * build, one rounding per step fewer with relaxed-SIMD FMA) and C is rounded once
 * when it is copied back (Float32Array.set rounds to nearest). C's scratch is
 * Float64 whatever C's type, so `C += …` on a Float32 C also rounds once.
 */
import type { FloatArray } from '../../tensor/types.js';
import type { GemmArgs, MatrixView } from '../kernel-args.js';
import { wasmKernels } from './load.js';
import { fitScratch, inWasm, scratch } from './memory.js';

/** Copy the rows × cols block of `v` into `dst` (compact, ld = cols). */
function copyIn(v: MatrixView, rows: number, cols: number, dst: FloatArray): void {
  const { data, offset, ld } = v;
  if (ld === cols || rows === 1) {
    dst.set(data.subarray(offset, offset + rows * cols));
    return;
  }
  for (let r = 0; r < rows; r++)
    dst.set(data.subarray(offset + r * ld, offset + r * ld + cols), r * cols);
}

/** Copy the compact rows × cols block `src` into the view `v`. */
function copyOut(src: Float64Array, v: MatrixView, rows: number, cols: number): void {
  const { data, offset, ld } = v;
  if (ld === cols || rows === 1) {
    data.set(src, offset);
    return;
  }
  for (let r = 0; r < rows; r++) data.set(src.subarray(r * cols, (r + 1) * cols), offset + r * ld);
}

function viewOf(buf: ArrayBufferLike, like: FloatArray, at: number, length: number): FloatArray {
  return like instanceof Float32Array
    ? new Float32Array(buf, at, length)
    : new Float64Array(buf, at, length);
}

/** Scratch bytes a call aims at: larger products go through in chunks of rows of C. */
const MAX_SCRATCH = 1 << 23;

/**
 * C[m×n] (+)= op(A)·op(B) in WebAssembly, in chunks of rows of C so the scratch stays
 * near MAX_SCRATCH (B is copied once). False (nothing done) when no module is live or
 * the scratch would have to grow a plain memory that holds views (the operands, or any
 * `wasmArray`), which growing would detach, or the memory cannot grow.
 */
export function wasmGemm({ form, m, n, k, A, B, C, beta }: GemmArgs): boolean {
  const kern = wasmKernels();
  if (!kern) return false;
  const wa = A.data.BYTES_PER_ELEMENT;
  const wb = B.data.BYTES_PER_ELEMENT;
  const fixed = n * k * (wb + 8) + 512;
  const perRow = k * (wa + 8) + n * 8;
  const rows = Math.min(m, Math.max(4, 4 * Math.floor((MAX_SCRATCH - fixed) / perRow / 4)));
  const s = scratch();
  const bt = s.take(n * k * wb);
  const at = s.take(rows * k * wa);
  const ct = s.take(rows * n * 8);
  const work = s.take(kern.exports.gemmWorkBytes(rows, n, k));
  const pinned = inWasm(A.data) || inWasm(B.data) || inWasm(C.data);
  if (!fitScratch(kern, s, bt, pinned)) return false;
  const buf = kern.memory.buffer;
  // B stored n×k (NT) or k×n, compact; B(p, j) = b[p·sbp + j·sbj]
  const [sbp, sbj] = form === 'NT' ? [1, k] : [n, 1];
  copyIn(B, form === 'NT' ? n : k, form === 'NT' ? k : n, viewOf(buf, B.data, bt, n * k));
  for (let i0 = 0; i0 < m; i0 += rows) {
    const mb = Math.min(rows, m - i0);
    // rows i0… of op(A): rows of A, or columns when transposed (stored k×mb)
    if (form === 'TN')
      copyIn({ ...A, offset: A.offset + i0 }, k, mb, viewOf(buf, A.data, at, k * mb));
    else copyIn({ ...A, offset: A.offset + i0 * A.ld }, mb, k, viewOf(buf, A.data, at, mb * k));
    const [sai, sap] = form === 'TN' ? [1, mb] : [k, 1];
    const Cb = { ...C, offset: C.offset + i0 * C.ld };
    const c = new Float64Array(buf, ct, mb * n);
    if (beta === 1) copyIn(Cb, mb, n, c);
    kern.exports.gemm(
      mb,
      n,
      k,
      at,
      wa === 4 ? 1 : 0,
      sai,
      sap,
      bt,
      wb === 4 ? 1 : 0,
      sbp,
      sbj,
      ct,
      beta,
      work,
    );
    copyOut(c, Cb, mb, n);
  }
  return true;
}
