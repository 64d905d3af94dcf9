/**
 * Seeded standard normal draws on the Philox stream of noise.ts, by the
 * Box–Muller transform: element i of the stream of `seed` is
 *   z_i = √(−2·log u) · cos(2π·v),  (u, v) = uniform draws 2i and 2i + 1 (Float64 grid),
 * a pure function of (seed, i), so any slice regenerates on its own. u lies in
 * (0, 1) (never 0), so z is finite: |z| ≤ √(−2·log 2^−53) ≈ 8.57. Mean 0,
 * variance 1 (the transform is exact; the only error is the uniforms' grid).
 *
 * @example
 * normal(42, 0, new Float64Array(3)); // the first three standard normal draws of seed 42
 */
import type { FloatArray } from '../tensor/types.js';
import { uniform } from './noise.js';

/** Fill `out` with z_i = normal(seed, offset + i) for i < out.length. Returns `out`. */
export function normal<T extends FloatArray>(seed: number, offset: number, out: T): T {
  const u = uniform(seed, 2 * offset, new Float64Array(2 * out.length));
  for (let i = 0; i < out.length; i++)
    out[i] = Math.sqrt(-2 * Math.log(u[2 * i]!)) * Math.cos(2 * Math.PI * u[2 * i + 1]!);
  return out;
}
