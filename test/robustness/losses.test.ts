/**
 * Robustness of every public loss (issue 15), property-based: arbitrary logits
 * (Float32, Float64, number[]; −∞, NaN, ±∞, huge and tiny values), shapes and axes
 * (right and wrong), targets (out of range, ignoreIndex, non-integers, null) and
 * option objects (valid values, misspelled keys, wrong types, null) give either a
 * result or a SoftmaxKitError with a code from the closed set — never another
 * exception or a hang. A result leaves its inputs unmodified, and where the inputs
 * are finite and moderate (|x| ≤ 1e6, where the exact loss is finite) its loss and
 * gradient are finite.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  crossEntropy,
  decodeHistogram,
  distillationLoss,
  entmaxLoss,
  focalLoss,
  generalizedCrossEntropy,
  histogramCenters,
  hlGaussLoss,
  hlGaussTargets,
  linearCrossEntropy,
  maxSupLoss,
  pairwiseSoftmaxLoss,
  polyLoss,
  sampledSoftmaxLoss,
  sparsemaxLoss,
  sphericalZLoss,
  twoHotTargets,
} from '../../src/losses/index.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { ERROR_CODES } from '../helpers/robust.js';

const RUNS = 500; // per function: 17 functions → 8,500 cases

// ---- generators ----------------------------------------------------------

const EDGE = [0, -0, 1, -1, 1e6, -1e6, 3e38, -3e38, 1e308, -1.7e308, 5e-324, 1e-310];
const NON_FINITE = [-Infinity, Number.NaN, Infinity];
/** A moderate value, an edge value, or (rarely) a non-finite one. */
const value = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -20, max: 20, noNaN: true }) },
  { weight: 2, arbitrary: fc.constantFrom(...EDGE) },
  { weight: 1, arbitrary: fc.constantFrom(...NON_FINITE) },
);
/** Something that is not what was asked for. */
const junk = fc.constantFrom<unknown>(null, undefined, 'x', Number.NaN, -1, 1.5, {}, [], true, [
  1,
  'a',
]);

type Data = number[] | Float32Array | Float64Array;
/** `length` values as number[], Float32Array or Float64Array. */
const data = (length: number): fc.Arbitrary<Data> =>
  fc
    .tuple(fc.array(value, { minLength: length, maxLength: length }), fc.nat(2))
    .map(([v, k]) => (k === 0 ? v : k === 1 ? Float32Array.from(v) : Float64Array.from(v)));

/** Class targets: in range, ignoreIndex −100, out of range, or junk. */
const targets = (rows: number, C: number) =>
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc.array(fc.integer({ min: 0, max: C - 1 }), { minLength: rows, maxLength: rows }),
    },
    {
      weight: 2,
      arbitrary: fc.array(fc.constantFrom(-100, 0, C, -1, 0.5), {
        minLength: rows,
        maxLength: rows,
      }),
    },
    { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: C }), { maxLength: rows + 1 }) },
    { weight: 1, arbitrary: junk },
  );

/** An options object: mostly valid values of `keys`, sometimes a misspelt key or junk. */
function options(keys: Record<string, fc.Arbitrary<unknown>>) {
  const valid = fc.record(keys, { requiredKeys: [] });
  return fc.oneof(
    { weight: 8, arbitrary: valid },
    {
      weight: 2,
      arbitrary: fc
        .tuple(valid, fc.constantFrom(...Object.keys(keys)), junk)
        .map(([o, k, v]) => ({ ...o, [k]: v })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(valid, fc.constantFrom('shpe', 'label_smoothing', 'Gamma', 'backend', 'dim'), value)
        .map(([o, k, v]) => ({ ...o, [k]: v })),
    },
    { weight: 1, arbitrary: junk },
  );
}

/** A shape for `rows` rows of C classes along axis −1 or 0, or (rarely) a wrong one. */
const layout = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 7 }));
const shapeOf = (rows: number, C: number) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant({ shape: [rows, C], axis: -1 }) },
    { weight: 2, arbitrary: fc.constant({ shape: [C, rows], axis: 0 }) },
    {
      weight: 1,
      arbitrary: fc.record({
        shape: fc.array(fc.integer({ min: -1, max: 8 }), { maxLength: 3 }),
        axis: fc.integer({ min: -3, max: 3 }),
      }),
    },
  );

const LOSS_KEYS = {
  reduction: fc.constantFrom('mean', 'sum', 'none'),
  ignoreIndex: fc.constantFrom(-100, 0, -1),
  allIgnored: fc.constantFrom('zero', 'nan'),
};

/** A class-loss call: logits [rows, C] (or a wrong length), targets, options with `extra` keys. */
function classCase(extra: Record<string, fc.Arbitrary<unknown>>) {
  return layout.chain(([rows, C]) =>
    fc.record({
      x: fc.oneof(
        { weight: 9, arbitrary: data(rows * C) },
        { weight: 1, arbitrary: data(rows * C + 1) },
      ),
      t: targets(rows, C),
      layout: shapeOf(rows, C),
      o: options({ ...LOSS_KEYS, ...extra }),
    }),
  );
}

