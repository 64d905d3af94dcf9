import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  logSumExpRows,
  oneRow,
  softmaxRows,
  softmaxVjpRows,
} from '../../../src/kernels/js/softmax-rows.js';
import type { SoftmaxAlgorithm } from '../../../src/kernels/kernel-args.js';
import { foldRow } from '../../../src/kernels/online-state.js';
import {
  D,
  DW,
  dec,
  maxUlpError,
  refLogSoftmax,
  refLogSumExp,
  refLogSumExpGrouped,
  refSoftmax,
  refSoftmaxGrouped,
  ulpError,
} from '../../helpers/reference.js';

// foldRow, wrapped to count its calls: which rows each algorithm folds online
vi.mock('../../../src/kernels/online-state.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../src/kernels/online-state.js')>();
  return { ...actual, foldRow: vi.fn(actual.foldRow) };
});

// The reference kernel, measured directly (its module doc cites this file); the public
// normalizers (test/normalizers/softmax.test.ts, log-softmax, log-sum-exp) test it again
// through the options layer.

const ALGORITHMS: readonly SoftmaxAlgorithm[] = ['three-pass', 'two-pass', 'online'];

const row = fc.array(fc.double({ min: -700, max: 700, noNaN: true }), {
  minLength: 1,
  maxLength: 24,
});

describe('softmaxRows: against 60 digits', () => {
  for (const algorithm of ALGORITHMS)
    it(`${algorithm}: Float64 within 4 ulp (outputs above the subnormals), Float32 within 1 ulp`, () => {
      fc.assert(
        fc.property(row, (x) => {
          const want = refSoftmax(x);
          const y = new Float64Array(x.length);
          softmaxRows({ ...oneRow(x.length), algorithm, x: Float64Array.from(x), y });
          for (let i = 0; i < x.length; i++)
            if (Math.abs(y[i]!) > 2 ** -1020)
              expect(ulpError(y[i]!, want[i]!, false), `${i}`).toBeLessThanOrEqual(4);
          const x32 = Float32Array.from(x);
          const y32 = new Float32Array(x.length);
          softmaxRows({ ...oneRow(x.length), algorithm, x: x32, y: y32 });
          expect(maxUlpError(y32, refSoftmax(x32), true)).toBeLessThanOrEqual(1);
        }),
        { numRuns: 60 },
      );
    });

  it('log-softmax and a scale s = 1/T: every algorithm within 4 ulp + |s·(x − max)|·2^−53', () => {
    const x = Float64Array.of(3, -2.5, 0.125, 30, -Infinity, 29.75);
    const T = 0.7;
    const want = refLogSoftmax(x, T);
    for (const algorithm of ALGORITHMS) {
      const y = new Float64Array(6);
      softmaxRows({ x, y, rows: 1, n: 6, algorithm, s: 1 / T, log: true });
      expect(y[4]).toBe(-Infinity);
      for (const i of [0, 1, 2, 3, 5]) {
        const err = new D(y[i]!).minus(want[i]!).abs().toNumber();
        expect(err, `${algorithm} ${i}`).toBeLessThan(
          4 * 2 ** -52 * Math.abs(y[i]!) + 40 * 2 ** -53,
        );
      }
    }
  });

  it('several rows at once, in place: each row as if alone', () => {
    const x = Float64Array.of(1, 2, 3, -1, 0, 1e3);
    const alone = [x.slice(0, 3), x.slice(3)].map((r) => {
      const y = new Float64Array(3);
      softmaxRows({ ...oneRow(3), x: r, y });
      return Array.from(y);
    });
    softmaxRows({ ...oneRow(3), rows: 2, x, y: x });
    expect(Array.from(x)).toEqual(alone.flat());
  });

  it('non-finite rows: +∞ entries share 1, a masked row is 0, NaN stays in its row', () => {
    const x = Float64Array.of(
      Infinity,
      1,
      Infinity,
      -Infinity,
      -Infinity,
      -Infinity,
      0,
      Number.NaN,
      1,
    );
    for (const algorithm of ALGORITHMS) {
      const y = new Float64Array(9);
      softmaxRows({ x, y, rows: 3, n: 3, algorithm, s: 1, log: false });
      expect(Array.from(y.subarray(0, 6))).toEqual([0.5, 0, 0.5, 0, 0, 0]);
      expect(Array.from(y.subarray(6)).every(Number.isNaN)).toBe(true);
    }
  });
});

