/**
 * Fused softmax attention (FlashAttention-2, Dao 2023, arXiv:2307.08691) for one head,
 * entirely in WebAssembly memory, f64x2 lanes and double accumulation: the
 * WebAssembly counterpart of the JavaScript path of src/attention/ (row-state.ts
 * `foldKeys` for the softmax normalizer with plain logits x_ij = scale·q_i·k_j).
 *
 * `flashHead`: for each block of `bs` query rows (bs a multiple of 4) and each tile of
 * at most bs keys the rows see:
 *   S = Q·Kᵀ by the 4×4 register-blocked micro-kernel of ./gemm.ts, computed as
 *   K·Qᵀ so that S lands in the packed-A layout of the next product (for each key,
 *   the 4 rows of a panel side by side: S(r, j) at j·4 + r);
 *   x = scale·S, −∞ outside each row's visible interval [lo_i, hi_i) (causal aligned
 *   bottom-right when queries < keys, sliding window, key length: the intervals of
 *   src/attention/logits.ts); panels of rows that see no key of the tile are skipped,
 *   as are tiles no row of the block sees;
 *   m_new = max(m, max_j x_ij), α = e^(m − m_new), l ← α·l + Σ_j e^(x_ij − m_new),
 *   acc ← α·acc + P·V (the same micro-kernel, P in place as the packed A).
 * It leaves (m, l, acc) per row; the caller finishes out = acc / l and L = m + log l.
 * The exponentials are ./exp.ts's exp64 (≤ 2 ulp); a row that sees no key keeps
 * m = −∞, l = 0, acc = 0. Rows whose running maximum becomes NaN or +∞ (NaN or ±∞ in
 * q or k) are counted in the return value and left to the JavaScript path.
 *
 * `flashDecode` (./attention-decode.ts) is the one-query-row (decoding) kernel and
 * `flashVjpHead` (./attention-vjp.ts) the backward.
 *
 * Error bound: every score and sum is a double sum of the exact products (Float32
 * inputs convert exactly). flashHead sums each score in the JavaScript path's order
 * (bit-identical scores in the plain SIMD build), so only e^x (≤ 2 ulp) and the sums'
 * roundings differ: outputs agree with it to ≤ 1e-14 relative to Σ_j p_ij·|v_j|.
 * The relaxed-SIMD build fuses the micro-kernel's multiply-adds (one rounding
 * fewer per step).
 */
import { interval, keysFrom, keysTo, maskPanel, NEG_INF, rowIntervals, up4 } from './attention-intervals';
import { foldAlpha, foldRef, foldSum, weighTile } from './attention-state';
import { block, pack } from './gemm';

/** Bytes of `work` that flashHead needs for block size bs (a multiple of 4). */
export function flashWorkBytes(bs: i32, dim: i32, dv: i32): usize {
  const b = <usize>bs;
  // Q, K panels; V panels; S; m, l; lo, hi; edge
  return (b * <usize>dim * 2 + b * <usize>up4(dv) + b * b + 2 * b) * 8 + b * 8 + 128;
}

/**
 * One panel's online-softmax step on its tile S (in place: S ← x = scale·S, −∞ outside
 * the rows' intervals when `mask`, then the fold of ./attention-state.ts: x ← e^(x − m_new));
 * updates m and l (two f64x2 each at mw, lw) and rescales the panel's `rows` accumulator rows.
 */
function softmaxPanel(
  sp: usize, cols4: i32, scale: f64, mw: usize, lw: usize, acc: usize, dv: i32, rows: i32,
  mask: bool, j0: i32, lo: usize, hi: usize, r0: i32,
): void {
  const s = f64x2.splat(scale);
  let mx0 = f64x2.splat(NEG_INF);
  let mx1 = f64x2.splat(NEG_INF);
  const end = sp + (<usize>cols4 << 5);
  for (let q = sp; q < end; q += 32) {
    const x0 = f64x2.mul(v128.load(q), s);
    const x1 = f64x2.mul(v128.load(q, 16), s);
    v128.store(q, x0);
    v128.store(q, x1, 16);
    mx0 = f64x2.max(mx0, x0);
    mx1 = f64x2.max(mx1, x1);
  }
  if (mask) {
    maskPanel(sp, cols4, j0, lo, hi, r0);
    mx0 = f64x2.splat(NEG_INF);
    mx1 = f64x2.splat(NEG_INF);
    for (let q = sp; q < end; q += 32) {
      mx0 = f64x2.max(mx0, v128.load(q));
      mx1 = f64x2.max(mx1, v128.load(q, 16));
    }
  }
  const old0 = v128.load(mw);
  const old1 = v128.load(mw, 16);
  const new0 = f64x2.max(old0, mx0);
  const new1 = f64x2.max(old1, mx1);
  v128.store(mw, new0);
  v128.store(mw, new1, 16);
  // the fold (./attention-state.ts), rows 0–1 and rows 2–3
  const ref0 = foldRef(new0);
  const ref1 = foldRef(new1);
  const a0 = foldAlpha(old0, ref0);
  const a1 = foldAlpha(old1, ref1);
  const sum0 = weighTile(sp, end, 32, ref0);
  const sum1 = weighTile(sp + 16, end + 16, 32, ref1);
  v128.store(lw, foldSum(v128.load(lw), a0, sum0));
  v128.store(lw, foldSum(v128.load(lw, 16), a1, sum1), 16);
  // rescale the accumulator rows whose reference grew
  for (let r = 0; r < rows; r++) {
    const a = r < 2 ? (r == 0 ? f64x2.extract_lane(a0, 0) : f64x2.extract_lane(a0, 1))
      : r == 2 ? f64x2.extract_lane(a1, 0) : f64x2.extract_lane(a1, 1);
    if (a == 1) continue;
    const row = acc + (<usize>r * <usize>dv << 3);
    for (let c = 0; c < dv; c++) store<f64>(row + (<usize>c << 3), load<f64>(row + (<usize>c << 3)) * a);
  }
}

