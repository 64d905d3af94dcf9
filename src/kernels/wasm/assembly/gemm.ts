/**
 * Matrix-multiply micro-kernel (f64x2 lanes, double accumulation), the WebAssembly
 * counterpart of ../../js/gemm.ts: C[m×n] (+)= A·B with A(i, p) = a[i·sai + p·sap]
 * and B(p, j) = b[p·sbp + j·sbj] (element strides, so NT, NN and TN are one
 * kernel). A and B are Float32 or Float64, C is Float64 with ld = n.
 *
 * Packing (Goto & van de Geijn, "Anatomy of High-Performance Matrix
 * Multiplication", ACM TOMS 2008): A is copied, converted to f64, into panels of
 * MR rows (element (r, p) of a panel at p·MR + r) and B into panels of NR columns
 * (element (p, c) at p·NR + c), zero-padded to whole panels. The micro-kernel keeps
 * an MR×NR block of C in MR·NR/2 f64x2 accumulators; per step p it loads NR/2
 * vectors of the B panel, splats MR elements of the A panel (v128.load64_splat)
 * and does MR·NR/2 multiply-adds. Rows are taken MC at a time so their packed A
 * stays in cache while every B panel passes over it.
 *
 * Accuracy: each C entry is the left-to-right sum over p of a(i, p)·b(p, j) in
 * double (Float32 inputs convert exactly), rounded once on the caller's store —
 * the order of js/gemm.ts, so the plain SIMD build is bit-identical to it. The
 * relaxed build fuses each multiply-add (f64x2.relaxed_madd): one rounding per
 * step instead of two, error ≤ k·2^−53·Σ|a·b| as before. 0·NaN and 0·∞ give NaN
 * (standard BLAS); the zero padding only feeds entries that are never stored.
 */
import { madd64 } from './exp';

const MR = 4;
const NR = 4;
/** Bytes of packed A kept hot per row chunk (the chunk is MC = PACK_A_BYTES / (8k) rows). */
const PACK_A_BYTES = 131072;

/**
 * dst ← `count` lines of length k, R lines per panel: dst[(x − x mod R)·k + p·R + x mod R]
 * = src[x·outer + p·inner] as f64, zeros for x in [count, ⌈count/R⌉·R); R = 4 and
 * inner = 1 or outer = 1. Reads run along the unit stride: down each line when
 * inner = 1, across R lines at a time (two f64x2 stores) when outer = 1.
 */
export function pack(
  src: usize, f32: bool, outer: usize, inner: usize, count: i32, k: i32, R: i32, dst: usize,
): void {
  const lines = (count + R - 1) / R * R;
  const qStep = <usize>R << 3;
  for (let x = count; x < lines; x++) {
    let q = dst + ((<usize>(x - x % R) * <usize>k + <usize>(x % R)) << 3);
    for (let p = 0; p < k; p++, q += qStep) store<f64>(q, 0);
  }
  if (inner == 1) {
    // whole panels of four lines, four steps p at a time: a 4 × 4 transpose in registers
    const full = R == 4 ? count / 4 * 4 : 0;
    const k4 = k / 4 * 4;
    for (let x = 0; x < full; x += 4) {
      const q = dst + ((<usize>x * <usize>k) << 3);
      const s = <usize>x * outer;
      for (let p = 0; p < k4; p += 4) packBlock4(src, f32, s + <usize>p, outer, q + (<usize>p << 5));
    }
    for (let x = 0; x < count; x++) {
      const p0 = x < full ? k4 : 0;
      let q = dst + ((<usize>(x - x % R) * <usize>k + <usize>(x % R) + <usize>p0 * <usize>R) << 3);
      const s = <usize>x * outer;
      if (f32)
        for (let p = p0; p < k; p++, q += qStep) store<f64>(q, <f64>load<f32>(src + ((s + p) << 2)));
      else for (let p = p0; p < k; p++, q += qStep) store<f64>(q, load<f64>(src + ((s + p) << 3)));
    }
    return;
  }
  // outer = 1: line p of the source holds element p of every line, R at a time
  const full = count / R * R;
  for (let p = 0; p < k; p++) {
    const s = <usize>p * inner;
    let q = dst + (<usize>p * qStep);
    const panel = <usize>k * qStep;
    let x = 0;
    for (; x < full; x += R, q += panel) {
      if (f32) {
        const v = v128.load(src + ((s + <usize>x) << 2));
        v128.store(q, f64x2.promote_low_f32x4(v));
        v128.store(q, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)), 16);
      } else {
        v128.store(q, v128.load(src + ((s + <usize>x) << 3)));
        v128.store(q, v128.load(src + ((s + <usize>x) << 3), 16), 16);
      }
    }
    for (let r = 0; x < count; x++, r++) {
      const e = s + <usize>x;
      const v = f32 ? <f64>load<f32>(src + (e << 2)) : load<f64>(src + (e << 3));
      store<f64>(q + (<usize>r << 3), v);
    }
  }
}

