/**
 * Fused softmax attention backward for one head (FlashAttention-2, Dao 2023,
 * arXiv:2307.08691, Algorithm 2), the WebAssembly counterpart of the JavaScript path of
 * src/attention/backward.ts for softmax with plain logits x_ij = scale·q_i·k_j and
 * structural masks (the row intervals of ./attention-intervals.ts). Given each row's saved
 * L_i = m_i + log l_i and Δ_i = ⟨O_i, dO_i⟩, for each block of query rows and each
 * tile of keys the rows see:
 *
 *   S = K·Qᵀ, dP = V·dOᵀ (both in the packed-A layout S(r, j) at j·4 + r),
 *   P = e^(scale·S − L) (0 outside the intervals and for rows with L = −∞),
 *   dS = scale·P ⊙ (dP − Δ),
 *   dQ += dS·K,  dV += Pᵀ·dO,  dK += dSᵀ·Q,
 *
 * every product by the 4×4 register-blocked micro-kernel of ./gemm.ts (Pᵀ and dSᵀ as
 * 4×4 block transposes of P and dS). Tiles no row sees are skipped; nothing of size
 * queries·keys is stored. dQ is written per block; dK and dV are added to, so the heads
 * of a key/value group accumulate into the same buffers.
 *
 * Error bound: double sums of exact products, e^x by exp64 (≤ 2 ulp): the gradients
 * agree with the JavaScript path to ≤ 1e-14 relative to their magnitudes (the sums
 * run in another order). The caller sends heads with NaN or +∞ in L to JavaScript.
 */
import { exp64 } from './exp';
import { block, pack } from './gemm';
import { interval, keysFrom, keysTo, maskPanel, NEG_INF, rowIntervals, up4 } from './attention-intervals';

/** Bytes of `work` that flashVjpHead needs for block size bs (a multiple of 4). */
export function flashVjpWorkBytes(bs: i32, dim: i32, dv: i32): usize {
  const b = <usize>bs;
  const d4 = <usize>up4(dim);
  const v4 = <usize>up4(dv);
  // Q, Qc, dO, dOc, K, Kc, V panels; S, dP, T; L, Δ; lo, hi; edge
  return (b * (d4 * 4 + v4 * 3) + 3 * b * b + 2 * b) * 8 + b * 8 + 128;
}

/** dst ← the transposes of the 4×4 blocks of an rows4 × cols4 tile (see the module doc). */
function transposeTile(src: usize, dst: usize, rows4: i32, cols4: i32): void {
  for (let r0 = 0; r0 < rows4; r0 += 4)
    for (let jg = 0; jg < cols4; jg += 4) {
      // src block: (j, r) at j·4 + r; dst block: (r, j) at r·4 + j
      const a = src + ((<usize>r0 * <usize>cols4 + <usize>jg * 4) << 3);
      const b = dst + ((<usize>jg * <usize>rows4 + <usize>r0 * 4) << 3);
      const j0lo = v128.load(a), j0hi = v128.load(a, 16);
      const j1lo = v128.load(a, 32), j1hi = v128.load(a, 48);
      const j2lo = v128.load(a, 64), j2hi = v128.load(a, 80);
      const j3lo = v128.load(a, 96), j3hi = v128.load(a, 112);
      v128.store(b, v128.shuffle<f64>(j0lo, j1lo, 0, 2));
      v128.store(b, v128.shuffle<f64>(j2lo, j3lo, 0, 2), 16);
      v128.store(b, v128.shuffle<f64>(j0lo, j1lo, 1, 3), 32);
      v128.store(b, v128.shuffle<f64>(j2lo, j3lo, 1, 3), 48);
      v128.store(b, v128.shuffle<f64>(j0hi, j1hi, 0, 2), 64);
      v128.store(b, v128.shuffle<f64>(j2hi, j3hi, 0, 2), 80);
      v128.store(b, v128.shuffle<f64>(j0hi, j1hi, 1, 3), 96);
      v128.store(b, v128.shuffle<f64>(j2hi, j3hi, 1, 3), 112);
    }
}