// ---- the property --------------------------------------------------------

const copy = (v: unknown): unknown =>
  Array.isArray(v) ? [...v] : ArrayBuffer.isView(v) ? (v as Float64Array).slice() : v;
const same = (a: unknown, b: unknown): boolean =>
  Array.isArray(a) || ArrayBuffer.isView(a)
    ? Array.from(a as ArrayLike<unknown>).every((v, i) =>
        Object.is(v, (b as ArrayLike<unknown>)[i]),
      )
    : true;
const moderate = (v: unknown): boolean =>
  (Array.isArray(v) || v instanceof Float32Array || v instanceof Float64Array) &&
  Array.from(v as ArrayLike<unknown>).every(
    (u) => typeof u === 'number' && Math.abs(u) <= 1e6 && (u === 0 || Math.abs(u) >= 1e-6),
  );
/** allIgnored: 'nan' asks for a NaN loss on an all-ignored batch: no finiteness check then. */
const asksNaN = (o: unknown) => JSON.stringify(o ?? null).includes('"nan"');
const allFinite = (v: unknown): boolean =>
  typeof v === 'number'
    ? !Number.isNaN(v) && Number.isFinite(v)
    : ArrayBuffer.isView(v)
      ? Array.from(v as Float64Array).every(Number.isFinite)
      : true;

/**
 * Call f(...args): a SoftmaxKitError with a known code, or a result that left the
 * data arguments as they were; `finite` (inputs moderate, valid): loss and gradients finite.
 */
function check(f: () => unknown, args: unknown[], finite: () => boolean): void {
  const before = args.map(copy);
  let r: unknown;
  try {
    r = f();
  } catch (e) {
    if (!(e instanceof SoftmaxKitError)) throw e;
    expect(ERROR_CODES.has(e.code)).toBe(true);
    expect(e.message).toMatch(/^[a-zA-Z]+: /);
    return;
  }
  for (let i = 0; i < args.length; i++) expect(same(args[i], before[i])).toBe(true);
  if (!finite() || typeof r !== 'object' || r === null || ArrayBuffer.isView(r)) return;
  const res = r as Record<string, unknown>;
  for (const k of ['loss', 'grad', 'dHidden', 'dWeight', 'dBias'])
    if (k in res) expect(allFinite(res[k]), k).toBe(true);
}

interface ClassCase {
  x: Data;
  t: unknown;
  layout: { shape: number[]; axis: number };
  o: unknown;
}

/** The class losses: (logits, targets, options) with their own option keys. */
// biome-ignore lint/suspicious/noExplicitAny: called with arbitrary arguments on purpose
const CLASS_LOSSES: [string, (...a: any[]) => unknown, Record<string, fc.Arbitrary<unknown>>][] = [
  [
    'crossEntropy',
    crossEntropy,
    {
      labelSmoothing: fc.double({ min: 0, max: 1 }),
      zLoss: fc.constantFrom(0, 1e-4),
      softcap: fc.constantFrom(30, 2),
      backend: fc.constantFrom('auto', 'js', 'wasm', 'gpu'),
    },
  ],
  [
    'focalLoss',
    focalLoss,
    { gamma: fc.constantFrom(0, 0.5, 2), alpha: fc.constantFrom(-1, 0.25, 1, -0.5) },
  ],
  ['polyLoss', polyLoss, { epsilon: fc.constantFrom(-1, 0, 1, 2) }],
  ['generalizedCrossEntropy', generalizedCrossEntropy, { q: fc.constantFrom(0.1, 0.7, 1, 0) }],
  ['maxSupLoss', maxSupLoss, { alpha: fc.constantFrom(0, 0.1, 1) }],
  [
    'sphericalZLoss',
    sphericalZLoss,
    { a: fc.constantFrom(0.5, 1, 2), b: fc.constantFrom(-1, 0, 1) },
  ],
  ['sparsemaxLoss', sparsemaxLoss, {}],
  ['entmaxLoss', entmaxLoss, { alpha: fc.constantFrom(1.2, 1.5, 2, 3) }],
  [
    'pairwiseSoftmaxLoss',
    pairwiseSoftmaxLoss,
    {
      activation: fc.constantFrom('exp', 'tanh', 'atan', 'relu'),
      temperature: fc.constantFrom(0.2, 1),
    },
  ],
  [
    'sampledSoftmaxLoss',
    sampledSoftmaxLoss,
    {
      method: fc.constantFrom('sampled', 'partial-fc'),
      numSampled: fc.constantFrom(1, 5, 1e9, 2 ** 24 + 1),
      sampleRate: fc.constantFrom(0.5, 1),
      seed: fc.nat(100),
    },
  ],
];

