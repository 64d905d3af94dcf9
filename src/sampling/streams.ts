/**
 * The samplers' random numbers: one uniform per (seed, step, row, stream), a pure
 * function through Philox4x32-10 (src/random/philox.ts) — the same bits on every
 * engine, in any order, on any thread count. The counter is
 *   (row mod 2^32, ⌊row / 2^32⌋, step mod 2^32, ⌊step / 2^32⌋ + stream·2^21)
 * under the key (seed mod 2^32, ⌊seed / 2^32⌋). Streams are ≥ 1, so these
 * counters never meet the ones of src/random/noise.ts (whose last two words are 0),
 * and the draw, the XTC coin and the speculative steps never share a number.
 * u = (w0·2^20 + ⌊w1 / 2^12⌋ + ½)·2^−52 ∈ (0, 1), the Float64 grid of noise.ts.
 */
import { philox4x32 } from '../random/philox.js';

/** The token draw of `sample`. */
export const STREAM_DRAW = 1;
/** The coin of XTC. */
export const STREAM_XTC = 2;
/** Speculative decoding: the acceptance test and the residual draw. */
export const STREAM_ACCEPT = 3;
export const STREAM_RESIDUAL = 4;

const TWO32 = 2 ** 32;
const words = new Uint32Array(4);

/** u(seed, step, row, stream) ∈ (0, 1). */
export function drawUniform(seed: number, step: number, row: number, stream: number): number {
  philox4x32(
    row % TWO32,
    Math.floor(row / TWO32),
    step % TWO32,
    Math.floor(step / TWO32) + stream * 2 ** 21,
    seed % TWO32,
    Math.floor(seed / TWO32),
    words,
  );
  return (words[0]! * 2 ** 20 + (words[1]! >>> 12) + 0.5) * 2 ** -52;
}
