/**
 * The 'wasm' backend's kernels over Float64 logit tiles (linear cross-entropy):
 * `splitStateRows` and `expScaleRows` of ../js/logit-tiles.ts, on f64x2 lanes
 * (assembly/logit-tiles.ts splitStates_f64 / expScaleRows_f64: x − m carried exactly,
 * exp64 ≤ 2 ulp, the sum compensated). The tile is copied into scratch, the results
 * copied back; false (nothing done) when the scratch would have to grow a plain
 * memory that holds views.
 */
import type { ExpScaleArgs, SplitStateArgs } from '../kernel-args.js';
import { wasmKernels } from './load.js';
import { fitScratch, inWasm, scratch } from './memory.js';

/**
 * Take scratch regions of the given byte sizes; their addresses, or null when they do
 * not fit (memory.ts fitScratch: a plain memory holding views is never grown).
 */
function regions(pinned: boolean, ...bytes: number[]): number[] | null {
  const k = wasmKernels();
  if (!k) return null;
  const s = scratch();
  const at = bytes.map((b) => s.take(b));
  return fitScratch(k, s, at[0]!, pinned) ? at : null;
}

/** m[r] = max of row r, u[r] = Σ e^(x − m) − 1 (NaN where the max is not finite). */
export function wasmSplitStateRows({ x, rows, n, m, u }: SplitStateArgs): boolean {
  const at = regions(inWasm(x) || inWasm(m) || inWasm(u), rows * n * 8, rows * 8, rows * 8);
  if (!at) return false;
  const [bx, bm, bu] = at as [number, number, number];
  const k = wasmKernels()!;
  const buf = k.memory.buffer;
  new Float64Array(buf, bx, rows * n).set(x.subarray(0, rows * n));
  k.exports.splitStates_f64(bx, rows, n, bm, bu);
  m.set(new Float64Array(buf, bm, rows));
  u.set(new Float64Array(buf, bu, rows));
  return true;
}

/** y_rj = e^(x_rj − m_r)·f_r (y may be x). */
export function wasmExpScaleRows({ x, y, rows, n, m, f }: ExpScaleArgs): boolean {
  const pinned = [x, y, m, f].some(inWasm);
  const at = regions(pinned, rows * n * 8, rows * 8, rows * 8);
  if (!at) return false;
  const [bx, bm, bf] = at as [number, number, number];
  const k = wasmKernels()!;
  const buf = k.memory.buffer;
  new Float64Array(buf, bx, rows * n).set(x.subarray(0, rows * n));
  new Float64Array(buf, bm, rows).set(m.subarray(0, rows));
  new Float64Array(buf, bf, rows).set(f.subarray(0, rows));
  k.exports.expScaleRows_f64(bx, bx, rows, n, bm, bf);
  y.set(new Float64Array(buf, bx, rows * n));
  return true;
}