describe('logSumExpRows', () => {
  it('every algorithm within 2 ulp of the 60-digit logsumexp; −∞, +∞, NaN rows by the policy', () => {
    fc.assert(
      fc.property(row, (x) => {
        const want = refLogSumExp(x);
        for (const algorithm of ALGORITHMS) {
          const out = new Float64Array(1);
          logSumExpRows({ x: Float64Array.from(x), out, rows: 1, n: x.length, algorithm, s: 1 });
          expect(ulpError(out[0]!, want, false), algorithm).toBeLessThanOrEqual(2);
        }
      }),
      { numRuns: 40 },
    );
    const out = new Float64Array(3);
    const x = Float64Array.of(-Infinity, -Infinity, Infinity, 1, Number.NaN, 1);
    logSumExpRows({ x, out, rows: 3, n: 2, algorithm: 'online', s: 1 });
    expect(out[0]).toBe(-Infinity);
    expect(out[1]).toBe(Infinity);
    expect(out[2]).toBeNaN();
  });
});

describe('softmaxVjpRows', () => {
  it('dx = s·y ⊙ (dy − ⟨y, dy⟩) and, for log-softmax, s·(dy − y·Σdy), against 60 digits', () => {
    const x = Float64Array.of(0.5, -1, 2, 1.5, -Infinity);
    const dy = Float64Array.of(1, -2, 0.25, 3, 7);
    const s = 1.5;
    const y = refSoftmax(
      Array.from(x, (v) => v),
      1 / s,
    );
    const dot = y.reduce((a, yi, i) => a.plus(yi.times(dy[i]!)), new D(0));
    const sum = Array.from(dy.subarray(0, 4)).reduce((a, v) => a.plus(v), new D(0));
    for (const log of [false, true]) {
      const dx = new Float64Array(5);
      softmaxVjpRows({ x, dy, dx, rows: 1, n: 5, algorithm: 'online', s, log });
      expect(dx[4]).toBe(0);
      for (let i = 0; i < 4; i++) {
        const want = log
          ? new D(dy[i]!).minus(y[i]!.times(sum)).times(s)
          : y[i]!.times(new D(dy[i]!).minus(dot)).times(s);
        expect(new D(dx[i]!).minus(want).abs().toNumber(), `${log} ${i}`).toBeLessThan(1e-14);
      }
    }
  });
});