/** One panel: S ← P = e^(scale·S − L), dP ← dS = scale·P ⊙ (dP − Δ) (L, Δ two f64x2 each). */
function gradsPanel(
  sp: usize, dp: usize, cols4: i32, scale: f64, lw: usize, dw: usize,
  mask: bool, j0: i32, lo: usize, hi: usize, r0: i32,
): void {
  const s = f64x2.splat(scale);
  const end = sp + (<usize>cols4 << 5);
  for (let q = sp; q < end; q += 32) {
    v128.store(q, f64x2.mul(v128.load(q), s));
    v128.store(q, f64x2.mul(v128.load(q, 16), s), 16);
  }
  if (mask) maskPanel(sp, cols4, j0, lo, hi, r0);
  const l0 = v128.load(lw);
  const l1 = v128.load(lw, 16);
  const d0 = v128.load(dw);
  const d1 = v128.load(dw, 16);
  const zero = f64x2.splat(0);
  for (let q = sp, g = dp; q < end; q += 32, g += 32) {
    const p0 = exp64(f64x2.sub(v128.load(q), l0), zero);
    const p1 = exp64(f64x2.sub(v128.load(q, 16), l1), zero);
    v128.store(q, p0);
    v128.store(q, p1, 16);
    v128.store(g, f64x2.mul(f64x2.mul(p0, f64x2.sub(v128.load(g), d0)), s));
    v128.store(g, f64x2.mul(f64x2.mul(p1, f64x2.sub(v128.load(g, 16), d1)), s), 16);
  }
}

/**
 * Softmax attention backward of one head (see the module doc): q, dO [queries×dim /
 * ×dv], k, v [keys×dim / ×dv] (Float32 when f32 / dF32, else Float64), L and Δ
 * [queries] f64. Writes dq [queries×dim] f64; adds into dk [keys×dim], dv [keys×dv] f64.
 */
