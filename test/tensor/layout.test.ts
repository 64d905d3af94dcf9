import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { normalizeAxis, reducedShape, rowLayout } from '../../src/tensor/layout.js';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof SoftmaxKitError) return e.code;
    throw e;
  }
  return 'none';
}

describe('rowLayout', () => {
  it('splits a shape into outer × n × inner for every axis', () => {
    expect(rowLayout('f', 24, [2, 3, 4], 0)).toMatchObject({ outer: 1, n: 2, inner: 12, axis: 0 });
    expect(rowLayout('f', 24, [2, 3, 4], 1)).toMatchObject({ outer: 2, n: 3, inner: 4, axis: 1 });
    expect(rowLayout('f', 24, [2, 3, 4], -1)).toMatchObject({ outer: 6, n: 4, inner: 1, axis: 2 });
    expect(rowLayout('f', 5)).toMatchObject({ outer: 1, n: 5, inner: 1, shape: [5] });
  });
  it('outer·n·inner = length for random shapes and axes (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 5 }),
        fc.nat(),
        (shape, a) => {
          const len = shape.reduce((p, s) => p * s, 1);
          const axis = (a % (2 * shape.length)) - shape.length;
          const l = rowLayout('f', len, shape, axis);
          expect(l.outer * l.n * l.inner).toBe(len);
          expect(reducedShape(l).reduce((p, s) => p * s, 1)).toBe(len / l.n);
        },
      ),
    );
  });
  it('names every bad input with a code and a message that says expected and got', () => {
    expect(codeOf(() => rowLayout('f', 6, [2, 2]))).toBe('SHAPE_MISMATCH');
    expect(codeOf(() => rowLayout('f', 4, [2, 2], 2))).toBe('AXIS_OUT_OF_RANGE');
    expect(codeOf(() => rowLayout('f', 4, [2, 2], -3))).toBe('AXIS_OUT_OF_RANGE');
    expect(codeOf(() => rowLayout('f', 0, [2, 0], 1))).toBe('EMPTY_AXIS');
    expect(codeOf(() => rowLayout('f', 4, [2, 2.5] as number[]))).toBe('INVALID_SHAPE');
    expect(codeOf(() => rowLayout('f', 4, 'ab' as never))).toBe('INVALID_SHAPE');
    expect(() => normalizeAxis('softmax', 3, 2)).toThrow(
      'softmax: expected axis to be an integer in [-2, 2), got 3',
    );
  });
  it('an empty batch (outer = 0) is fine; only an empty axis is an error', () => {
    expect(rowLayout('f', 0, [0, 3], 1)).toMatchObject({ outer: 0, n: 3 });
  });
});

describe('messages', () => {
  it('say what was expected and what was given', () => {
    expect(() => rowLayout('softmax', 3, [2, 2])).toThrow(
      'softmax: expected a shape of 3 elements (the length of x), got [2, 2] with 4',
    );
  });
});

describe('messages of the shape checks', () => {
  it('a bad shape and an empty axis read expected and got', () => {
    expect(() => rowLayout('softmax', 4, [2, -2] as number[])).toThrow(
      'softmax: expected shape to be an array of non-negative integers, got [2, -2]',
    );
    expect(() => rowLayout('softmax', 0, [3, 0], -1)).toThrow(
      'softmax: expected a non-empty axis 1, got length 0',
    );
  });
});
