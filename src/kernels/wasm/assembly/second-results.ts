/**
 * The second results of the row passes. An AssemblyScript function returns one value;
 * a pass that finds two returns the first and leaves the second here as its last step,
 * and its caller reads it right after the call (before any other pass can overwrite it):
 * - `sumLow()`: the low part of a compensated sum whose high part was returned
 *   (row-f64.ts `fold`, `expSum64`, `online64`, `vjpDot64`; online-f32.ts
 *   `expSumComp32`, `online32`): the sum is hi + sumLow() to ~2^−106 relative;
 * - `maxCount()`: how many entries equal the max m, which a below-max sum left out
 *   (row-f32.ts `expSumBelow32`, `expSumBelowExact32`): Σ = maxCount() + the result;
 * - `twoPassK()`: the exponent K of a two-pass sum S·2^K whose S was returned
 *   (two-pass-f32.ts `twoPass32`).
 * Globals are per instance, and each thread has its own instance: threads never share them.
 */

let low: f64 = 0;
let count: i32 = 0;
let exponent: f64 = 0;

/** Record the low part of the compensated sum just returned. */
// @ts-ignore: decorator
@inline
export function setSumLow(v: f64): void {
  low = v;
}

/** The low part of the last compensated sum. */
// @ts-ignore: decorator
@inline
export function sumLow(): f64 {
  return low;
}

/** Record how many entries equal the max (left out of the below-max sum just returned). */
// @ts-ignore: decorator
@inline
export function setMaxCount(c: i32): void {
  count = c;
}

/** How many entries of the last below-max sum equal the max. */
// @ts-ignore: decorator
@inline
export function maxCount(): i32 {
  return count;
}

/** Record the exponent K of the two-pass sum S·2^K just returned. */
// @ts-ignore: decorator
@inline
export function setTwoPassK(k: f64): void {
  exponent = k;
}

/** The exponent K of the last two-pass sum S·2^K. */
// @ts-ignore: decorator
@inline
export function twoPassK(): f64 {
  return exponent;
}
