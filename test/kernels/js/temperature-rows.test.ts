import { describe, expect, it } from 'vitest';
import {
  FIRST,
  PASS,
  STATS,
  type TemperatureRowStats,
  temperaturePassRows,
  temperatureStatsOf,
  temperatureStatsRows,
  temperatureSumsOf,
} from '../../../src/kernels/js/temperature-rows.js';
import { D, type Dec, dec, relError } from '../../helpers/reference.js';

// Tested through temperature scaling in test/calibration/temperature.test.ts (and the wasm
// twins in test/kernels/wasm/temperature.test.ts); here the reference passes directly:
// the row constants' pass with their combination, and the fused pass with its sums.
function temperatureRowStats(
  x: Float64Array | Float32Array,
  rows: number,
  n: number,
  labels: Int32Array,
) {
  const out = new Float64Array(STATS * rows);
  temperatureStatsRows({ x, rows, n, labels, fast: false, out });
  return { ...temperatureStatsOf(x, n, labels, out), out };
}
function temperatureSums(
  x: Float64Array | Float32Array,
  rows: number,
  n: number,
  labels: Int32Array,
  stats: TemperatureRowStats,
  beta: number,
) {
  const out = new Float64Array(PASS * rows);
  temperaturePassRows({ x, rows, n, labels, max: stats.max, beta, fast: false, out });
  return temperatureSumsOf(out, labels, stats, beta);
}

const inf = Number.POSITIVE_INFINITY;

function stats(rows: number[][], labels: number[]) {
  return temperatureRowStats(
    new Float64Array(rows.flat()),
    rows.length,
    rows[0]!.length,
    Int32Array.from(labels),
  );
}

describe('temperatureRowStats', () => {
  it('max, gap, ties and finite counts per labelled row (closed forms on small integers)', () => {
    // row 0: m 3, g 2, mean u −1; row 1: m 5, g 4, two ties, mean u −4/3;
    // row 2 ignored (label −1); row 3: a masked entry, m 0, g 0, two ties, two finite
    const { stats: s, bad } = stats(
      [
        [1, 3, 2],
        [5, 5, 1],
        [9, 9, 9],
        [-inf, 0, 0],
      ],
      [0, 2, -1, 1],
    );
    expect(bad).toBe(-1);
    expect(Array.from(s.max)).toEqual([3, 5, 0, 0]);
    expect(Array.from(s.gap)).toEqual([2, 4, 0, 0]);
    expect(s.count).toBe(3);
    expect(s.gapSum).toBe(6);
    expect(s.slopeAtZero).toBeCloseTo(1 + 8 / 3 + 0, 15);
    expect(s.logTiesSum).toBeCloseTo(2 * Math.log(2), 15);
    expect(s.logFiniteSum).toBeCloseTo(2 * Math.log(3) + Math.log(2), 15);
    expect(s.range).toBe(4); // row 1: 5 − 1 (the ignored row and the masked entry count not)
    // ℓ″ at β = 0: Σ_r Var(u) over the finite entries = 2/3 + 32/9 + 0
    expect(s.curvatureAtZero).toBeCloseTo(38 / 9, 14);
    // the range is the row's smallest u, not its last
    expect(stats([[0, -6, -1]], [0]).stats.range).toBe(6);
  });

  it('writes every slot: zeros for an ignored row, only m where the max is not finite', () => {
    const x = Float64Array.of(1, 3, 2, 9, 9, 9, Number.NaN, 1, 0, -inf, -inf, -inf);
    const labels = Int32Array.of(0, -1, 1, 0);
    const out = new Float64Array(STATS * 4).fill(Number.NaN);
    temperatureStatsRows({ x, rows: 4, n: 3, labels, fast: false, out });
    const zeros = (k: number) => new Array(k).fill(0);
    expect(Array.from(out.subarray(STATS, 2 * STATS))).toEqual(zeros(STATS));
    expect(out[2 * STATS]).toBeNaN();
    expect(Array.from(out.subarray(2 * STATS + 1, 3 * STATS))).toEqual(zeros(STATS - 1));
    expect(Array.from(out.subarray(3 * STATS))).toEqual([-inf, ...zeros(STATS - 1)]);
    const pass = new Float64Array(PASS * 4).fill(Number.NaN);
    const max = Float64Array.of(3, 0, 0, 0);
    temperaturePassRows({ x, rows: 4, n: 3, labels, max, beta: 1, fast: false, out: pass });
    expect(Array.from(pass.subarray(PASS, 2 * PASS))).toEqual(zeros(PASS));
    expect(pass[0]).toBe(1);
  });
  it('names the first labelled row it cannot fit: NaN, +∞, or a −∞ label logit', () => {
    expect(
      stats(
        [
          [Number.NaN, 1],
          [0, 1],
          [inf, 0],
        ],
        [0, 0, 0],
      ).bad,
    ).toBe(0);
    expect(
      stats(
        [
          [0, 1],
          [Number.NaN, 1],
          [inf, 0],
        ],
        [0, 0, 0],
      ).bad,
    ).toBe(1);
    expect(
      stats(
        [
          [0, 1],
          [1, Number.NaN],
          [inf, 0],
        ],
        [0, 0, 0],
      ).bad,
    ).toBe(1);
    expect(
      stats(
        [
          [0, 1],
          [1, 2],
          [inf, 0],
        ],
        [0, 0, 0],
      ).bad,
    ).toBe(2);
    expect(
      stats(
        [
          [0, 1],
          [-inf, 2],
        ],
        [0, 0],
      ).bad,
    ).toBe(1);
    // an ignored row is never bad, and a bad row is not counted
    const r = stats(
      [
        [Number.NaN, 1],
        [0, 2],
      ],
      [-1, 1],
    );
    expect([r.bad, r.stats.count]).toEqual([-1, 1]);
    expect(
      stats(
        [
          [Number.NaN, 1],
          [0, 2],
        ],
        [0, 1],
      ).stats.count,
    ).toBe(1);
  });
});

