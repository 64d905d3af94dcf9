import { describe, expect, it } from 'vitest';
import {
  expertVector,
  nestedRule,
  routerInput,
  routerLogits,
  tokenMask,
} from '../../src/gating/router.js';
import { integerRule } from '../../src/tensor/options.js';

describe('router helpers', () => {
  it('routerLogits: the last axis holds the experts', () => {
    const r = routerLogits('f', [1, 2, 3, 4, 5, 6], [3, 2]);
    expect([r.tokens, r.experts]).toEqual([3, 2]);
    expect(routerLogits('f', [1, 2, 3], undefined).tokens).toBe(1);
    expect(() => routerLogits('f', [5], [])).toThrow(/tokens, experts/);
    expect(() => routerLogits('f', [], [2, 0])).toThrow(/at least one expert/);
  });
  it('routerInput: the shape rule and the router rules, then the logits in that shape', () => {
    const { o, r } = routerInput(
      'f',
      [1, 2, 3, 4, 5, 6],
      { shape: [2, 3], k: 2 },
      {
        k: integerRule({ default: 1 }),
      },
    );
    expect([o.k, r.tokens, r.experts]).toEqual([2, 2, 3]);
    expect(routerInput('f', [1, 2], undefined, {}).r.experts).toBe(2);
    expect(() => routerInput('f', [1, 2], { shap: [2] }, {})).toThrow(
      "f: unknown option 'shap' (did you mean 'shape'?)",
    );
    expect(() => routerInput('f', [1, 2, 3], { shape: [2, 2] }, {})).toThrow(/got \[2, 2\]/);
  });
  it('nestedRule names the nested key', () => {
    const r = nestedRule({ count: integerRule({ default: 1 }) });
    expect(r.parse('f', 'groups', undefined)).toBeUndefined();
    expect(r.parse('f', 'groups', {})).toEqual({ count: 1 });
    expect(() => r.parse('f', 'groups', { cout: 1 })).toThrow(
      "f: unknown option 'groups.cout' (did you mean 'groups.count'?)",
    );
    expect(() => r.parse('f', 'groups', 3)).toThrow(/expected groups to be an object/);
  });
  it('tokenMask and expertVector', () => {
    expect(Array.from(tokenMask('f', [true, false, 1], 3)!)).toEqual([1, 0, 1]);
    expect(() => tokenMask('f', 'x', 1)).toThrow(/mask/);
    expect(expertVector('f', 'bias', undefined, 2)).toBeUndefined();
    expect(() => expertVector('f', 'bias', [1, Infinity], 2)).toThrow(/finite/);
  });
});
