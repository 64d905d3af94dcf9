import { expect, describe as group, it } from 'vitest';
import { describe, SoftmaxKitError } from '../../src/tensor/errors.js';

group('SoftmaxKitError', () => {
  it('is an Error with its own name, the code and the message it was given', () => {
    const e = new SoftmaxKitError(
      'EMPTY_AXIS',
      'softmax: expected a non-empty axis 0, got length 0',
    );
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('SoftmaxKitError');
    expect(e.code).toBe('EMPTY_AXIS');
    expect(e.message).toBe('softmax: expected a non-empty axis 0, got length 0');
    expect(String(e)).toBe('SoftmaxKitError: softmax: expected a non-empty axis 0, got length 0');
  });
});

group('describe (how a given value reads in a message)', () => {
  it('quotes strings (JSON, so quotes and newlines stay visible)', () => {
    expect(describe('abc')).toBe('"abc"');
    expect(describe('')).toBe('""');
    expect(describe('a"b\n')).toBe('"a\\"b\\n"');
  });
  it('lists plain arrays element by element, nested ones too', () => {
    expect(describe([])).toBe('[]');
    expect(describe([1, 'x', null])).toBe('[1, "x", null]');
    expect(describe([[1, 2], []])).toBe('[[1, 2], []]');
  });
  it('shows a typed array by its type and length, not its contents', () => {
    expect(describe(new Float32Array(3))).toBe('Float32Array(3)');
    expect(describe(new Int32Array([5, 6]))).toBe('Int32Array(2)');
    expect(describe(new Float64Array(0))).toBe('Float64Array(0)');
  });
  it('prints primitives as String does', () => {
    expect(describe(null)).toBe('null');
    expect(describe(undefined)).toBe('undefined');
    expect(describe(Number.NaN)).toBe('NaN');
    expect(describe(-0.5)).toBe('-0.5');
    expect(describe(true)).toBe('true');
    expect(describe(10n)).toBe('10');
  });
  it('names other objects by their tag instead of dumping their fields', () => {
    expect(describe({ a: 1 })).toBe('[object Object]');
    expect(describe(new Map())).toBe('[object Map]');
    expect(describe(new Date(0))).toBe('[object Date]');
  });
});
