/**
 * The options of `sample` and `createSampler` (their behaviour is tested in
 * sample.test.ts and sampler.test.ts): the chain's rules, nested option objects,
 * the step order, and the ChainConfig they resolve to.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_ORDER } from '../../src/sampling/chain.js';
import {
  CHAIN_RULES,
  chainConfig,
  nested,
  SAMPLE_RULES,
} from '../../src/sampling/sample-options.js';
import { numberRule, resolveOptions } from '../../src/tensor/options.js';
import { errorCode } from '../losses/class-loss-checks.js';

describe('the chain rules', () => {
  it('default to temperature 1, minKeep 1, the default order and no truncation', () => {
    const o = resolveOptions('sample', {}, CHAIN_RULES);
    expect(o.temperature).toBe(1);
    expect(o.minKeep).toBe(1);
    expect(o.order).toBe(DEFAULT_ORDER);
    expect(o.topK).toBeUndefined();
    expect(o.topP).toBeUndefined();
  });
  it('reject out-of-range values and repeated or unknown steps', () => {
    expect(errorCode(() => resolveOptions('sample', { topP: 0 }, CHAIN_RULES))).toBe(
      'INVALID_PARAMETER',
    );
    expect(errorCode(() => resolveOptions('sample', { topK: 0 }, CHAIN_RULES))).toBe(
      'K_OUT_OF_RANGE',
    );
    expect(() => resolveOptions('sample', { order: ['topK', 'topK'] }, CHAIN_RULES)).toThrow(
      /sample: expected order to list distinct steps/,
    );
    expect(() => resolveOptions('sample', { order: ['nucleus'] }, CHAIN_RULES)).toThrow(
      /got "nucleus"/,
    );
    expect(() => resolveOptions('sample', { temprature: 1 }, SAMPLE_RULES)).toThrow(/temperature/);
  });
});

describe('nested', () => {
  it('resolves an object against its own rules, naming the path in errors', () => {
    const r = nested({ a: numberRule({ default: 2 }) });
    expect(r.parse('f', 'xtc', {})).toEqual({ a: 2 });
    expect(() => r.parse('f', 'xtc', { b: 1 })).toThrow(/f xtc: unknown option 'b'/);
    expect(() => r.parse('f', 'xtc', 3)).toThrow(/f: expected xtc to be an object, got/);
  });
  it('xtc and dynamicTemperature take their defaults inside', () => {
    const o = resolveOptions(
      'sample',
      { xtc: { threshold: 0.2 }, dynamicTemperature: {} },
      CHAIN_RULES,
    );
    expect(o.xtc).toEqual({ threshold: 0.2, probability: 0.5 });
    expect(o.dynamicTemperature).toEqual({ range: 0, exponent: 1 });
  });
});

describe('chainConfig', () => {
  it('carries the resolved fields and checks the order against them', () => {
    const o = resolveOptions('sample', { topK: 5, minP: 0.1 }, CHAIN_RULES);
    const none = { penalties: undefined, dry: undefined, noRepeatNgram: undefined };
    const cfg = chainConfig('sample', { ...o, ...none });
    expect(cfg.topK).toBe(5);
    expect(cfg.minP).toBe(0.1);
    const without = resolveOptions('sample', { topK: 5, order: ['temperature'] }, CHAIN_RULES);
    expect(() => chainConfig('sample', { ...without, ...none })).toThrow(
      /expected order to include 'topK'/,
    );
  });
});
