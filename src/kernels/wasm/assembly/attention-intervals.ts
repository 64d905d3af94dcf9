/**
 * The structural masks of the fused attention kernels (./attention.ts forward,
 * ./attention-vjp.ts backward): each query row's visible key interval [lo, hi) (causal
 * aligned bottom-right when queries < keys, sliding window, key length: the intervals of
 * src/attention/logits.ts), the keys a block of rows sees, and the masking of a 4-row
 * score panel outside the intervals.
 */

/** −∞ (a masked score, a row's empty max). */
export const NEG_INF: f64 = -Infinity;

/** Round up to a multiple of 4. */
// @ts-ignore: decorator
@inline
export function up4(n: i32): i32 {
  return (n + 3) & ~3;
}

/**
 * Each row's visible keys [lo_r, hi_r) (Int32 arrays) for rows i0 + [0, up4(rows)):
 * [max(0, p − window + 1), min(keyLen, causal ? p + 1 : p + window)), p = i + keys −
 * queries, empty for the padding rows r ≥ rows. Returns from | to << 32, the keys any
 * row sees (from ≥ to when none; read them with keysFrom and keysTo).
 */
export function rowIntervals(
  lo: usize, hi: usize, i0: i32, rows: i32, queries: i32, keys: i32, causal: bool, window: i32,
  keyLen: i32,
): i64 {
  let from = keys;
  let to = 0;
  for (let r = 0; r < up4(rows); r++) {
    let a = 0;
    let e = 0;
    if (r < rows) {
      const pos = i0 + r + keys - queries;
      a = max<i32>(0, pos - window + 1);
      e = max<i32>(a, min<i32>(keyLen, causal ? pos + 1 : pos + window));
      if (a < e) {
        from = min<i32>(from, a);
        to = max<i32>(to, e);
      }
    }
    store<i32>(lo + (<usize>r << 2), a);
    store<i32>(hi + (<usize>r << 2), e);
  }
  return (<i64>to << 32) | <i64>from;
}

/** Row r's bound from an Int32 interval array. */
// @ts-ignore: decorator
@inline
export function interval(at: usize, r: i32): i32 {
  return load<i32>(at + (<usize>r << 2));
}

/** S(r, j) ← −∞ outside [lo_r, hi_r) for the 4 rows of a panel over keys j0 + [0, cols4). */
export function maskPanel(sp: usize, cols4: i32, j0: i32, lo: usize, hi: usize, r0: i32): void {
  for (let r = 0; r < 4; r++) {
    const a = interval(lo, r0 + r) - j0;
    const b = interval(hi, r0 + r) - j0;
    for (let j = 0; j < cols4; j++)
      if (j < a || j >= b) store<f64>(sp + ((<usize>j * 4 + <usize>r) << 3), NEG_INF);
  }
}

/** The first key any row of a block sees (rowIntervals' result). */
// @ts-ignore: decorator
@inline
export function keysFrom(range: i64): i32 {
  return <i32>range;
}

/** One past the last key any row of a block sees (rowIntervals' result). */
// @ts-ignore: decorator
@inline
export function keysTo(range: i64): i32 {
  return <i32>(range >> 32);
}
