import { describe, expect, it } from 'vitest';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { requireBoolean, requireNumber, requireOneOf } from '../../src/tensor/validate.js';

/** The error a call throws (code and message), or 'ok' with the returned value. */
function outcome(f: () => unknown): { code: string; message: string } | { ok: unknown } {
  try {
    return { ok: f() };
  } catch (e) {
    if (!(e instanceof SoftmaxKitError)) throw e;
    return { code: e.code, message: e.message };
  }
}

describe('requireNumber', () => {
  it('returns the number itself when it is finite and within the bounds', () => {
    expect(requireNumber('f', 'p', -3.5)).toBe(-3.5);
    expect(requireNumber('f', 'p', 1, { atLeast: 1, atMost: 1, integer: true })).toBe(1);
    expect(requireNumber('f', 'p', 0.5, { greaterThan: 0, lessThan: 1 })).toBe(0.5);
  });
  it('a non-number is INVALID_PARAMETER, described as given', () => {
    expect(outcome(() => requireNumber('softmax', 'temperature', '1'))).toEqual({
      code: 'INVALID_PARAMETER',
      message: 'softmax: expected temperature to be a number, got "1"',
    });
  });
  it('NaN and ±∞ are NON_FINITE_PARAMETER, not out of range', () => {
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])
      expect(outcome(() => requireNumber('f', 'p', v, { atLeast: 0 }))).toEqual({
        code: 'NON_FINITE_PARAMETER',
        message: `f: expected p to be finite, got ${v}`,
      });
  });
  it('each bound is checked at its edge: strict bounds exclude it, inclusive ones keep it', () => {
    const cases: [number, Parameters<typeof requireNumber>[3], string | undefined][] = [
      [1, { greaterThan: 1 }, '> 1'],
      [1.000001, { greaterThan: 1 }, undefined],
      [0.999, { atLeast: 1 }, '>= 1'],
      [1, { atLeast: 1 }, undefined],
      [2, { lessThan: 2 }, '< 2'],
      [1.999, { lessThan: 2 }, undefined],
      [2.001, { atMost: 2 }, '<= 2'],
      [2, { atMost: 2 }, undefined],
      [1.5, { integer: true }, 'to be an integer'],
      [-4, { integer: true }, undefined],
      [1.5, { integer: false }, undefined],
    ];
    for (const [v, bounds, fail] of cases)
      expect(
        outcome(() => requireNumber('f', 'p', v, bounds)),
        `${v} ${JSON.stringify(bounds)}`,
      ).toEqual(
        fail === undefined
          ? { ok: v }
          : { code: 'INVALID_PARAMETER', message: `f: expected p ${fail}, got ${v}` },
      );
  });
  it('a bound of 0 is a bound (not a missing one)', () => {
    expect(outcome(() => requireNumber('f', 'p', 0, { greaterThan: 0 }))).toMatchObject({
      message: 'f: expected p > 0, got 0',
    });
    expect(outcome(() => requireNumber('f', 'p', 0, { lessThan: 0 }))).toMatchObject({
      message: 'f: expected p < 0, got 0',
    });
    expect(outcome(() => requireNumber('f', 'p', -1, { atLeast: 0 }))).toMatchObject({
      message: 'f: expected p >= 0, got -1',
    });
    expect(outcome(() => requireNumber('f', 'p', 1, { atMost: 0 }))).toMatchObject({
      message: 'f: expected p <= 0, got 1',
    });
  });
});

describe('requireOneOf', () => {
  it('returns an allowed literal', () => {
    expect(requireOneOf('f', 'mode', 'b', ['a', 'b'])).toBe('b');
  });
  it('lists the allowed values and describes what was given', () => {
    expect(outcome(() => requireOneOf('f', 'mode', 'x', ['a', 'b']))).toEqual({
      code: 'INVALID_PARAMETER',
      message: "f: expected mode to be one of 'a', 'b', got \"x\"",
    });
    // a non-string is rejected even when its String() is allowed
    expect(outcome(() => requireOneOf('f', 'mode', ['a'], ['a']))).toMatchObject({
      code: 'INVALID_PARAMETER',
    });
  });
});

describe('requireBoolean', () => {
  it('returns true and false as given', () => {
    expect(requireBoolean('f', 'hard', true)).toBe(true);
    expect(requireBoolean('f', 'hard', false)).toBe(false);
  });
  it('rejects truthy and falsy non-booleans', () => {
    for (const [v, got] of [
      [1, '1'],
      [0, '0'],
      ['true', '"true"'],
      [null, 'null'],
    ] as const)
      expect(outcome(() => requireBoolean('f', 'hard', v))).toEqual({
        code: 'INVALID_PARAMETER',
        message: `f: expected hard to be a boolean, got ${got}`,
      });
  });
});