export function flashVjpHead(
  q: usize, k: usize, v: usize, f32: bool, dO: usize, dF32: bool,
  queries: i32, keys: i32, dim: i32, dv: i32, scale: f64, causal: bool, window: i32,
  keyLen: i32, bs: i32, L: usize, delta: usize, dq: usize, dk: usize, dvAcc: usize,
  work: usize,
): void {
  const w: usize = f32 ? 4 : 8;
  const wd: usize = dF32 ? 4 : 8;
  const b = <usize>bs;
  const d4 = <usize>up4(dim);
  const v4 = <usize>up4(dv);
  const qp = work;
  const qc = qp + (b * d4 << 3);
  const op = qc + (b * d4 << 3);
  const oc = op + (b * v4 << 3);
  const kp = oc + (b * v4 << 3);
  const kc = kp + (b * d4 << 3);
  const vp = kc + (b * d4 << 3);
  const sp = vp + (b * v4 << 3);
  const gp = sp + (b * b << 3);
  const tp = gp + (b * b << 3);
  const lw = tp + (b * b << 3);
  const dw = lw + (b << 3);
  const lo = dw + (b << 3);
  const hi = lo + (b << 2);
  const edge = hi + (b << 2);
  for (let i0 = 0; i0 < queries; i0 += bs) {
    const rows = min<i32>(bs, queries - i0);
    const rows4 = up4(rows);
    const range = rowIntervals(lo, hi, i0, rows, queries, keys, causal, window, keyLen);
    const from = keysFrom(range);
    const to = keysTo(range);
    for (let r = 0; r < rows4; r++) {
      // rows that see nothing (L = −∞) and padding rows get P = e^(x − ∞) = 0
      const Lr = r < rows ? load<f64>(L + (<usize>(i0 + r) << 3)) : NEG_INF;
      store<f64>(lw + (<usize>r << 3), Lr == NEG_INF ? Infinity : Lr);
      store<f64>(dw + (<usize>r << 3), r < rows ? load<f64>(delta + (<usize>(i0 + r) << 3)) : 0);
    }
    const dqB = dq + (<usize>i0 * <usize>dim << 3);
    memory.fill(dqB, 0, <usize>rows * <usize>dim << 3);
    if (from >= to) continue;
    const qB = q + <usize>i0 * <usize>dim * w;
    const oB = dO + <usize>i0 * <usize>dv * wd;
    pack(qB, f32, <usize>dim, 1, rows, dim, 4, qp);
    pack(qB, f32, 1, <usize>dim, dim, rows, 4, qc);
    pack(oB, dF32, <usize>dv, 1, rows, dv, 4, op);
    pack(oB, dF32, 1, <usize>dv, dv, rows, 4, oc);
    for (let j0 = from & ~3; j0 < to; j0 = (j0 / bs + 1) * bs) {
      const cols = min<i32>(to, (j0 / bs + 1) * bs) - j0;
      const cols4 = up4(cols);
      const kB = k + <usize>j0 * <usize>dim * w;
      pack(kB, f32, <usize>dim, 1, cols, dim, 4, kp);
      pack(kB, f32, 1, <usize>dim, dim, cols, 4, kc);
      pack(v + <usize>j0 * <usize>dv * w, f32, <usize>dv, 1, cols, dv, 4, vp);
      for (let r0 = 0; r0 < rows4; r0 += 4) {
        const last = min<i32>(rows, r0 + 4) - 1;
        const pr = sp + (<usize>r0 * <usize>cols4 << 3);
        const gr = gp + (<usize>r0 * <usize>cols4 << 3);
        if (interval(hi, last) <= j0 || interval(lo, r0) >= j0 + cols) {
          // rows that see none of the tile: no weight (the transposed products read them)
          memory.fill(pr, 0, <usize>cols4 << 5);
          memory.fill(gr, 0, <usize>cols4 << 5);
          continue;
        }
        for (let jg = 0; jg < cols4; jg += 4) {
          const kg = kp + (<usize>jg * <usize>dim << 3);
          block(kg, qp + (<usize>r0 * <usize>dim << 3), dim, pr + (<usize>jg << 5), 4, 4, 4, 0, edge);
          const vg = vp + (<usize>jg * <usize>dv << 3);
          block(vg, op + (<usize>r0 * <usize>dv << 3), dv, gr + (<usize>jg << 5), 4, 4, 4, 0, edge);
        }
        const mask = last < r0 + 3 || interval(lo, last) > j0 || interval(hi, r0) < j0 + cols4;
        const lr = lw + (<usize>r0 << 3);
        const dr = dw + (<usize>r0 << 3);
        gradsPanel(pr, gr, cols4, scale, lr, dr, mask, j0, lo, hi, r0);
        // dQ += dS·K
        for (let c0 = 0; c0 < dim; c0 += 4) {
          const at = dqB + ((<usize>r0 * <usize>dim + <usize>c0) << 3);
          const kb = kc + (<usize>c0 * <usize>cols << 3);
          block(gr, kb, cols, at, <usize>dim, last - r0 + 1, min<i32>(4, dim - c0), 1, edge);
        }
      }
      // dV += Pᵀ·dO, dK += dSᵀ·Q over the block's rows
      transposeTile(sp, tp, rows4, cols4);
      for (let jg = 0; jg < cols; jg += 4) {
        const tg = tp + (<usize>jg * <usize>rows4 << 3);
        const at = dvAcc + ((<usize>(j0 + jg) * <usize>dv) << 3);
        for (let c0 = 0; c0 < dv; c0 += 4) {
          const ob = oc + (<usize>c0 * <usize>rows << 3);
          block(tg, ob, rows, at + (<usize>c0 << 3), <usize>dv, min<i32>(4, cols - jg), min<i32>(4, dv - c0), 1, edge);
        }
      }
      transposeTile(gp, tp, rows4, cols4);
      for (let jg = 0; jg < cols; jg += 4) {
        const tg = tp + (<usize>jg * <usize>rows4 << 3);
        const at = dk + ((<usize>(j0 + jg) * <usize>dim) << 3);
        for (let c0 = 0; c0 < dim; c0 += 4) {
          const qb = qc + (<usize>c0 * <usize>rows << 3);
          block(tg, qb, rows, at + (<usize>c0 << 3), <usize>dim, min<i32>(4, cols - jg), min<i32>(4, dim - c0), 1, edge);
        }
      }
    }
  }
}