/**
 * Four lines (element e of line r at src[e + r·outer], from element index e) times four
 * steps into a packed panel: dst[p·4 + r] = line r's element p, as f64 (a 4 × 4 transpose).
 */
// @ts-ignore: decorator
@inline
function packBlock4(src: usize, f32: bool, e: usize, outer: usize, dst: usize): void {
  if (f32) {
    const a = v128.load(src + (e << 2));
    const b = v128.load(src + ((e + outer) << 2));
    const c = v128.load(src + ((e + 2 * outer) << 2));
    const d = v128.load(src + ((e + 3 * outer) << 2));
    // columns 0 and 1 of the four lines: (a0 b0 c0 d0), (a1 b1 c1 d1); then 2 and 3
    const ab01 = v128.shuffle<f32>(a, b, 0, 4, 1, 5);
    const cd01 = v128.shuffle<f32>(c, d, 0, 4, 1, 5);
    const ab23 = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
    const cd23 = v128.shuffle<f32>(c, d, 2, 6, 3, 7);
    v128.store(dst, f64x2.promote_low_f32x4(ab01));
    v128.store(dst, f64x2.promote_low_f32x4(cd01), 16);
    v128.store(dst, f64x2.promote_low_f32x4(v128.shuffle<f32>(ab01, ab01, 2, 3, 2, 3)), 32);
    v128.store(dst, f64x2.promote_low_f32x4(v128.shuffle<f32>(cd01, cd01, 2, 3, 2, 3)), 48);
    v128.store(dst, f64x2.promote_low_f32x4(ab23), 64);
    v128.store(dst, f64x2.promote_low_f32x4(cd23), 80);
    v128.store(dst, f64x2.promote_low_f32x4(v128.shuffle<f32>(ab23, ab23, 2, 3, 2, 3)), 96);
    v128.store(dst, f64x2.promote_low_f32x4(v128.shuffle<f32>(cd23, cd23, 2, 3, 2, 3)), 112);
    return;
  }
  for (let h: usize = 0; h < 4; h += 2) {
    const a = v128.load(src + ((e + h) << 3));
    const b = v128.load(src + ((e + h + outer) << 3));
    const c = v128.load(src + ((e + h + 2 * outer) << 3));
    const d = v128.load(src + ((e + h + 3 * outer) << 3));
    const q = dst + (h << 5);
    v128.store(q, v128.shuffle<f64>(a, b, 0, 2));
    v128.store(q, v128.shuffle<f64>(c, d, 0, 2), 16);
    v128.store(q, v128.shuffle<f64>(a, b, 1, 3), 32);
    v128.store(q, v128.shuffle<f64>(c, d, 1, 3), 48);
  }
}

/** Row r of a block: C[r, 0..3] ← (beta ? C + : ) (v0, v1), all four columns. */
// @ts-ignore: decorator
@inline
function storeRow(q: usize, v0: v128, v1: v128, beta: i32): void {
  if (beta) {
    v0 = f64x2.add(v128.load(q), v0);
    v1 = f64x2.add(v128.load(q, 16), v1);
  }
  v128.store(q, v0);
  v128.store(q, v1, 16);
}

