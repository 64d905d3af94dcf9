/**
 * Shared helpers of the wasm tests: ulp distances, the build variants, and
 * turning on relaxed SIMD in this process (V8 reads the flag at validation).
 */
import v8 from 'node:v8';
import { importRelaxedBuild } from '../../../src/kernels/wasm/load.js';
import type { FloatArray } from '../../../src/tensor/types.js';

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

function key32(v: number): number {
  f32[0] = v;
  const i = i32[0]!;
  return i < 0 ? -(i & 0x7fffffff) : i;
}

/** Smallest normal numbers: outputs below them may flush to 0 (documented). */
export const TINY32 = 2 ** -126;
const TINY64 = 2 ** -1022;

/**
 * Max over i of the distance between a_i and b_i: Float32 in ulps (bit distance),
 * Float64 relative; values both below the smallest normal count as equal; non-finite
 * values must match exactly (NaN with NaN).
 */
export function maxDistance(a: FloatArray, b: FloatArray): number {
  const single = a instanceof Float32Array;
  const tiny = single ? TINY32 : TINY64;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const u = a[i]!;
    const v = b[i]!;
    if (Object.is(u, v) || (Math.abs(u) < tiny && Math.abs(v) < tiny)) continue;
    if (Number.isNaN(u) && Number.isNaN(v)) continue;
    if (!Number.isFinite(u) || !Number.isFinite(v)) return Infinity;
    const d = single ? Math.abs(key32(u) - key32(v)) : Math.abs(u - v) / Math.abs(v);
    worst = Math.max(worst, d);
  }
  return worst;
}

/**
 * Enable relaxed SIMD in this V8 (as `node --experimental-wasm-relaxed-simd` does) and
 * import the relaxed build, so that `loadWasmSync` can load it.
 */
export async function enableRelaxedSimd(): Promise<void> {
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  await importRelaxedBuild();
}

/** The builds every kernel suite runs on. */
export const VARIANTS = [
  { name: 'SIMD, shared memory', relaxedSimd: false, sharedMemory: true },
  { name: 'relaxed SIMD, shared memory', relaxedSimd: true, sharedMemory: true },
  { name: 'SIMD, plain memory', relaxedSimd: false, sharedMemory: false },
] as const;

/** Deterministic values in [lo, hi) as the given type. */
export function filled(
  type: Float32ArrayConstructor | Float64ArrayConstructor,
  n: number,
  seed: number,
  lo: number,
  hi: number,
): FloatArray {
  const a = new type(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    a[i] = lo + (hi - lo) * (s / 2 ** 32);
  }
  return a;
}
