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
  resolveNestedOptions,
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

describe('nearestName: the distance limit and ties', () => {
  it('allows ⌊|key|/3⌋ edits for a long key (more than the floor of 2)', () => {
    expect(nearestName('temperatureXYZ', ['temperature'])).toBe('temperature');
    expect(nearestName('abcdefghijkl', ['abcdefghiXYZ'])).toBe('abcdefghiXYZ');
    expect(nearestName('abcdefghijkl', ['abcdefVWXYZl'])).toBeUndefined();
  });
  it('a tie goes to the first name listed', () => {
    expect(nearestName('ab', ['ac', 'ad'])).toBe('ac');
    expect(nearestName('ab', ['ad', 'ac'])).toBe('ad');
  });
});

describe('unknown options: the whole message', () => {
  it('lists the valid names when nothing is near, and says when there are none', () => {
    expect(() => resolveOptions('f', { zzzzzzzz: 1 }, { alpha: numberRule() })).toThrow(
      "f: unknown option 'zzzzzzzz' (expected one of 'alpha')",
    );
    expect(() =>
      resolveOptions('f', { zzzzzzzz: 1 }, { alpha: numberRule(), beta: numberRule() }),
    ).toThrow("f: unknown option 'zzzzzzzz' (expected one of 'alpha', 'beta')");
    expect(() => resolveOptions('f', { zzzzzzzz: 1 }, {})).toThrow(
      "f: unknown option 'zzzzzzzz' (expected one of no options)",
    );
    expect(codeOf(() => resolveOptions('f', { zzzzzzzz: 1 }, {}))).toBe('INVALID_PARAMETER');
  });
});

describe('resolveNestedOptions', () => {
  const NESTED = { k: integerRule({ atLeast: 1, default: 2 }), alpha: numberRule() };
  it('parses and defaults like resolveOptions', () => {
    expect(resolveNestedOptions('attention', 'normalizerOptions', undefined, NESTED)).toEqual({
      k: 2,
      alpha: undefined,
    });
    expect(resolveNestedOptions('attention', 'normalizerOptions', { k: 5 }, NESTED)).toEqual({
      k: 5,
      alpha: undefined,
    });
  });
  it('names keys by their path in every message', () => {
    expect(() => resolveNestedOptions('attention', 'normalizerOptions', { kk: 1 }, NESTED)).toThrow(
      "attention: unknown option 'normalizerOptions.kk' (did you mean 'normalizerOptions.k'?)",
    );
    expect(() =>
      resolveNestedOptions('attention', 'normalizerOptions', { zzzzzzzz: 1 }, NESTED),
    ).toThrow(
      "attention: unknown option 'normalizerOptions.zzzzzzzz' (expected one of 'normalizerOptions.k', 'normalizerOptions.alpha')",
    );
    expect(() => resolveNestedOptions('attention', 'normalizerOptions', { k: 0 }, {})).toThrow(
      "attention: unknown option 'normalizerOptions.k' (it takes none here)",
    );
    expect(() => resolveNestedOptions('attention', 'normalizerOptions', { k: 0 }, NESTED)).toThrow(
      'attention: expected normalizerOptions.k >= 1, got 0',
    );
    expect(() => resolveNestedOptions('attention', 'normalizerOptions', 3, NESTED)).toThrow(
      'attention: expected normalizerOptions to be an object, got 3',
    );
    expect(codeOf(() => resolveNestedOptions('attention', 'o', { kk: 1 }, NESTED))).toBe(
      'INVALID_PARAMETER',
    );
  });
});

describe('the row rules', () => {
  it('axis: integers only (a numeric string is not one), with its message', () => {
    expect(codeOf(() => resolveOptions('f', { axis: '1' }, ROW_RULES))).toBe('AXIS_OUT_OF_RANGE');
    expect(() => resolveOptions('f', { axis: 0.5 }, ROW_RULES)).toThrow(
      'f: expected axis to be an integer, got 0.5',
    );
    expect(resolveOptions('f', { axis: -2 }, ROW_RULES).axis).toBe(-2);
  });
  it('out: either float type, nothing else', () => {
    const f32 = new Float32Array(1);
    const f64 = new Float64Array(1);
    expect(resolveOptions('f', { out: f32 }, ROW_RULES).out).toBe(f32);
    expect(resolveOptions('f', { out: f64 }, ROW_RULES).out).toBe(f64);
    expect(() => resolveOptions('f', { out: [0] }, ROW_RULES)).toThrow(
      'f: expected out to be a Float32Array or Float64Array, got [0]',
    );
  });
  it('backend: auto, js and wasm', () => {
    for (const backend of ['auto', 'js', 'wasm'])
      expect(resolveOptions('f', { backend }, ROW_RULES).backend).toBe(backend);
    expect(() => resolveOptions('f', { backend: 'gpu' }, ROW_RULES)).toThrow(
      "f: expected backend to be one of 'auto', 'js', 'wasm', got \"gpu\"",
    );
  });
  it('shape: kept as given when valid', () => {
    expect(resolveOptions('f', { shape: [2, 0, 3] }, ROW_RULES).shape).toEqual([2, 0, 3]);
  });
});
