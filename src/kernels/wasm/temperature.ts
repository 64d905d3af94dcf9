/**
 * The 'wasm' backend's passes of temperature scaling (assembly/temperature.ts;
 * ../js/temperature-rows.ts temperatureStatsRows and temperaturePassRows are the
 * reference): the logits and labels (and the row maxima) copied into scratch in chunks
 * of rows (pipelined over the worker pool with `configure({ threads })`: copyRows), the
 * per-row values copied back. A precise pass's sums differ from the reference's by
 * exp64's rounding (≤ 2 ulp of double per term, where Math.exp is within 1) and the
 * lane order of the plain sums (≤ n·2^−53 relative each, as the reference's own); a
 * fast one (Float32, `fast`) takes exp32 (≤ 2^−23 relative per term); terms below
 * 2^−1022 (fast: 2^−126) flush to 0.
 */
import type { FloatArray } from '../../tensor/types.js';
import {
  PASS,
  STATS,
  type TemperaturePassArgs,
  type TemperatureStatsArgs,
} from '../js/temperature-rows.js';
import type { RowKernelName } from '../threads/pool.js';
import { copyRows } from './copy-rows.js';
import { wasmKernels } from './load.js';
import { inWasm } from './memory.js';

/**
 * Run `name` over the rows of x with their labels (and row maxima), `per` doubles per
 * row back into out; `tail` the kernel's arguments after the row maxima. False: the
 * scratch does not fit.
 */
function passRows(
  name: RowKernelName,
  a: { x: FloatArray; rows: number; n: number; labels: Int32Array; out: Float64Array },
  max: Float64Array | undefined,
  tail: number[],
  per: number,
): boolean {
  const k = wasmKernels();
  if (!k) return false;
  const { x, rows, n, labels, out } = a;
  const w = x.BYTES_PER_ELEMENT;
  const buf = () => k.memory.buffer;
  const pinned = [x, labels, out, ...(max ? [max] : [])].some(inWasm);
  return copyRows(k, rows, n, pinned, {
    name,
    perRow: n * w + 4 + 8 + 8 * per,
    fixed: 64 * 4,
    take: (sc, cr) => ({
      bx: sc.take(cr * n * w),
      bl: sc.take(cr * 4),
      bm: sc.take(cr * 8),
      bo: sc.take(cr * 8 * per),
    }),
    copyIn: (s, r0, t) => {
      const xs = x.subarray(r0 * n, (r0 + t) * n);
      if (x instanceof Float32Array) new Float32Array(buf(), s.bx, t * n).set(xs);
      else new Float64Array(buf(), s.bx, t * n).set(xs);
      new Int32Array(buf(), s.bl, t).set(labels.subarray(r0, r0 + t));
      if (max) new Float64Array(buf(), s.bm, t).set(max.subarray(r0, r0 + t));
    },
    args: (s, q, u) => [
      s.bx + q * n * w,
      s.bl + 4 * q,
      u,
      n,
      ...(max ? [s.bm + 8 * q] : []),
      ...tail,
      s.bo + 8 * per * q,
    ],
    copyOut: (s, r0, t) => out.set(new Float64Array(buf(), s.bo, per * t), per * r0),
  });
}

/** Backend.temperatureStats on the 'wasm' backend. */
export const wasmTemperatureStats = (a: TemperatureStatsArgs): boolean =>
  passRows(
    a.x instanceof Float32Array ? 'temperatureStats_f32' : 'temperatureStats_f64',
    a,
    undefined,
    [a.fast ? 1 : 0],
    STATS,
  );
/** Backend.temperaturePass on the 'wasm' backend. */
export const wasmTemperaturePass = (a: TemperaturePassArgs): boolean =>
  passRows(
    a.x instanceof Float32Array ? 'temperatureRows_f32' : 'temperatureRows_f64',
    a,
    a.max,
    [a.beta, a.fast ? 1 : 0],
    PASS,
  );
