/**
 * Robustness of every normalizer export (issue 15): arbitrary data, shapes, axes and
 * option objects (misspelled keys, wrong types, null) → a sane result or a
 * SoftmaxKitError naming the function; never another exception or a modified input.
 * Sane: the result has the input's element type and length; from finite input no
 * NaN; probability normalizers give rows in [0, 1] summing to 1 (or to 0 where a
 * row may be empty: reluNorm, re-weighted softplusNorm), softpick rows ≤ 1; a vjp of
 * finite x and moderate dy (|dy| ≤ 1e3) has no NaN.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../../src/kernels/wasm/index.js'; // registers the 'wasm' backend
import {
  entmaxAlphaGrad,
  logSumExp,
  logSumExpFromState,
  logSumExpState,
  logSumExpVjp,
  mergeLogSumExpStates,
  type NormalizerEntry,
  normalizers,
} from '../../src/index.js';
import {
  anyValue,
  axisValue,
  check,
  dataArray,
  edgeNumber,
  expectCleanOutcome,
  isFiniteData,
  options,
  rowSums,
  shapeFor,
  validOrAny,
} from '../helpers/robust.js';

type Opts = Record<string, unknown> | undefined;
type AnyEntry = NormalizerEntry<Record<string, unknown>>;

/** Each normalizer's own options: mostly valid values, sometimes anything. */
const OWN: Record<string, Record<string, fc.Arbitrary<unknown>>> = {
  softmax: {
    temperature: validOrAny(1, 0.5, 3, 1e-310, 1e300),
    algorithm: validOrAny('three-pass', 'two-pass', 'online'),
  },
  logSoftmax: {
    temperature: validOrAny(1, 0.5, 1e-310),
    algorithm: validOrAny('three-pass', 'two-pass', 'online'),
  },
  sparsemax: {},
  entmax15: {},
  entmax: {
    alpha: validOrAny(1.5, 2, 1.01, 3),
    nIter: validOrAny(1, 8, 64),
    tolerance: validOrAny(0, 1e-3),
  },
  sparseSoftmax: { k: validOrAny(1, 2, 3) },
  gumbelSoftmax: {
    tau: validOrAny(1, 0.5),
    hard: validOrAny(true, false),
    seed: validOrAny(0, 7, 2 ** 53 - 1),
  },
  ssmax: { s: validOrAny(1, 0.5), n: validOrAny(1, 10) },
  softpick: { eps: validOrAny(0, 1e-8) },
  saSoftmax: { normalized: validOrAny(true, false) },
  softplusNorm: { reweight: validOrAny(1, 3, 15) },
  reluNorm: {},
};

/** Row options for data of `len` elements: shape, axis, out (fresh, wrong or bad), backend. */
function rowModel(len: number): Record<string, fc.Arbitrary<unknown>> {
  return {
    shape: shapeFor(len),
    axis: axisValue,
    out: fc.oneof(
      { weight: 8, arbitrary: fc.constant(undefined) },
      fc
        .constantFrom(len, len + 1)
        .chain((n) => fc.constantFrom(new Float64Array(n), new Float32Array(n))),
      anyValue,
    ),
    backend: validOrAny('auto', 'js', 'wasm'),
  };
}

/** (x, dy, options) for one normalizer. */
function call(own: Record<string, fc.Arbitrary<unknown>>) {
  return dataArray({ maxLength: 12 }).chain((x) => {
    const len = Array.isArray(x) || ArrayBuffer.isView(x) ? (x as ArrayLike<number>).length : 3;
    const dy = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), {
          minLength: len,
          maxLength: len,
        }),
      },
      dataArray({ minLength: len, maxLength: len }),
    );
    return fc.tuple(fc.constant(x), dy, options({ ...rowModel(len), ...own }));
  });
}

/** The layout the options describe (they succeeded, so they are valid). */
function layoutOf(x: ArrayLike<number>, o: Opts): { shape: number[]; axis: number } {
  return {
    shape: (o?.shape as number[] | undefined) ?? [x.length],
    axis: (o?.axis as number | undefined) ?? -1,
  };
}

const SUMS_TO_ONE = new Set([
  'softmax',
  'sparsemax',
  'entmax15',
  'entmax',
  'sparseSoftmax',
  'gumbelSoftmax',
  'ssmax',
]);
const SUMS_TO_ONE_OR_ZERO = new Set(['reluNorm', 'softplusNorm']);

