/**
 * Seeded uniform and Gumbel noise on Philox4x32-10 (Salmon et al., SC'11).
 *
 * The stream: element i of the stream of `seed` is a pure function of
 * (seed, i), so any slice [offset, offset + length) can be regenerated on its
 * own and equals that slice of the whole stream. The mapping is
 *   key     = (seed mod 2^32, ⌊seed / 2^32⌋)          seed an integer in [0, 2^53)
 *   counter = (i mod 2^32, ⌊i / 2^32⌋, 0, 0)          i an integer in [0, 2^53)
 *   (w0, w1, w2, w3) = philox4x32(counter, key)        one block per element
 *
 * Uniform draws lie in the open interval (0, 1), at the midpoints of a grid:
 * - Float64 targets: u = (j + ½)·2^−52, j = w0·2^20 + ⌊w1 / 2^12⌋ (52 random
 *   bits; 53 significant bits, the finest such grid a double holds exactly).
 *   Smallest 2^−53, largest 1 − 2^−53.
 * - Float32 targets: u = (j + ½)·2^−23, j = ⌊w0 / 2^9⌋ (23 random bits; 24
 *   significant bits, exact in a float). Smallest 2^−24, largest 1 − 2^−24.
 * The Float32 draw is the Float64 draw moved to its coarser grid: both take
 * their leading bits from w0. The grids are symmetric (u ↔ 1 − u), so the
 * mean is exactly ½.
 *
 * Gumbel draws: g = −log(−log u) (the standard Gumbel, by inversion), computed
 * in double from the draw of the target's grid and rounded once on the store. Range: Float64
 * (−3.6, 36.7), Float32 (−2.8, 16.6). Mean γ (Euler–Mascheroni), variance π²/6.
 *
 * @example
 * uniform(42, 0, new Float64Array(3)); // the first three draws of seed 42
 * gumbel(42, 1000, new Float32Array(8)); // draws 1000..1007 of seed 42, on the Float32 grid
 */
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import type { FloatArray } from '../tensor/types.js';
import { philoxBlock } from './philox.js';
import { requireSeed } from './seed.js';

const TWO32 = 2 ** 32;

/**
 * Fill `out` with u_i = uniform(seed, offset + i) for i < out.length, on the
 * grid of out's element type. Returns `out`.
 */
export function uniform<T extends FloatArray>(seed: number, offset: number, out: T): T {
  return fill('uniform', seed, offset, out, (u) => u);
}

/**
 * Fill `out` with g_i = −log(−log u_i), u_i = uniform(seed, offset + i), for
 * i < out.length. Returns `out`.
 */
export function gumbel<T extends FloatArray>(seed: number, offset: number, out: T): T {
  return fill('gumbel', seed, offset, out, (u) => -Math.log(-Math.log(u)));
}

function fill<T extends FloatArray>(
  fn: string,
  seed: number,
  offset: number,
  out: T,
  map: (u: number) => number,
): T {
  requireSeed(fn, 'seed', seed);
  requireSeed(fn, 'offset', offset);
  if (!(out instanceof Float64Array || out instanceof Float32Array))
    throw new SoftmaxKitError(
      'INVALID_OUT',
      `${fn}: expected out to be a Float32Array or Float64Array, got ${describe(out)}`,
    );
  if (out.length > 2 ** 53 - offset)
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected offset + out.length <= 2^53, got ${offset} + ${out.length}`,
    );
  const k0 = seed % TWO32;
  const k1 = Math.floor(seed / TWO32);
  const w = new Uint32Array(4);
  const float32 = out instanceof Float32Array;
  for (let i = 0; i < out.length; i++) {
    const index = offset + i;
    philoxBlock(index % TWO32, Math.floor(index / TWO32), 0, 0, k0, k1, w);
    const u = float32
      ? ((w[0]! >>> 9) + 0.5) * 2 ** -23
      : (w[0]! * 2 ** 20 + (w[1]! >>> 12) + 0.5) * 2 ** -52;
    out[i] = map(u);
  }
  return out;
}
