import { describe, expect, it } from 'vitest';
import {
  requireLength,
  requireOutApart,
  resultArray,
  sharesMemory,
  toFloatArray,
  toFloatArrayOfLength,
} from '../../src/tensor/arrays.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';

describe('arrays', () => {
  it('typed arrays pass through without a copy; number[] becomes Float64Array', () => {
    const f = new Float32Array(2);
    expect(toFloatArray('f', 'x', f)).toBe(f);
    expect(toFloatArray('f', 'x', [1, 2])).toEqual(new Float64Array([1, 2]));
  });
  it('rejects other inputs with INVALID_INPUT', () => {
    for (const bad of [new Int32Array(2), 'ab', null, { length: 1 }, [1, '2']])
      expect(() => toFloatArray('f', 'x', bad)).toThrow(SoftmaxKitError);
  });
  it('out must match length and element type', () => {
    const like = new Float64Array(3);
    expect(resultArray('f', like, 3, undefined)).toBeInstanceOf(Float64Array);
    const out = new Float64Array(3);
    expect(resultArray('f', like, 3, out)).toBe(out);
    expect(() => resultArray('f', like, 3, new Float64Array(2))).toThrow(
      /expected out to be a Float64Array\(3\)/,
    );
    expect(() => resultArray('f', like, 3, new Float32Array(3))).toThrow(SoftmaxKitError);
  });
});

describe('sharesMemory', () => {
  it('is true only for views that share bytes of one buffer', () => {
    const buf = new Float64Array(10);
    expect(sharesMemory(buf.subarray(0, 5), buf.subarray(4, 10))).toBe(true);
    expect(sharesMemory(buf.subarray(0, 5), buf.subarray(5, 10))).toBe(false);
    expect(sharesMemory(buf, new Float64Array(10))).toBe(false);
    expect(sharesMemory(new Float32Array(buf.buffer, 8, 2), buf.subarray(1, 2))).toBe(true);
  });
});

/** The error a call throws (code and message), or 'ok'. */
function outcome(f: () => unknown): { code: string; message: string } | 'ok' {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (!(e instanceof SoftmaxKitError)) throw e;
    return { code: e.code, message: e.message };
  }
}

describe('messages of the array checks', () => {
  it('toFloatArray names the bad element, or the bad argument, as given', () => {
    expect(outcome(() => toFloatArray('softmax', 'x', [1, '2']))).toEqual({
      code: 'INVALID_INPUT',
      message: 'softmax: expected x[1] to be a number, got "2"',
    });
    expect(outcome(() => toFloatArray('softmax', 'x', new Int32Array(2)))).toEqual({
      code: 'INVALID_INPUT',
      message:
        'softmax: expected x to be a Float32Array, Float64Array or number[], got Int32Array(2)',
    });
  });
  it('resultArray rejects an out of the wrong type with INVALID_OUT', () => {
    expect(outcome(() => resultArray('f', new Float64Array(3), 3, new Float32Array(3)))).toEqual({
      code: 'INVALID_OUT',
      message: 'f: expected out to be a Float64Array(3), got Float32Array(3)',
    });
  });
  it('requireLength and toFloatArrayOfLength: SHAPE_MISMATCH naming both lengths', () => {
    expect(outcome(() => requireLength('f', 'dy', [1, 2], 2))).toBe('ok');
    expect(outcome(() => requireLength('f', 'dy', [1, 2], 3))).toEqual({
      code: 'SHAPE_MISMATCH',
      message: 'f: expected dy to have length 3, got 2',
    });
    const dy = new Float32Array(4);
    expect(toFloatArrayOfLength('f', 'dy', dy, 4)).toBe(dy);
    expect(toFloatArrayOfLength('f', 'dy', [1, 2], 2)).toEqual(new Float64Array([1, 2]));
    expect(outcome(() => toFloatArrayOfLength('f', 'dy', [1, 2], 1))).toMatchObject({
      code: 'SHAPE_MISMATCH',
    });
  });
});

describe('sharesMemory, both orders', () => {
  it('views that only touch do not share, whichever comes first', () => {
    const buf = new Float64Array(10);
    expect(sharesMemory(buf.subarray(5, 10), buf.subarray(0, 5))).toBe(false);
    expect(sharesMemory(buf.subarray(4, 10), buf.subarray(0, 5))).toBe(true);
    expect(sharesMemory(buf.subarray(2, 3), buf.subarray(0, 10))).toBe(true);
  });
});

describe('requireOutApart', () => {
  const buf = new Float64Array(8);
  const x = buf.subarray(0, 4);
  it('accepts an out that shares no memory with any input', () => {
    expect(outcome(() => requireOutApart('f', buf.subarray(4, 8), [['x', x]], false))).toBe('ok');
  });
  it('exact aliasing is allowed only for an in-place kernel', () => {
    expect(outcome(() => requireOutApart('f', x, [['x', x]], true))).toBe('ok');
    expect(outcome(() => requireOutApart('f', buf.subarray(0, 4), [['x', x]], true))).toBe('ok');
    expect(outcome(() => requireOutApart('f', x, [['x', x]], false))).toEqual({
      code: 'INVALID_OUT',
      message: 'f: expected out to share no memory with x, got an out that overlaps it',
    });
  });
  it('partial overlap is rejected even in place, naming the input', () => {
    const partial = [
      buf.subarray(1, 5), // shifted
      buf.subarray(0, 3), // same start, shorter
      new Float32Array(buf.buffer, 0, 8), // same bytes, another element type
    ];
    for (const out of partial)
      expect(
        outcome(() =>
          requireOutApart(
            'f',
            out as Float64Array,
            [
              ['y', new Float64Array(2)],
              ['x', x],
            ],
            true,
          ),
        ),
      ).toEqual({
        code: 'INVALID_OUT',
        message:
          'f: expected out to be exactly x or to share no memory with it, got an out that overlaps x in part',
      });
  });
});