describe('every loss: a result or a SoftmaxKitError, never another exception (issue 15)', () => {
  for (const [name, loss, extra] of CLASS_LOSSES)
    it(`${name}: ${RUNS} arbitrary calls`, () =>
      fc.assert(
        fc.property(classCase(extra) as fc.Arbitrary<ClassCase>, (c) => {
          const o =
            typeof c.o === 'object' && c.o !== null && !Array.isArray(c.o)
              ? { ...c.layout, ...c.o }
              : c.o;
          const ok = () => moderate(c.x) && !asksNaN(c.o);
          check(() => loss(c.x, c.t, o), [c.x, c.t], ok);
        }),
        { numRuns: RUNS, seed: 15 },
      ));

  it(`distillationLoss: ${RUNS} arbitrary calls`, () =>
    fc.assert(
      fc.property(
        layout.chain(([rows, C]) =>
          fc.record({
            x: data(rows * C),
            q: fc.oneof(data(rows * C), data(C), junk),
            layout: shapeOf(rows, C),
            o: options({
              reduction: LOSS_KEYS.reduction,
              temperature: fc.constantFrom(0.5, 1, 4, 0),
            }),
          }),
        ),
        (c) => {
          const o =
            typeof c.o === 'object' && c.o !== null && !Array.isArray(c.o)
              ? { ...c.layout, ...c.o }
              : c.o;
          check(
            () => distillationLoss(c.x, c.q as Data, o as object),
            [c.x, c.q],
            () => moderate(c.x) && moderate(c.q),
          );
        },
      ),
      { numRuns: RUNS, seed: 15 },
    ));

  it(`linearCrossEntropy: ${RUNS} arbitrary calls`, () =>
    fc.assert(
      fc.property(
        fc
          .tuple(
            fc.integer({ min: 0, max: 4 }),
            fc.integer({ min: 1, max: 3 }),
            fc.integer({ min: 1, max: 6 }),
          )
          .chain(([n, d, vocab]) =>
            fc.record({
              h: fc.oneof({ weight: 9, arbitrary: data(n * d) }, { weight: 1, arbitrary: junk }),
              w: fc.oneof(
                { weight: 9, arbitrary: data(vocab * d) },
                { weight: 1, arbitrary: data(vocab) },
              ),
              t: targets(n, vocab),
              o: options({
                n: fc.constantFrom(n, n + 1),
                d: fc.constant(d),
                vocab: fc.constant(vocab),
                chunk: fc.constantFrom(1, 2, 256),
                ...LOSS_KEYS,
                labelSmoothing: fc.constantFrom(0, 0.1),
                bias: data(vocab),
              }),
            }),
          ),
        (c) =>
          check(
            () => linearCrossEntropy(c.h as Data, c.w, c.t as number[], c.o as never),
            [c.h, c.w, c.t],
            () => moderate(c.h) && moderate(c.w) && !asksNaN(c.o),
          ),
      ),
      { numRuns: RUNS, seed: 15 },
    ));

  const support = {
    min: fc.constantFrom(-1, 0, Number.NaN, 1),
    max: fc.constantFrom(1, 2, 0, Infinity),
    bins: fc.constantFrom(1, 3, 51, 1e10, 2.5, 0),
  };

  it(`hlGaussLoss and decodeHistogram: ${RUNS} arbitrary calls each`, () =>
    fc.assert(
      fc.property(
        layout.chain(([rows, C]) =>
          fc.record({
            x: data(rows * C),
            y: fc.oneof(data(rows), data(rows + 1), junk),
            layout: shapeOf(rows, C),
            o: options({
              min: support.min,
              max: support.max,
              sigma: fc.constantFrom(0.1, 1, 0),
              reduction: LOSS_KEYS.reduction,
              backend: fc.constantFrom('js', 'wasm'),
            }),
          }),
        ),
        (c) => {
          const o =
            typeof c.o === 'object' && c.o !== null && !Array.isArray(c.o)
              ? { ...c.layout, ...c.o }
              : c.o;
          check(
            () => hlGaussLoss(c.x, c.y as Data, o as never),
            [c.x, c.y],
            () => moderate(c.x),
          );
          check(
            () => decodeHistogram(c.x, o as never),
            [c.x],
            () => false,
          );
        },
      ),
      { numRuns: RUNS, seed: 15 },
    ));

  it(`hlGaussTargets, twoHotTargets, histogramCenters: ${RUNS} arbitrary calls each`, () =>
    fc.assert(
      fc.property(
        fc.oneof(data(3), data(0), junk),
        options({ ...support, sigma: fc.constantFrom(0.1, 1, -1) }),
        (y, o) => {
          const opts = o as never;
          check(
            () => hlGaussTargets(y as Data, opts),
            [y],
            () => false,
          );
          check(
            () => twoHotTargets(y as Data, opts),
            [y],
            () => false,
          );
          check(
            () => histogramCenters(opts),
            [],
            () => false,
          );
        },
      ),
      { numRuns: RUNS, seed: 15 },
    ));
});
