/**
 * The sampling rules: k, minKeep, token histories (shared or per row), the logit
 * bias (object or Map), masks, and their shape checks against the logits.
 */
import { describe, expect, it } from 'vitest';
import {
  biasRule,
  checkBias,
  FILTER_ROW_RULES,
  historyOf,
  historyRule,
  kRule,
  maskOffset,
  minKeepRule,
  requiredMaskRule,
} from '../../src/sampling/options.js';
import { resolveOptions } from '../../src/tensor/options.js';
import { errorCode } from '../losses/class-loss-checks.js';

const parse = <T>(r: { parse: (fn: string, name: string, v: unknown) => T }, v: unknown) =>
  r.parse('f', 'x', v);

describe('k, minKeep and the row options', () => {
  it('k is an integer ≥ 1 or K_OUT_OF_RANGE; minKeep defaults to 1', () => {
    expect(parse(kRule, 3)).toBe(3);
    expect(errorCode(() => parse(kRule, 0))).toBe('K_OUT_OF_RANGE');
    expect(errorCode(() => parse(kRule, 1.5))).toBe('K_OUT_OF_RANGE');
    expect(resolveOptions('f', {}, { minKeep: minKeepRule }).minKeep).toBe(1);
    expect(Object.keys(FILTER_ROW_RULES)).toEqual(['shape', 'axis', 'out']);
  });
});

describe('histories', () => {
  it('one list is shared by every row; a list of lists gives one per row', () => {
    const shared = parse(historyRule, [1, 2, 2]);
    expect(shared.length).toBe(1);
    expect(Array.from(historyOf('f', 'tokens', shared, 3, 4, 10))).toEqual([1, 2, 2]);
    const per = parse(historyRule, [[1], Int32Array.of(4, 5)]);
    expect(Array.from(historyOf('f', 'tokens', per, 1, 2, 10))).toEqual([4, 5]);
  });
  it('rejects bad tokens, a wrong number of rows and tokens outside the vocabulary', () => {
    expect(errorCode(() => parse(historyRule, [1, -2]))).toBe('INVALID_INPUT');
    expect(errorCode(() => parse(historyRule, [[1], 'a']))).toBe('INVALID_INPUT');
    const per = parse(historyRule, [[1], [2]]);
    expect(errorCode(() => historyOf('f', 'tokens', per, 0, 3, 10))).toBe('SHAPE_MISMATCH');
    expect(() => historyOf('f', 'tokens', parse(historyRule, [3, 12]), 0, 1, 10)).toThrow(
      /tokens in \[0, 10\), got 12 at position 1/,
    );
  });
});

describe('logit bias', () => {
  it('reads an object with numeric keys or a Map; −∞ bans', () => {
    const b = parse(biasRule, { 3: 0.5, 7: -Infinity });
    expect(Array.from(b.tokens)).toEqual([3, 7]);
    expect(Array.from(b.values)).toEqual([0.5, -Infinity]);
    expect(Array.from(parse(biasRule, new Map([[2, -1]])).tokens)).toEqual([2]);
  });
  it('rejects non-token keys, NaN or +∞ values, and tokens past the vocabulary', () => {
    expect(errorCode(() => parse(biasRule, { a: 1 }))).toBe('INVALID_PARAMETER');
    expect(errorCode(() => parse(biasRule, { 1: Infinity }))).toBe('NON_FINITE_PARAMETER');
    expect(errorCode(() => parse(biasRule, [1]))).toBe('INVALID_PARAMETER');
    expect(errorCode(() => checkBias('f', Int32Array.of(1, 10), 10))).toBe('TARGET_OUT_OF_RANGE');
  });
});

describe('masks', () => {
  it('take Uint8Array or booleans/0/1, one per vocabulary or per row', () => {
    expect(parse(requiredMaskRule, [true, 0, 1])).toEqual([true, 0, 1]);
    expect(errorCode(() => parse(requiredMaskRule, [2]))).toBe('INVALID_PARAMETER');
    expect(maskOffset('f', new Uint8Array(4), 1, 2, 4)).toBe(0);
    expect(maskOffset('f', new Uint8Array(8), 1, 2, 4)).toBe(4);
    expect(errorCode(() => maskOffset('f', new Uint8Array(5), 1, 2, 4))).toBe('SHAPE_MISMATCH');
  });
});