/** The first `cols` entries of a spilled row (edge blocks). */
function storeEdge(q: usize, row: usize, cols: i32, beta: i32): void {
  for (let j = 0; j < cols; j++) {
    const v = load<f64>(row + (<usize>j << 3));
    const at = q + (<usize>j << 3);
    store<f64>(at, beta ? load<f64>(at) + v : v);
  }
}

/**
 * One MR×NR block: C[rows×cols] at c (ld ldc) (+)= Apanel·Bpanel over k steps.
 * Edge blocks (rows < MR or cols < NR) spill the accumulators to `edge` (128 bytes).
 */
export function block(
  ap: usize, bp: usize, k: i32, c: usize, ldc: usize, rows: i32, cols: i32, beta: i32,
  edge: usize,
): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0), c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0), c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  for (let p = 0; p < k; p++, ap += 32, bp += 32) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load64_splat(ap);
    c00 = madd64(a, b0, c00); c01 = madd64(a, b1, c01);
    a = v128.load64_splat(ap, 8);
    c10 = madd64(a, b0, c10); c11 = madd64(a, b1, c11);
    a = v128.load64_splat(ap, 16);
    c20 = madd64(a, b0, c20); c21 = madd64(a, b1, c21);
    a = v128.load64_splat(ap, 24);
    c30 = madd64(a, b0, c30); c31 = madd64(a, b1, c31);
  }
  const ld = ldc << 3;
  if (rows == MR && cols == NR) {
    storeRow(c, c00, c01, beta);
    storeRow(c + ld, c10, c11, beta);
    storeRow(c + 2 * ld, c20, c21, beta);
    storeRow(c + 3 * ld, c30, c31, beta);
    return;
  }
  v128.store(edge, c00); v128.store(edge, c01, 16);
  v128.store(edge, c10, 32); v128.store(edge, c11, 48);
  v128.store(edge, c20, 64); v128.store(edge, c21, 80);
  v128.store(edge, c30, 96); v128.store(edge, c31, 112);
  for (let r = 0; r < rows; r++) storeEdge(c + <usize>r * ld, edge + (<usize>r << 5), cols, beta);
}

/** Bytes of `work` that gemm needs: both packed operands and the edge spill. */
export function gemmWorkBytes(m: i32, n: i32, k: i32): usize {
  const mp = <usize>((m + MR - 1) / MR * MR);
  const np = <usize>((n + NR - 1) / NR * NR);
  return ((mp + np) * <usize>k << 3) + 128;
}

/**
 * C[m×n] (ld n, f64) (+)= A·B (beta 0 or 1) with A(i, p) = a[i·sai + p·sap] and
 * B(p, j) = b[p·sbp + j·sbj] (Float32 when aF32 / bF32, else Float64); `work`
 * holds gemmWorkBytes(m, n, k) bytes (16-byte aligned).
 */
export function gemm(
  m: i32, n: i32, k: i32, a: usize, aF32: bool, sai: usize, sap: usize,
  b: usize, bF32: bool, sbp: usize, sbj: usize, c: usize, beta: i32, work: usize,
): void {
  const pa = work;
  const pb = pa + (<usize>((m + MR - 1) / MR * MR) * <usize>k << 3);
  const edge = pb + (<usize>((n + NR - 1) / NR * NR) * <usize>k << 3);
  pack(a, aF32, sai, sap, m, k, MR, pa);
  pack(b, bF32, sbj, sbp, n, k, NR, pb);
  const mc = max<i32>(MR, <i32>(PACK_A_BYTES / (max<i32>(k, 1) << 3)) / MR * MR);
  const ldc = <usize>n;
  for (let i0 = 0; i0 < m; i0 += mc) {
    const i1 = min<i32>(m, i0 + mc);
    for (let j = 0; j < n; j += NR) {
      const bj = pb + (<usize>j * <usize>k << 3);
      const cols = min<i32>(NR, n - j);
      for (let i = i0; i < i1; i += MR) {
        const ci = c + ((<usize>i * ldc + <usize>j) << 3);
        const ai = pa + (<usize>i * <usize>k << 3);
        block(ai, bj, k, ci, ldc, min<i32>(MR, m - i), cols, beta, edge);
      }
    }
  }
}