/**
 * Softmax attention of one head (see the module doc). q [queries×dim], k [keys×dim],
 * v [keys×dv] (Float32 when f32, else Float64); query i sees keys
 * [max(0, p − window + 1), min(keyLen, causal ? p + 1 : p + window)), p = i + keys − queries.
 * Writes m, l [queries] and acc [queries×dv] (f64). Returns the number of rows whose
 * maximum is NaN or +∞.
 */
export function flashHead(
  q: usize, k: usize, v: usize, f32: bool, queries: i32, keys: i32, dim: i32, dv: i32,
  scale: f64, causal: bool, window: i32, keyLen: i32, bs: i32,
  m: usize, l: usize, acc: usize, work: usize,
): i32 {
  const w: usize = f32 ? 4 : 8;
  const b = <usize>bs;
  const qp = work;
  const kp = qp + (b * <usize>dim << 3);
  const vp = kp + (b * <usize>dim << 3);
  const sp = vp + (b * <usize>up4(dv) << 3);
  const mw = sp + (b * b << 3);
  const lw = mw + (b << 3);
  const lo = lw + (b << 3);
  const hi = lo + (b << 2);
  const edge = hi + (b << 2);
  let bad = 0;
  for (let i0 = 0; i0 < queries; i0 += bs) {
    const rows = min<i32>(bs, queries - i0);
    const rows4 = up4(rows);
    const range = rowIntervals(lo, hi, i0, rows, queries, keys, causal, window, keyLen);
    const from = keysFrom(range);
    const to = keysTo(range);
    for (let r = 0; r < rows4; r++) {
      store<f64>(mw + (<usize>r << 3), NEG_INF);
      store<f64>(lw + (<usize>r << 3), 0);
    }
    const accB = acc + (<usize>i0 * <usize>dv << 3);
    memory.fill(accB, 0, <usize>rows * <usize>dv << 3);
    if (from < to) {
      pack(q + <usize>i0 * <usize>dim * w, f32, <usize>dim, 1, rows, dim, 4, qp);
      for (let j0 = from & ~3; j0 < to; j0 = (j0 / bs + 1) * bs) {
        const cols = min<i32>(to, (j0 / bs + 1) * bs) - j0;
        const cols4 = up4(cols);
        pack(k + <usize>j0 * <usize>dim * w, f32, <usize>dim, 1, cols, dim, 4, kp);
        pack(v + <usize>j0 * <usize>dv * w, f32, 1, <usize>dv, dv, cols, 4, vp);
        for (let jg = 0; jg < cols4; jg += 4)
          for (let r0 = 0; r0 < rows4; r0 += 4) {
            const last = min<i32>(rows, r0 + 4) - 1;
            if (interval(hi, last) <= j0 || interval(lo, r0) >= j0 + cols) continue;
            const c = sp + ((<usize>r0 * <usize>cols4 + <usize>jg * 4) << 3);
            block(kp + (<usize>jg * <usize>dim << 3), qp + (<usize>r0 * <usize>dim << 3), dim, c, 4, 4, 4, 0, edge);
          }
        for (let r0 = 0; r0 < rows4; r0 += 4) {
          const last = min<i32>(rows, r0 + 4) - 1;
          if (interval(hi, last) <= j0 || interval(lo, r0) >= j0 + cols) continue;
          const pr = sp + (<usize>r0 * <usize>cols4 << 3);
          const mask = last < r0 + 3 || interval(lo, last) > j0 || interval(hi, r0) < j0 + cols4;
          const ar = accB + (<usize>r0 * <usize>dv << 3);
          const mr = mw + (<usize>r0 << 3);
          const lr = lw + (<usize>r0 << 3);
          softmaxPanel(pr, cols4, scale, mr, lr, ar, dv, last - r0 + 1, mask, j0, lo, hi, r0);
        }
        // acc += P·V, P in place as packed A (each panel's row j·4 + r), V packed in column panels
        for (let c0 = 0; c0 < dv; c0 += 4) {
          const vb = vp + (<usize>c0 * <usize>cols << 3);
          for (let r0 = 0; r0 < rows4; r0 += 4) {
            const last = min<i32>(rows, r0 + 4) - 1;
            if (interval(hi, last) <= j0 || interval(lo, r0) >= j0 + cols) continue;
            const pr = sp + (<usize>r0 * <usize>cols4 << 3);
            const ar = accB + ((<usize>r0 * <usize>dv + <usize>c0) << 3);
            block(pr, vb, cols, ar, <usize>dv, last - r0 + 1, min<i32>(4, dv - c0), 1, edge);
          }
        }
      }
    }
    for (let r = 0; r < rows; r++) {
      const mr = load<f64>(mw + (<usize>r << 3));
      if (mr != mr || mr == Infinity) bad++;
      store<f64>(m + (<usize>(i0 + r) << 3), mr);
      store<f64>(l + (<usize>(i0 + r) << 3), load<f64>(lw + (<usize>r << 3)));
    }
  }
  return bad;
}

