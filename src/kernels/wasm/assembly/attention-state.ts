/**
 * The online softmax state of attention rows, (m, l): the running max of a row's scores
 * and l = Σ_j e^(x_j − m) (Milakov & Gimelshein 2018, arXiv:1805.02867; FlashAttention-2,
 * Dao 2023), the AssemblyScript counterpart of ../../attention-state.ts. Folding a tile of
 * scores x_j into it: m' = max(m, max_j x_j); ref = m', or 0 while m' = −∞ (a row that
 * sees nothing yet: e^(−∞ − 0) = 0, never −∞ − (−∞)); α = e^(m − ref);
 * l' = α·l + Σ_j e^(x_j − ref), the x_j replaced in place by the weights p_j = e^(x_j − ref)
 * of the P·V product, whose accumulator the caller rescales by α. The exps are exp64
 * (≤ 2 ulp); the sums add the weights in key order, per f64x2 lane.
 * Used by ./attention.ts (4-row panels, two rows per f64x2) and ./attention-decode.ts
 * (one row; a chunk folds into the empty state, α = 0).
 */
import { NEG_INF } from './attention-intervals';
import { exp64 } from './exp';

/** The reference of the fold to m' (per lane): m', or 0 where m' = −∞. */
// @ts-ignore: decorator
@inline
export function foldRef(mNew: v128): v128 {
  return v128.andnot(mNew, f64x2.eq(mNew, f64x2.splat(NEG_INF)));
}

/** α = e^(m − ref) (per lane): the factor by which the fold rescales l and the accumulator. */
// @ts-ignore: decorator
@inline
export function foldAlpha(mOld: v128, ref: v128): v128 {
  return exp64(f64x2.sub(mOld, ref), f64x2.splat(0));
}

/**
 * The fold's weights: each f64x2 of scores x at q, q + step, … (< end) replaced by
 * p = e^(x − ref); returns their sum per lane, added in order.
 */
// @ts-ignore: decorator
@inline
export function weighTile(q: usize, end: usize, step: usize, ref: v128): v128 {
  const zero = f64x2.splat(0);
  let sum = f64x2.splat(0);
  for (; q < end; q += step) {
    const p = exp64(f64x2.sub(v128.load(q), ref), zero);
    v128.store(q, p);
    sum = f64x2.add(sum, p);
  }
  return sum;
}

/** l' = α·l + Σ (per lane). */
// @ts-ignore: decorator
@inline
export function foldSum(l: v128, alpha: v128, sum: v128): v128 {
  return f64x2.add(f64x2.mul(l, alpha), sum);
}
