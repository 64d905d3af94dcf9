import { describe, expect, it } from 'vitest';
import { softmax } from '../../src/index.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import {
  booleanRule,
  integerRule,
  nearestName,
  numberRule,
  oneOfRule,
  ROW_RULES,
  resolveOptions,
} from '../../src/tensor/options.js';

const RULES = {
  ...ROW_RULES,
  temperature: numberRule({ greaterThan: 0, default: 1 }),
  k: integerRule({ atLeast: 1 }),
  hard: booleanRule(false),
  mode: oneOfRule(['a', 'b'] as const, 'a'),
};

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (!(e instanceof SoftmaxKitError)) throw e;
    return e.code;
  }
}

describe('resolveOptions', () => {
  it('applies every default once when options are omitted', () => {
    const o = resolveOptions('f', undefined, RULES);
    expect(o).toEqual({
      shape: undefined,
      axis: -1,
      out: undefined,
      backend: 'auto',
      temperature: 1,
      k: undefined,
      hard: false,
      mode: 'a',
    });
  });
  it('keeps given values', () => {
    const o = resolveOptions('f', { temperature: 2, k: 3, hard: true, mode: 'b', axis: 0 }, RULES);
    expect([o.temperature, o.k, o.hard, o.mode, o.axis]).toEqual([2, 3, true, 'b', 0]);
  });
  it('rejects a non-object with INVALID_PARAMETER naming the function', () => {
    for (const bad of [null, 3, 'x', [1], new Float32Array(1)]) {
      expect(codeOf(() => resolveOptions('myFn', bad, RULES))).toBe('INVALID_PARAMETER');
      expect(() => resolveOptions('myFn', bad, RULES)).toThrow(
        /^myFn: expected options to be an object/,
      );
    }
  });
  it('rejects an unknown key and names the nearest valid one', () => {
    expect(() => resolveOptions('f', { temprature: 2 }, RULES)).toThrow(
      "f: unknown option 'temprature' (did you mean 'temperature'?)",
    );
    expect(() => resolveOptions('f', { Axis: 0 }, RULES)).toThrow("did you mean 'axis'?");
    expect(() => resolveOptions('f', { zzzzzzzz: 1 }, RULES)).toThrow(/expected one of 'shape'/);
  });
  it('checks types and ranges of known keys', () => {
    expect(codeOf(() => resolveOptions('f', { temperature: 0 }, RULES))).toBe('INVALID_PARAMETER');
    expect(codeOf(() => resolveOptions('f', { temperature: Number.NaN }, RULES))).toBe(
      'NON_FINITE_PARAMETER',
    );
    expect(codeOf(() => resolveOptions('f', { k: 1.5 }, RULES))).toBe('INVALID_PARAMETER');
    expect(codeOf(() => resolveOptions('f', { hard: 1 }, RULES))).toBe('INVALID_PARAMETER');
    expect(codeOf(() => resolveOptions('f', { mode: 'c' }, RULES))).toBe('INVALID_PARAMETER');
    expect(codeOf(() => resolveOptions('f', { shape: [1, -1] }, RULES))).toBe('INVALID_SHAPE');
    expect(codeOf(() => resolveOptions('f', { shape: null }, RULES))).toBe('INVALID_SHAPE');
    expect(codeOf(() => resolveOptions('f', { axis: 0.5 }, RULES))).toBe('AXIS_OUT_OF_RANGE');
    expect(codeOf(() => resolveOptions('f', { out: null }, RULES))).toBe('INVALID_OUT');
    expect(codeOf(() => resolveOptions('f', { backend: 'gpu' }, RULES))).toBe('INVALID_PARAMETER');
  });
});

describe('nearestName', () => {
  it('folds case, underscores and dashes before measuring', () => {
    expect(nearestName('label_smoothing', ['labelSmoothing', 'weight'])).toBe('labelSmoothing');
    expect(nearestName('ignore-index', ['ignoreIndex'])).toBe('ignoreIndex');
  });
  it('takes the smallest edit distance within max(2, |key|/3)', () => {
    expect(nearestName('casual', ['causal', 'scale', 'mask'])).toBe('causal');
    expect(nearestName('thread', ['threads'])).toBe('threads');
    expect(nearestName('qqqq', ['causal', 'scale'])).toBeUndefined();
  });
});

describe('public functions resolve through it (issue 15)', () => {
  it('softmax rejects a misspelled option and a null options object', () => {
    expect(() => softmax([1, 2, 3], { temprature: 0.5 } as never)).toThrow(
      "softmax: unknown option 'temprature' (did you mean 'temperature'?)",
    );
    expect(codeOf(() => softmax([1, 2, 3], null as never))).toBe('INVALID_PARAMETER');
    expect(codeOf(() => softmax([1, 2, 3], { out: null } as never))).toBe('INVALID_OUT');
  });
  it('result types follow the input (Float32Array in, Float32Array out, no cast)', () => {
    const y: Float32Array = softmax(new Float32Array([1, 2]));
    const z: Float64Array = softmax([1, 2]);
    expect(y).toBeInstanceOf(Float32Array);
    expect(z).toBeInstanceOf(Float64Array);
  });
});
