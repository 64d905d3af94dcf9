import { describe, expect, it } from 'vitest';
import {
  STATS,
  temperaturePassRows,
  temperatureStatsOf,
  temperatureStatsRows,
  temperatureSumsOf,
} from '../../../src/kernels/js/temperature-rows.js';
import { D, refLogSumExp } from '../../helpers/reference.js';

// Tested through temperature scaling in test/calibration/temperature.test.ts (and the wasm
// twins in test/kernels/wasm/temperature.test.ts); here the reference passes directly.

function rowStats(x: Float64Array, rows: number, n: number, labels: Int32Array) {
  const out = new Float64Array(STATS * rows);
  temperatureStatsRows({ x, rows, n, labels, out });
  return temperatureStatsOf(x, n, labels, out);
}

describe('temperature rows', () => {
  it('the NLL at β is Σ_r (lse(β·x_r) − β·x_rt) over labelled rows; unfittable rows reported', () => {
    const x = Float64Array.of(1, 2, 0.5, -1, 0, 3, 9, 9, 9);
    const labels = Int32Array.of(0, 2, -1);
    const { stats, bad } = rowStats(x, 3, 3, labels);
    expect(bad).toBe(-1);
    expect(stats.count).toBe(2);
    const beta = 0.75;
    const out = new Float64Array(4 * 3);
    temperaturePassRows({ x, rows: 3, n: 3, labels, max: stats.max, beta, fast: false, out });
    const sums = temperatureSumsOf(out, labels, stats, beta);
    let want = new D(0);
    for (const [r, t] of [
      [0, 0],
      [1, 2],
    ] as const) {
      const row = Array.from(x.subarray(r * 3, r * 3 + 3), (v) => v * beta);
      want = want.plus(refLogSumExp(row).minus(row[t]!));
    }
    expect(new D(sums.nll).minus(want).abs().toNumber()).toBeLessThan(1e-14);
    const nan = Float64Array.of(1, Number.NaN, 0);
    expect(rowStats(nan, 1, 3, Int32Array.of(0)).bad).toBe(0);
  });
});
