import { describe, expect, it } from 'vitest';
import { resultArray, sharesMemory, toFloatArray } from '../../src/tensor/arrays.js';
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