describe('softmaxRows and logSumExpRows: the edges of each algorithm', () => {
  it('rows past 2^30 (two-pass takes the online fold there): every algorithm within 4 ulp', () => {
    const rows = [
      [2 ** 31, 2 ** 31 - 1, 2 ** 31 - 3.5],
      [-(2 ** 31), -(2 ** 31) + 2, -(2 ** 31) + 0.5],
      [2 ** 29 + 1, 2 ** 29, 2 ** 29 - 0.25],
    ];
    for (const [k, x] of rows.entries()) {
      const T = k === 2 ? 0.5 : 1; // s·max = 2^30 + 2: past the limit only through the scale
      const want = refSoftmax(x, T);
      for (const algorithm of ALGORITHMS) {
        const y = new Float64Array(3);
        softmaxRows({ ...oneRow(3, 1 / T), algorithm, x: Float64Array.from(x), y });
        expect(maxUlpError(y, want, false), `${algorithm} ${k}`).toBeLessThanOrEqual(4);
      }
    }
  });

  it('rows just below 2^30 (two-pass range reduction with k near 2^31): every algorithm within 4 ulp', () => {
    // k·ln 2's low part (k·LN2_C up to 8.5e−5) and the product error of s·x (up to 2^−24)
    // are not below an ulp of r = s·x − k·ln 2: taken into e^r to first order only, they
    // cost e^r a relative (k·LN2_C)²/2 ≈ 4e−9 (a 3e7-ulp log-softmax).
    const s = 1 / 0.7; // s·x inexact: productError(x, s) ≠ 0
    const cases: [number[], number][] = [
      [[2 ** 30 - 1, 2 ** 30 - 1.5, 2 ** 30 - 3.25], 0.5], // log Σ ≥ ln 2: no three-pass retry
      [[2 ** 30 - 2 ** -23, 2 ** 30 - 700, 2 ** 30 - 20], 1], // k spread over ~1000
      [[-(2 ** 30) + 700, -(2 ** 30) + 2, -(2 ** 30) + 0.5], 1],
      [[7.5e8 + 0.3, 7.5e8 + 0.2, 7.5e8 - 0.1, 7.5e8 - 0.5], s], // log Σ ≥ ln 2 again
    ];
    for (const [k, [x, sk]] of cases.entries()) {
      // 700-digit references at the double s itself (1/s is not a double; log Σ of the
      // third row is 1 + e^−698, beyond 60 digits)
      const w = (v: number) => new DW(dec(v).toString());
      const m = w(Math.max(...x));
      const z = x.map((v) => w(v).minus(m).times(w(sk)));
      const lse = DW.ln(z.reduce((a, v) => a.plus(DW.exp(v)), new DW(0)));
      for (const algorithm of ALGORITHMS) {
        const y = new Float64Array(x.length);
        const l = new Float64Array(x.length);
        softmaxRows({ ...oneRow(x.length, sk), algorithm, x: Float64Array.from(x), y });
        softmaxRows({
          ...oneRow(x.length, sk),
          algorithm,
          x: Float64Array.from(x),
          y: l,
          log: true,
        });
        for (let i = 0; i < x.length; i++) {
          expect(
            ulpError(y[i]!, DW.exp(z[i]!.minus(lse)), false),
            `${algorithm} ${k} ${i}`,
          ).toBeLessThanOrEqual(4);
          expect(
            ulpError(l[i]!, z[i]!.minus(lse), false),
            `${algorithm} log ${k} ${i}`,
          ).toBeLessThanOrEqual(4);
        }
      }
    }
  });

  it('subnormal and underflowing outputs: within 1 subnormal ulp of 60 digits', () => {
    const x = [0, -720, -740, -744.5, -745.2, -750, -1000, -1500]; // 2^(k − K) < 2^−2045 at −1500
    const want = refSoftmax(x);
    for (const algorithm of ALGORITHMS) {
      const y = new Float64Array(x.length);
      softmaxRows({ ...oneRow(x.length), algorithm, x: Float64Array.from(x), y });
      for (let i = 0; i < x.length; i++)
        expect(ulpError(y[i]!, want[i]!, false), `${algorithm} ${i}`).toBeLessThanOrEqual(1);
      expect(y[6]).toBe(0);
      expect(y[7]).toBe(0);
    }
  });

  it('log-softmax of a row one entry dominates (log Σ < ln 2): the near-zero entry to 4 ulp', () => {
    // the max comes second, within the online fold's lag: its reference is not the max
    for (const x of [
      [0, 40, -3],
      [1, 1.5, -60],
      [-5, 30, 29.5, -700],
    ]) {
      const want = refLogSoftmax(x);
      for (const algorithm of ALGORITHMS) {
        const y = new Float64Array(x.length);
        softmaxRows({ ...oneRow(x.length), algorithm, x: Float64Array.from(x), y, log: true });
        expect(maxUlpError(y, want, false), `${algorithm} ${x}`).toBeLessThanOrEqual(4);
      }
    }
  });

  it('logSumExpRows of several rows at a scale s = 2: within 2 ulp of 60 digits', () => {
    const x = [0.3, 12.5, -7, 1e5, 1e5 - 0.5, 99_990, -3, 2 ** 31, 5, 40, 0, -2];
    const out = new Float64Array(4);
    for (const algorithm of ALGORITHMS) {
      logSumExpRows({ x: Float64Array.from(x), out, rows: 4, n: 3, algorithm, s: 2 });
      for (let r = 0; r < 4; r++)
        expect(
          ulpError(out[r]!, refLogSumExp(x.slice(3 * r, 3 * r + 3), 0.5), false),
          `${algorithm} ${r}`,
        ).toBeLessThanOrEqual(2);
    }
  });
});