/** ℓ, ℓ′, ℓ″, ℓ‴ of one row at β in 60 digits: log Σ e^(βu) + βg, E_p u + g, Var_p u, E_p (u − E_p u)³. */
function refRow(x: number[], label: number, beta: number) {
  const m = Math.max(...x);
  const b = dec(beta);
  const u = x.filter((v) => v !== -inf).map((v) => dec(v).minus(dec(m)));
  const e = u.map((ui) => D.exp(b.times(ui)));
  const d = e.reduce((a: Dec, v) => a.plus(v), new D(0));
  const mean = e.reduce((a: Dec, v, i) => a.plus(v.times(u[i]!)), new D(0)).div(d);
  const second = e.reduce((a: Dec, v, i) => a.plus(v.times(u[i]!).times(u[i]!)), new D(0)).div(d);
  const third = e
    .reduce((a: Dec, v, i) => a.plus(v.times(u[i]!.minus(mean).pow(3))), new D(0))
    .div(d);
  const g = dec(m).minus(dec(x[label]!));
  return {
    nll: D.ln(d).plus(b.times(g)),
    slope: mean.plus(g),
    curv: second.minus(mean.pow(2)),
    third,
    scale: g.minus(mean),
  };
}

describe('temperatureSums', () => {
  const rows = [
    [1.5, -0.25, 3, 0.75],
    [2, 2, -1, -inf],
    [0, 40, -3, 1], // a confident row: its NLL is tiny
    [7, 7, 7, 7], // ignored
  ];
  const labels = [0, 1, 1, -1];
  it('sums value, slope, curvature and scale over labelled rows (60-digit reference)', () => {
    const { stats: s } = stats(rows, labels);
    for (const beta of [0.5, 1, 3.25]) {
      const got = temperatureSums(
        new Float64Array(rows.flat()),
        4,
        4,
        Int32Array.from(labels),
        s,
        beta,
      );
      const refs = [0, 1, 2].map((r) => refRow(rows[r]!, labels[r]!, beta));
      const sum = (k: 'nll' | 'slope' | 'curv' | 'third' | 'scale') =>
        refs.reduce((a: Dec, v) => a.plus(v[k]), new D(0));
      expect(relError(got.nll, sum('nll')), `nll β=${beta}`).toBeLessThanOrEqual(2 ** -48);
      expect(relError(got.slope, sum('slope')), `slope β=${beta}`).toBeLessThanOrEqual(2 ** -46);
      expect(relError(got.curvature, sum('curv')), `curv β=${beta}`).toBeLessThanOrEqual(2 ** -44);
      expect(relError(got.third, sum('third')), `third β=${beta}`).toBeLessThanOrEqual(2 ** -40);
      expect(relError(got.scale, sum('scale')), `scale β=${beta}`).toBeLessThanOrEqual(2 ** -46);
    }
  });
  it('the row constants carry the sums of the pass at β = 1', () => {
    const x = new Float64Array(rows.flat());
    const t = Int32Array.from(labels);
    const { stats: s, out } = temperatureRowStats(x, 4, 4, t);
    expect(temperatureSumsOf(out, t, s, 1, STATS, FIRST)).toEqual(
      temperatureSums(x, 4, 4, t, s, 1),
    );
  });
  it("a confident row's tiny NLL keeps its relative accuracy (log1p of the rest)", () => {
    const { stats: s } = stats([[0, 40, -3, 1]], [1]);
    const got = temperatureSums(new Float64Array([0, 40, -3, 1]), 1, 4, Int32Array.from([1]), s, 1);
    expect(got.nll).toBeGreaterThan(0);
    expect(relError(got.nll, refRow([0, 40, -3, 1], 1, 1).nll)).toBeLessThanOrEqual(2 ** -50);
  });
  it('underflowing terms carry no mass and no 0·∞', () => {
    const x = [0, -2000, 5];
    const { stats: s } = stats([x], [0]);
    const got = temperatureSums(new Float64Array(x), 1, 3, Int32Array.from([0]), s, 1);
    expect(Number.isFinite(got.slope) && Number.isFinite(got.curvature)).toBe(true);
    expect(relError(got.nll, refRow(x, 0, 1).nll)).toBeLessThanOrEqual(2 ** -50);
  });
});

describe('sums over many rows keep their compensation', () => {
  it('2,000 rows (0, −0.1) and (0, −3.7), label 1: gap, slope, NLL and curvature sums within 2 ulp', () => {
    const rows = Array.from({ length: 2000 }, (_, r) => [0, r % 2 ? -3.7 : -0.1]);
    const labels = rows.map(() => 1);
    const { stats: s } = stats(rows, labels);
    const a = refRow([0, -0.1], 1, 1);
    const b = refRow([0, -3.7], 1, 1);
    const gaps = dec(0.1).plus(dec(3.7)).times(1000);
    const within = (got: number, want: Dec, what: string) =>
      expect(relError(got, want), what).toBeLessThan(2 * 2 ** -52);
    within(s.gapSum, gaps, 'gapSum');
    within(s.slopeAtZero, gaps.div(2), 'slopeAtZero'); // mean u = −g/2
    const got = temperatureSums(
      new Float64Array(rows.flat()),
      2000,
      2,
      Int32Array.from(labels),
      s,
      1,
    );
    within(got.nll, a.nll.plus(b.nll).times(1000), 'nll');
    within(got.slope, a.slope.plus(b.slope).times(1000), 'slope');
    within(got.curvature, a.curv.plus(b.curv).times(1000), 'curvature');
  });
});
