/**
 * The calibration metrics' input readers: class rows along any axis, probability
 * rows, class and binary labels, score vectors, and the labelled-metric options.
 */
import { describe, expect, it } from 'vitest';
import {
  binaryLabels,
  classLabels,
  classRows,
  LABELLED_RULES,
  labelledProbabilityRows,
  probabilityRows,
  scoreVector,
} from '../../src/calibration/inputs.js';
import { resolveOptions } from '../../src/tensor/options.js';
import { errorCode } from '../losses/class-loss-checks.js';

describe('classRows', () => {
  it('brings a non-last class axis to contiguous rows in the reduced order', () => {
    // shape [3, 2], axis 0: rows are the columns [x0, x2, x4] and [x1, x3, x5]
    const r = classRows('f', 'x', [0, 1, 2, 3, 4, 5], { shape: [3, 2], axis: 0 });
    expect(r.rows).toBe(2);
    expect(r.n).toBe(3);
    expect(Array.from(r.x)).toEqual([0, 2, 4, 1, 3, 5]);
  });
  it('keeps the last axis as it is', () => {
    const x = new Float32Array([1, 2, 3, 4]);
    const r = classRows('f', 'x', x, { shape: [2, 2], axis: -1 });
    expect(Array.from(r.x)).toEqual([1, 2, 3, 4]);
    expect(r.x).toBeInstanceOf(Float32Array);
  });
});

describe('probabilityRows and labelledProbabilityRows', () => {
  it('accept [0, 1] and reject anything else with the row and class', () => {
    expect(probabilityRows('f', [0, 1, 0.5, 0.5], { shape: [2, 2], axis: -1 }).rows).toBe(2);
    expect(() => probabilityRows('f', [0.5, 1.5], { shape: undefined, axis: -1 })).toThrow(
      /f: expected probabilities in \[0, 1\], got 1.5 at row 0, class 1/,
    );
    expect(
      errorCode(() => probabilityRows('f', [Number.NaN], { shape: undefined, axis: -1 })),
    ).toBe('INVALID_INPUT');
  });
  it('pair each row with its label, ignored rows −1', () => {
    const r = labelledProbabilityRows('f', [1, 0, 0, 1], [1, 7], {
      shape: [2, 2],
      axis: -1,
      ignoreIndex: 7,
    });
    expect(Array.from(r.t)).toEqual([1, -1]);
  });
});

describe('classLabels', () => {
  it('maps ignoreIndex to −1 and keeps labels in [0, classes)', () => {
    expect(Array.from(classLabels('f', [2, -100, 0], 3, 3, -100))).toEqual([2, -1, 0]);
    expect(Array.from(classLabels('f', Int32Array.of(5), 1, 3, 5))).toEqual([-1]);
  });
  it('rejects a wrong type, count or label with the right code', () => {
    expect(errorCode(() => classLabels('f', 'x', 1, 3, -100))).toBe('INVALID_INPUT');
    expect(errorCode(() => classLabels('f', [0, 1], 3, 3, -100))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => classLabels('f', [3], 1, 3, -100))).toBe('TARGET_OUT_OF_RANGE');
    expect(errorCode(() => classLabels('f', [0.5], 1, 3, -100))).toBe('TARGET_OUT_OF_RANGE');
    expect(() => classLabels('f', [-1], 1, 3, -100)).toThrow(/f: expected labels\[0\]/);
  });
});

describe('binaryLabels', () => {
  it('reads 0/1 and booleans', () => {
    expect(Array.from(binaryLabels('f', 'labels', [1, 0, true, false], 4))).toEqual([1, 0, 1, 0]);
    expect(Array.from(binaryLabels('f', 'labels', Uint8Array.of(1, 0), 2))).toEqual([1, 0]);
  });
  it('rejects other values, types and counts', () => {
    expect(errorCode(() => binaryLabels('f', 'labels', [2], 1))).toBe('INVALID_INPUT');
    expect(errorCode(() => binaryLabels('f', 'labels', 'no', 1))).toBe('INVALID_INPUT');
    expect(errorCode(() => binaryLabels('f', 'labels', [1], 2))).toBe('SHAPE_MISMATCH');
  });
});

describe('scoreVector', () => {
  it('keeps ±∞ and rejects NaN naming the index', () => {
    expect(Array.from(scoreVector('f', 's', [Infinity, -Infinity, 1]))).toEqual([
      Infinity,
      -Infinity,
      1,
    ]);
    expect(() => scoreVector('f', 's', [1, Number.NaN])).toThrow(
      /f: expected s\[1\] to be a number/,
    );
  });
});

describe('LABELLED_RULES', () => {
  it('default ignoreIndex −100, integers only, unknown keys named', () => {
    expect(resolveOptions('f', {}, LABELLED_RULES).ignoreIndex).toBe(-100);
    expect(errorCode(() => resolveOptions('f', { ignoreIndex: 0.5 }, LABELLED_RULES))).toBe(
      'INVALID_PARAMETER',
    );
    expect(() => resolveOptions('f', { ignorIndex: 1 }, LABELLED_RULES)).toThrow(/ignoreIndex/);
  });
});