describe('softmaxVjpRows: several rows', () => {
  it('a −∞ entry of a later row writes its own 0, not into the row before', () => {
    const x = Float64Array.of(1, 2, 3, 0, -Infinity, 1);
    const dy = Float64Array.of(0.5, -1, 2, 1, 3, -2);
    for (const algorithm of ALGORITHMS)
      for (const log of [false, true]) {
        const dx = new Float64Array(6).fill(Number.NaN);
        softmaxVjpRows({ x, dy, dx, rows: 2, n: 3, algorithm, s: 1, log });
        const alone = new Float64Array(3);
        softmaxVjpRows({
          x: x.subarray(0, 3),
          dy: dy.subarray(0, 3),
          dx: alone,
          rows: 1,
          n: 3,
          algorithm,
          s: 1,
          log,
        });
        expect(Array.from(dx.subarray(0, 3)), `${algorithm} ${log}`).toEqual(Array.from(alone));
        expect(dx[4]).toBe(0);
        expect(Number.isFinite(dx[3]) && Number.isFinite(dx[5])).toBe(true);
      }
  });

  it('each row as if alone, every algorithm; masked and +∞ rows get 0', () => {
    const x = Float64Array.of(
      0.5,
      -1,
      2,
      -Infinity,
      -Infinity,
      -Infinity,
      1,
      Infinity,
      0,
      3,
      3,
      -4,
    );
    const dy = Float64Array.of(1, -2, 0.25, 5, 6, 7, 1, 2, 3, 0.5, -1.5, 2);
    const s = 2;
    for (const algorithm of ALGORITHMS)
      for (const log of [false, true]) {
        const dx = new Float64Array(12);
        softmaxVjpRows({ x, dy, dx, rows: 4, n: 3, algorithm, s, log });
        expect(Array.from(dx.subarray(3, 9))).toEqual([0, 0, 0, 0, 0, 0]);
        for (const r of [0, 3]) {
          const y = refSoftmax(Array.from(x.subarray(3 * r, 3 * r + 3)), 1 / s);
          const g = dy.subarray(3 * r, 3 * r + 3);
          const dot = y.reduce((a, yi, i) => a.plus(yi.times(g[i]!)), new D(0));
          const sum = Array.from(g).reduce((a, v) => a.plus(v), new D(0));
          for (let i = 0; i < 3; i++) {
            const want = log
              ? new D(g[i]!).minus(y[i]!.times(sum)).times(s)
              : y[i]!.times(new D(g[i]!).minus(dot)).times(s);
            expect(
              new D(dx[3 * r + i]!).minus(want).abs().toNumber(),
              `${algorithm} ${log} ${r} ${i}`,
            ).toBeLessThan(1e-14);
          }
        }
      }
  });
});

describe('logSumExpRows and the subnormal edge: the last bits', () => {
  it('s·max keeps its product error: s·a + log 2 of rows (a, a) at s = 1/0.7 is correctly rounded', () => {
    const s = 1 / 0.7;
    for (let i = 0; i < 40; i++) {
      const a = 700 + i * 13.37 + i / 7;
      const want = dec(a).times(dec(s)).plus(D.ln(2)).toNumber();
      for (const algorithm of ALGORITHMS) {
        const out = new Float64Array(1);
        logSumExpRows({ x: Float64Array.of(a, a), out, rows: 1, n: 2, algorithm, s });
        expect(out[0], `${a} ${algorithm}`).toBe(want);
      }
    }
  });

  it('two-pass: 2^(k − K) = 2^−1074 exactly is the smallest subnormal, not 0', () => {
    // k = −1074 and K = 0; the truth is 1.97·2^−1074
    const x = [-0.34, -744.1];
    const y = new Float64Array(2);
    softmaxRows({ ...oneRow(2), algorithm: 'two-pass', x: Float64Array.from(x), y });
    expect(ulpError(y[1]!, refSoftmax(x)[1]!, false)).toBeLessThanOrEqual(1);
  });
});

