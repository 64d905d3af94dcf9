/**
 * f32x4 lane helpers shared by the Float32 passes: halves as f64x2, partial
 * loads/stores of a row's last n mod 4 elements, the per-instance scratch, and a
 * row's entries two at a time as f64x2 (for Float32 or Float64 rows).
 */
export const NEG_INF = f32x4.splat(-Infinity);

/**
 * Per-instance scratch (setScratch points each thread's instance at its own bytes;
 * globals are per instance): two 16-byte buffers for a row's last n mod 4 elements
 * (a loop that reads the padded tail from TAIL_IN, and writes it to TAIL_OUT, keeps
 * a single branch-free body), and BATCH, 4·BATCH_ROWS doubles for a batch of rows.
 */
export const BATCH_ROWS: i32 = 8;
export let TAIL_IN: usize = memory.data(32 + 32 * BATCH_ROWS, 16);
export let TAIL_OUT: usize = TAIL_IN + 16;
export let BATCH: usize = TAIL_IN + 32;

/** Point this instance's scratch at 32 + 32·BATCH_ROWS bytes of its own (16-byte aligned). */
export function setScratch(p: usize): void {
  TAIL_IN = p;
  TAIL_OUT = p + 16;
  BATCH = p + 32;
}

/** Copy the c < 4 elements at p into TAIL_IN, padded with −∞. */
// @ts-ignore: decorator
@inline
export function tailIn(p: usize, c: i32): void {
  v128.store(TAIL_IN, loadPart(p, c, -Infinity));
}

// @ts-ignore: decorator
@inline
export function lo64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

// @ts-ignore: decorator
@inline
export function hi64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
}

/** The first c < 4 floats at p, the other lanes `fill`. */
// @ts-ignore: decorator
@inline
export function loadPart(p: usize, c: i32, fill: f32): v128 {
  let v = f32x4.replace_lane(f32x4.splat(fill), 0, load<f32>(p));
  if (c > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (c > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Store the first c < 4 lanes of v at p. */
// @ts-ignore: decorator
@inline
export function storePart(p: usize, v: v128, c: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (c > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (c > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** Lane j (0 ≤ j < 4) of the f64x2 pair (a, b): a's two lanes, then b's. */
// @ts-ignore: decorator
@inline
export function lane64(a: v128, b: v128, j: i32): f64 {
  return j == 0
    ? f64x2.extract_lane(a, 0)
    : j == 1
      ? f64x2.extract_lane(a, 1)
      : j == 2
        ? f64x2.extract_lane(b, 0)
        : f64x2.extract_lane(b, 1);
}

/** Lane j (0 ≤ j < 4) of the f32x4 v, as f64. */
// @ts-ignore: decorator
@inline
export function lane32(v: v128, j: i32): f64 {
  return j == 0
    ? <f64>f32x4.extract_lane(v, 0)
    : j == 1
      ? <f64>f32x4.extract_lane(v, 1)
      : j == 2
        ? <f64>f32x4.extract_lane(v, 2)
        : <f64>f32x4.extract_lane(v, 3);
}

/** Entries i and i + 1 of a row of T as doubles (the last one alone padded with −∞). */
// @ts-ignore: decorator
@inline
export function pairAt<T>(x: usize, i: i32, n: i32): v128 {
  if (i + 2 <= n) {
    if (sizeof<T>() == 4) return f64x2.promote_low_f32x4(v128.load64_zero(x + (<usize>i << 2)));
    return v128.load(x + (<usize>i << 3));
  }
  return f64x2.replace_lane(f64x2.splat(-Infinity), 0, <f64>load<T>(x + (<usize>i * sizeof<T>())));
}
