/**
 * Every gating function on arbitrary arguments: a result or a SoftmaxKitError,
 * never another exception (TypeError, RangeError) and never a hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as gating from '../../src/gating/index.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';

/** Numbers that break things: ties, ±0, ±∞, NaN, huge, tiny, fractional. */
const number = fc.oneof(
  fc.integer({ min: -4, max: 20 }),
  fc.constantFrom(0, -0, 0.5, 1.5, 1e-300, 1e300, -1e300, Infinity, -Infinity, Number.NaN, 2 ** 53),
  fc.double(),
);
const floats = fc.array(number, { maxLength: 24 });
const array = fc.oneof(
  floats,
  floats.map((a) => Float64Array.from(a)),
  floats.map((a) => Float32Array.from(a)),
  fc.constantFrom(new Int32Array([0, 1, 2, 3]), new Uint8Array([1, 0, 1]), [] as number[]),
  fc.anything(),
);
const shape = fc.oneof(
  fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 3 }),
  fc.array(number, { maxLength: 3 }),
  fc.anything(),
);
const value = fc.oneof(number, array, shape, fc.boolean(), fc.string(), fc.constant(undefined));
const nested = fc.oneof(
  fc.record(
    { count: number, top: number, seed: number, std: number, noiseLogits: array },
    { requiredKeys: [] },
  ),
  fc.anything(),
);
const KEYS = [
  'shape',
  'k',
  'scoring',
  'renormalize',
  'scale',
  'bias',
  'groups',
  'noise',
  'capacityFactor',
  'dropPolicy',
  'mask',
  'alpha',
  'p',
  'maxK',
  'rate',
  'capacity',
  'tokenGroups',
  'temperature',
  'threshold',
  'bogus',
] as const;
const options = fc.oneof(
  fc.dictionary(
    fc.constantFrom(...KEYS),
    fc.oneof(value, nested, fc.constantFrom('softmax', 'sigmoid', 'position', 'probability')),
    { maxKeys: 5 },
  ),
  fc.constant(undefined),
  fc.anything(),
);

/** Run f; anything thrown must be a SoftmaxKitError naming the function. */
function settles(name: string, f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof SoftmaxKitError)) throw e;
    expect(e.message.startsWith(`${name}`)).toBe(true);
  }
}

const CALLS: [string, (a: unknown, b: unknown, c: unknown, o: unknown) => unknown][] = [
  ['topKGating', (a, _b, _c, o) => gating.topKGating(a as never, o as never)],
  ['topKGatingVjp', (a, b, _c, o) => gating.topKGatingVjp(a as never, b as never, o as never)],
  [
    'topKGatingNoiseVjp',
    (a, b, _c, o) => gating.topKGatingNoiseVjp(a as never, b as never, o as never),
  ],
  ['loadBalancingLoss', (a, _b, _c, o) => gating.loadBalancingLoss(a as never, o as never)],
  ['routerZLoss', (a, _b, _c, o) => gating.routerZLoss(a as never, o as never)],
  ['smoothLoadLoss', (a, _b, _c, o) => gating.smoothLoadLoss(a as never, o as never)],
  [
    'updateExpertBias',
    (a, b, _c, o) => gating.updateExpertBias(a as never, b as never, o as never),
  ],
  ['sequenceBalanceLoss', (a, _b, _c, o) => gating.sequenceBalanceLoss(a as never, o as never)],
  ['topPGating', (a, _b, _c, o) => gating.topPGating(a as never, o as never)],
  ['topPGatingVjp', (a, b, _c, o) => gating.topPGatingVjp(a as never, b as never, o as never)],
  ['softMoeWeights', (a, _b, _c, o) => gating.softMoeWeights(a as never, o as never)],
  [
    'softMoeWeightsVjp',
    (a, b, c, o) => gating.softMoeWeightsVjp(a as never, b as never, c as never, o as never),
  ],
  ['expertChoiceGating', (a, _b, _c, o) => gating.expertChoiceGating(a as never, o as never)],
  [
    'expertChoiceGatingVjp',
    (a, b, _c, o) => gating.expertChoiceGatingVjp(a as never, b as never, o as never),
  ],
  ['denseToSparseGating', (a, _b, _c, o) => gating.denseToSparseGating(a as never, o as never)],
  [
    'denseToSparseGatingVjp',
    (a, b, _c, o) => gating.denseToSparseGatingVjp(a as never, b as never, o as never),
  ],
  [
    'routerStats',
    (a, b, c, o) => gating.routerStats({ scores: a, indices: b, dropped: c } as never, o as never),
  ],
  ['routerStats', (a, _b, _c, o) => gating.routerStats(a as never, o as never)],
];

describe('gating robustness: a result or a SoftmaxKitError, nothing else', () => {
  for (const [name, call] of CALLS)
    it(name, () => {
      fc.assert(
        fc.property(array, array, array, options, (a, b, c, o) =>
          settles(name, () => call(a, b, c, o)),
        ),
        { numRuns: 250 },
      );
    });

  it('valid calls with arbitrary shapes and k settle too (the checks after the options)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: -2, max: 20 }),
        fc.array(number, { minLength: 45, maxLength: 45 }),
        fc.constantFrom(1, 2, 3, 4),
        fc.constantFrom(1, 2, 3),
        (tokens, E, k, pool, count, top) => {
          const x = pool.slice(0, tokens * E);
          const shape = [tokens, E];
          const all = { shape, k };
          settles('topKGating', () =>
            gating.topKGating(x, {
              ...all,
              scoring: 'sigmoid',
              groups: { count, top },
              capacityFactor: 0.5,
              dropPolicy: 'probability',
              noise: { seed: 1 },
            }),
          );
          settles('topKGatingVjp', () =>
            gating.topKGatingVjp(x, new Float64Array(tokens * Math.max(k, 0)), all),
          );
          settles('loadBalancingLoss', () => gating.loadBalancingLoss(x, all));
          settles('sequenceBalanceLoss', () => gating.sequenceBalanceLoss(x, all));
          settles('topPGating', () => gating.topPGating(x, { shape, maxK: k }));
          settles('expertChoiceGating', () => gating.expertChoiceGating(x, { shape, capacity: k }));
          settles('softMoeWeights', () => gating.softMoeWeights(x, { shape }));
          settles('denseToSparseGating', () =>
            gating.denseToSparseGating(x, { shape, threshold: 0.2 }),
          );
          settles('routerZLoss', () => gating.routerZLoss(x, { shape }));
        },
      ),
      { numRuns: 300 },
    );
  });
});