describe('softmaxRows: which rows each algorithm folds online', () => {
  const folds = vi.mocked(foldRow);
  const calls = (x: number[], rows: number, algorithm: SoftmaxAlgorithm, s = 1) => {
    folds.mockClear();
    const n = x.length / rows;
    const args = { x: Float64Array.from(x), rows, n, algorithm, s };
    softmaxRows({ ...args, y: new Float64Array(x.length), log: false });
    softmaxRows({ ...args, y: new Float64Array(x.length), log: true });
    logSumExpRows({ ...args, out: new Float64Array(rows) });
    return folds.mock.calls.length / 3;
  };

  it("'online' folds every finite row, 'three-pass' none, 'two-pass' none below 2^30", () => {
    const x = [0.5, -3, 2, -Infinity, 1, 700];
    expect(calls(x, 2, 'online')).toBe(2);
    expect(calls(x, 2, 'three-pass')).toBe(0);
    expect(calls(x, 2, 'two-pass')).toBe(0);
    expect(calls([Infinity, 1, Number.NaN, 1, -Infinity, -Infinity], 3, 'online')).toBe(0);
  });

  it("'two-pass' folds a row online where s·max ≥ 2^30 or −s·min ≥ 2^30 (−∞ is not the min)", () => {
    const L = 2 ** 30;
    for (const [x, s, online] of [
      [[L, 0], 1, 1],
      [[L - 2 ** -22, 0], 1, 0],
      [[L / 2, 0], 2, 1],
      [[L / 2, 0], 1.5, 0],
      [[0, -L], 1, 1],
      [[0, -L + 2 ** -22], 1, 0],
      [[5, -L / 2, 3], 2, 1],
      [[5, -L / 2, 3], 1.5, 0],
      [[-Infinity, 5, 3], 1, 0],
      [[3, 5, -Infinity], 1, 0],
    ] as [number[], number, number][])
      expect(calls(x, 1, 'two-pass', s), `${x} ${s}`).toBe(online);
    // each row's min is its own: the next row's −2^30 does not send the first online
    expect(calls([0, 1, -L, 0], 2, 'two-pass')).toBe(1);
    expect(calls([-L, 0, 0, 1], 2, 'two-pass')).toBe(1);
  });
});

describe('softmaxRows: a long row keeps its compensation', () => {
  // 2,001 entries whose plain sum of e^(x − max) is ~50 ulp off (its compensation matters)
  const x = [0];
  for (let i = 0; i < 1000; i++) x.push(-0.5, -3.7);
  const values = [0, -0.5, -3.7];
  const counts = [1, 1000, 1000];
  const p = refSoftmaxGrouped(values, counts);
  const lse = refLogSumExpGrouped(values, counts);

  it('softmax, log-softmax and logsumexp, every algorithm: within 4 ulp', () => {
    for (const algorithm of ALGORITHMS) {
      const args = { ...oneRow(x.length), algorithm, x: Float64Array.from(x) };
      const y = new Float64Array(x.length);
      const l = new Float64Array(x.length);
      const out = new Float64Array(1);
      softmaxRows({ ...args, y });
      softmaxRows({ ...args, y: l, log: true });
      logSumExpRows({ ...args, out });
      for (const [i, k] of [
        [0, 0],
        [1, 1],
        [2, 2],
      ]) {
        expect(ulpError(y[i]!, p[k]!, false), `${algorithm} ${i}`).toBeLessThanOrEqual(4);
        const want = dec(values[k]!).minus(lse);
        expect(ulpError(l[i]!, want, false), `${algorithm} log ${i}`).toBeLessThanOrEqual(4);
      }
      expect(ulpError(out[0]!, lse, false), algorithm).toBeLessThanOrEqual(2);
    }
    // at a scale s = 2 (the three-pass scaled loop)
    const p2 = refSoftmaxGrouped(values, counts, 0.5);
    const y = new Float64Array(x.length);
    softmaxRows({ ...oneRow(x.length, 2), algorithm: 'three-pass', x: Float64Array.from(x), y });
    for (let i = 0; i < 3; i++)
      expect(ulpError(y[i]!, p2[i]!, false), `s = 2, ${i}`).toBeLessThanOrEqual(4);
  });

  it('the vjp’s ⟨p, dy⟩ and Σ dy are compensated: within 8 ulp of the terms, against 60 digits', () => {
    // dx_i = p_i·(dy_i − ⟨p, dy⟩) cancels (0.1 − 0.1003): the bound is on |dy_i| + p_i·|g|
    const dy = x.map((_, i) => (i === 0 ? 0.3 : 0.1));
    const sumDy = dec(0.3).plus(dec(0.1).times(2000));
    const dot = p[0]!.times(dec(0.3)).plus(p[1]!.plus(p[2]!).times(1000).times(dec(0.1)));
    for (const algorithm of ALGORITHMS)
      for (const log of [false, true]) {
        const dx = new Float64Array(x.length);
        const args = { x: Float64Array.from(x), dy: Float64Array.from(dy), dx, rows: 1 };
        softmaxVjpRows({ ...args, n: x.length, algorithm, s: 1, log });
        for (const [i, k] of [
          [0, 0],
          [1, 1],
          [2, 2],
        ]) {
          const g = log ? sumDy : dot;
          const want = log ? dec(dy[i]!).minus(p[k]!.times(g)) : p[k]!.times(dec(dy[i]!).minus(g));
          const scale = (log ? dec(dy[i]!) : p[k]!.times(dy[i]!)).plus(p[k]!.times(g)).toNumber();
          expect(
            dec(dx[i]!).minus(want).abs().toNumber(),
            `${algorithm} ${log} ${i}`,
          ).toBeLessThanOrEqual(8 * 2 ** -53 * scale);
        }
      }
  });
});