function saneForward(name: string, x: unknown, o: Opts, y: ArrayLike<number>): void {
  const xs = x as ArrayLike<number>;
  expect(y.length).toBe(xs.length);
  expect(y instanceof Float32Array).toBe(xs instanceof Float32Array);
  if (!isFiniteData(x)) return;
  for (let i = 0; i < y.length; i++) expect(Number.isNaN(y[i]!), `${name} NaN at ${i}`).toBe(false);
  if (name === 'logSoftmax' || name === 'saSoftmax') return;
  const tol = xs instanceof Float32Array ? 1e-5 : 1e-12;
  for (let i = 0; i < y.length; i++) {
    expect(y[i]!).toBeGreaterThanOrEqual(0);
    expect(y[i]!).toBeLessThanOrEqual(1 + tol);
  }
  const { shape, axis } = layoutOf(xs, o);
  const n = shape[axis < 0 ? axis + shape.length : axis]!;
  for (const s of rowSums(y, shape, axis)) {
    if (SUMS_TO_ONE.has(name)) expect(Math.abs(s - 1)).toBeLessThanOrEqual(n * tol);
    else if (SUMS_TO_ONE_OR_ZERO.has(name))
      expect(Math.min(Math.abs(s - 1), Math.abs(s))).toBeLessThanOrEqual(n * tol);
    else expect(s).toBeLessThanOrEqual(1 + n * tol); // softpick
  }
}

function saneVjp(name: string, x: unknown, dy: unknown, dx: ArrayLike<number>): void {
  expect(dx.length).toBe((x as ArrayLike<number>).length);
  if (!isFiniteData(x) || !isFiniteData(dy)) return;
  if (Array.from(dy).some((v) => Math.abs(v) > 1e3)) return; // dy·x may overflow genuinely
  for (let i = 0; i < dx.length; i++)
    expect(Number.isNaN(dx[i]!), `${name}Vjp NaN at ${i}`).toBe(false);
}

const RUNS = 450;

describe('robustness: normalizers (issue 15)', () => {
  for (const [name, e] of Object.entries(normalizers) as [string, AnyEntry][]) {
    it(`${name} and ${name}Vjp: a sane result or a SoftmaxKitError`, () => {
      check(
        call(OWN[name]!),
        ([x, dy, o]) => {
          expectCleanOutcome(
            name,
            () => e.forward(x as number[], o as Opts),
            [x, o],
            (y) => saneForward(name, x, o as Opts, y),
          );
          expectCleanOutcome(
            `${name}Vjp`,
            () => e.vjp(x as number[], dy as number[], o as Opts),
            [x, dy, o],
            (dx) => saneVjp(name, x, dy, dx),
          );
        },
        RUNS,
      );
    });
  }

  it('logSumExp, logSumExpVjp, entmaxAlphaGrad', () => {
    check(
      call({ algorithm: validOrAny('three-pass', 'online'), alpha: validOrAny(1.5, 2) }),
      ([x, dy, o]) => {
        const { alpha, ...lo } = (o ?? {}) as Record<string, unknown>;
        const lseOpts =
          o === undefined || o === null || typeof o !== 'object' || Array.isArray(o) ? o : lo;
        expectCleanOutcome(
          'logSumExp',
          () => logSumExp(x as number[], lseOpts as Opts),
          [x, o],
          (y) => {
            if (isFiniteData(x)) for (const v of y) expect(Number.isNaN(v)).toBe(false);
          },
        );
        expectCleanOutcome(
          'logSumExpVjp',
          () => logSumExpVjp(x as number[], dy as number[], lseOpts as Opts),
          [x, dy, o],
        );
        const { algorithm, ...eo } = (o ?? {}) as Record<string, unknown>;
        const entOpts = lseOpts === o ? (o === undefined ? o : { ...eo, alpha }) : o;
        expectCleanOutcome(
          'entmaxAlphaGrad',
          () => entmaxAlphaGrad(x as number[], dy as number[], entOpts as Opts),
          [x, dy, o],
        );
      },
      RUNS,
    );
  });

  it('logSumExpState, mergeLogSumExpStates, logSumExpFromState', () => {
    const state = fc.oneof(
      dataArray().map((x) => {
        try {
          return logSumExpState(x as number[]);
        } catch {
          return null;
        }
      }),
      fc.record({ m: edgeNumber, d: edgeNumber }),
      anyValue,
    );
    check(
      fc.tuple(dataArray(), state, state),
      ([x, a, b]) => {
        expectCleanOutcome('logSumExpState', () => logSumExpState(x as number[]), [x]);
        expectCleanOutcome(
          'mergeLogSumExpStates',
          () => mergeLogSumExpStates(a as never, b as never),
          [a, b],
        );
        expectCleanOutcome('logSumExpFromState', () => logSumExpFromState(a as never), [a]);
      },
      RUNS * 2,
    );
  });
});
