/**
 * Robustness of the samplers: arbitrary arrays and options give a result or a
 * SoftmaxKitError — never a TypeError, a RangeError or a hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as sampling from '../../src/sampling/index.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';

const logits = fc.oneof(
  fc.array(fc.double(), { maxLength: 12 }),
  fc.array(fc.double(), { maxLength: 12 }).map((a) => Float32Array.from(a)),
  fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 1, maxLength: 12 }),
  fc.anything(),
);
const option = fc.oneof(
  fc.double(),
  fc.integer({ min: -3, max: 20 }),
  fc.boolean(),
  fc.array(fc.integer({ min: -2, max: 14 }), { maxLength: 6 }),
  fc.dictionary(fc.constantFrom('0', '1', '2', '40', 'x'), fc.double()),
  fc.constantFrom(undefined, null, 'topK', [['topK']]),
  fc.anything(),
);
const KEYS = [
  'k',
  'p',
  'n',
  'minKeep',
  'epsilon',
  'eta',
  'threshold',
  'probability',
  'seed',
  'step',
  'shape',
  'axis',
  'out',
  'tokens',
  'repetition',
  'frequency',
  'presence',
  'window',
  'multiplier',
  'base',
  'allowedLength',
  'sequenceBreakers',
  'bias',
  'allowed',
  'temperature',
  'topK',
  'topP',
  'minP',
  'typicalP',
  'topNSigma',
  'xtc',
  'penalties',
  'dry',
  'noRepeatNgram',
  'logitBias',
  'order',
  'rawLogprobs',
  'topLogprobs',
  'log',
  'mirostat',
  'dynamicTemperature',
  'typo',
];
const options = fc.oneof(
  fc.dictionary(fc.constantFrom(...KEYS), option, { maxKeys: 4 }),
  fc.anything(),
);

function onlyKitErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof SoftmaxKitError)) throw e;
  }
}

const FUNCTIONS: [string, (x: unknown, o: unknown) => unknown][] = [
  ['topKFilter', (x, o) => sampling.topKFilter(x as never, o as never)],
  ['topPFilter', (x, o) => sampling.topPFilter(x as never, o as never)],
  ['minPFilter', (x, o) => sampling.minPFilter(x as never, o as never)],
  ['typicalFilter', (x, o) => sampling.typicalFilter(x as never, o as never)],
  ['epsilonFilter', (x, o) => sampling.epsilonFilter(x as never, o as never)],
  ['etaFilter', (x, o) => sampling.etaFilter(x as never, o as never)],
  ['topNSigmaFilter', (x, o) => sampling.topNSigmaFilter(x as never, o as never)],
  ['xtcFilter', (x, o) => sampling.xtcFilter(x as never, o as never)],
  ['allowedTokensFilter', (x, o) => sampling.allowedTokensFilter(x as never, o as never)],
  ['penalize', (x, o) => sampling.penalize(x as never, o as never)],
  ['dryPenalty', (x, o) => sampling.dryPenalty(x as never, o as never)],
  ['noRepeatNgram', (x, o) => sampling.noRepeatNgram(x as never, o as never)],
  ['logitBias', (x, o) => sampling.logitBias(x as never, o as never)],
  ['sample', (x, o) => sampling.sample(x as never, o as never)],
  ['softmaxTopK', (x, o) => sampling.softmaxTopK(x as never, o as never)],
  ['createSampler', (x, o) => sampling.createSampler(o as never).sample(x as never)],
  [
    'speculativeAccept',
    (x, o) => sampling.speculativeAccept(x as never, x as never, [0] as never, o as never),
  ],
];

describe('samplers: any input gives a result or a SoftmaxKitError', () => {
  for (const [name, f] of FUNCTIONS)
    it(name, () => {
      fc.assert(
        fc.property(logits, options, (x, o) => onlyKitErrors(() => f(x, o))),
        { numRuns: 300 },
      );
    });
  it('well-formed calls succeed (the generators reach the happy path)', () => {
    expect(sampling.sample([1, 2, 3], { seed: 1, topK: 2 }).tokens.length).toBe(1);
  });
});
