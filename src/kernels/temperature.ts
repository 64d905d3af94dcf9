/**
 * Temperature scaling's passes, dispatched: the backend's `temperatureStats` and
 * `temperaturePass` (the SIMD WebAssembly kernels, assembly/temperature.ts) where they
 * take the call, else the JavaScript reference (js/temperature-rows.ts
 * temperatureStatsRows, temperaturePassRows). Both give per-row values that
 * js/temperature-rows.ts combines over rows; a precise pass differs from the
 * reference by the exp's rounding (≤ 2 ulp of double per term) and the order of the
 * plain row sums (≤ n·2^−53 relative); a fast one (Float32 logits) by ≤ 2^−23 relative
 * per term.
 */
import type { BackendName, FloatArray } from '../tensor/types.js';
import { type Backend, resolveBackend } from './backend.js';
import {
  FIRST,
  PASS,
  STATS,
  type TemperatureRowStats,
  type TemperatureSums,
  temperaturePassRows,
  temperatureStatsOf,
  temperatureStatsRows,
  temperatureSumsOf,
} from './js/temperature-rows.js';

/** The passes of one fit over rows of x with labels (−1 = ignored). */
export interface TemperaturePasses {
  /** The row constants (`bad`: the first labelled row that cannot be fitted, else −1). */
  readonly stats: TemperatureRowStats;
  readonly bad: number;
  /** The fused pass at β = 1, made with the row constants (fast where `firstFast`). */
  readonly first: TemperatureSums;
  readonly firstFast: boolean;
  /** The fused pass at β; `fast` lets Float32 logits take single-precision exps. */
  at(beta: number, fast: boolean): TemperatureSums;
  /** Whether a fast pass is cheaper than a precise one here (Float32 on the kernel). */
  readonly hasFast: boolean;
}

/**
 * The passes of a fit. `backend` 'auto' takes the registered SIMD kernels for calls
 * large enough, 'js' the reference, 'wasm' the kernels (BACKEND_UNAVAILABLE when not
 * loaded). `fastFirst`: the pass at β = 1 may be fast (where `hasFast`).
 */
export function temperaturePasses(
  fn: string,
  x: FloatArray,
  rows: number,
  n: number,
  labels: Int32Array,
  backend?: BackendName,
  fastFirst = true,
): TemperaturePasses {
  const f32 = x instanceof Float32Array;
  const b: Backend = resolveBackend(fn, backend, x.length, f32);
  const hasFast = f32 && b.temperaturePass !== undefined;
  const fast = hasFast && fastFirst;
  const statsArgs = { x, rows, n, labels, fast, out: new Float64Array(STATS * rows) };
  const taken = b.temperatureStats?.(statsArgs) === true;
  if (!taken) temperatureStatsRows(statsArgs);
  const firstFast = fast && taken;
  const { stats, bad } = temperatureStatsOf(x, n, labels, statsArgs.out);
  const out = new Float64Array(PASS * rows);
  return {
    stats,
    bad,
    first: temperatureSumsOf(statsArgs.out, labels, stats, 1, STATS, FIRST),
    firstFast,
    hasFast,
    at(beta, fast) {
      const args = { x, rows, n, labels, max: stats.max, beta, fast, out };
      if (!b.temperaturePass?.(args)) temperaturePassRows(args);
      return temperatureSumsOf(out, labels, stats, beta);
    },
  };
}