describe('softmaxRows: non-finite entries and rows, every algorithm', () => {
  it('log-softmax of +∞, masked and NaN rows follows the policy; −∞ entries get 0 / −∞', () => {
    const x = Float64Array.of(
      Infinity,
      0,
      Infinity,
      -Infinity,
      -Infinity,
      -Infinity,
      0,
      Number.NaN,
      1,
    );
    for (const algorithm of ALGORITHMS) {
      const y = new Float64Array(9);
      softmaxRows({ x, y, rows: 3, n: 3, algorithm, s: 1, log: true });
      expect(Array.from(y.subarray(0, 6))).toEqual([-Math.LN2, -Infinity, -Math.LN2, 0, 0, 0]);
      expect(Array.from(y.subarray(6)).every(Number.isNaN)).toBe(true);
      const row = [0, -Infinity, 1, -Infinity];
      const p = new Float64Array(4);
      softmaxRows({ ...oneRow(4), algorithm, x: Float64Array.from(row), y: p });
      expect(p[1]).toBe(0);
      expect(p[3]).toBe(0);
      expect(maxUlpError(p, refSoftmax(row), false), algorithm).toBeLessThanOrEqual(4);
    }
  });

  it('logSumExpRows: −∞ for a masked row, +∞ for a row holding +∞, NaN for NaN', () => {
    const x = Float64Array.of(-Infinity, -Infinity, Infinity, 1, Number.NaN, 1, 1, Number.NaN);
    for (const algorithm of ALGORITHMS) {
      const out = new Float64Array(4);
      logSumExpRows({ x, out, rows: 4, n: 2, algorithm, s: 1 });
      expect(out[0], algorithm).toBe(-Infinity);
      expect(out[1], algorithm).toBe(Infinity);
      expect(out[2], algorithm).toBeNaN();
      expect(out[3], algorithm).toBeNaN();
    }
  });

  it('in place over several rows, softmax and log-softmax: each row as if alone', () => {
    const rows = [
      [1, 2, 3],
      [-1, 0, 1],
      [0.5, 4, -2],
    ];
    for (const algorithm of ALGORITHMS)
      for (const log of [false, true]) {
        const alone = rows.flatMap((r) => {
          const y = new Float64Array(3);
          softmaxRows({ ...oneRow(3), algorithm, x: Float64Array.from(r), y, log });
          return Array.from(y);
        });
        const x = Float64Array.from(rows.flat());
        softmaxRows({ ...oneRow(3), rows: 3, algorithm, x, y: x, log });
        expect(Array.from(x), `${algorithm} ${log}`).toEqual(alone);
      }
  });
});
