/**
 * The softmax family's options: the rule table (defaults, nearest-name errors),
 * the clamped inverse temperature, and the resolved call.
 */
import { describe, expect, it } from 'vitest';
import {
  ALGORITHMS,
  inverseTemperature,
  resolveSoftmaxOptions,
} from '../../src/normalizers/softmax-options.js';
import { errorCode } from '../losses/class-loss-checks.js';

describe('inverseTemperature', () => {
  it('is 1/T, clamped to the largest double where 1/T overflows', () => {
    expect(inverseTemperature(0.5)).toBe(2);
    expect(inverseTemperature(1 / Number.MAX_VALUE)).toBe(Number.MAX_VALUE);
    expect(inverseTemperature(1e-310)).toBe(Number.MAX_VALUE);
    expect(inverseTemperature(5e-324)).toBe(Number.MAX_VALUE);
  });
});

describe('resolveSoftmaxOptions', () => {
  it('defaults: three-pass, scale 1, the layout of one vector', () => {
    const r = resolveSoftmaxOptions('softmax', [1, 2, 3], undefined);
    expect(r.algorithm).toBe('three-pass');
    expect(r.scale).toBe(1);
    expect(r.p.layout.n).toBe(3);
    expect(r.out).toBeUndefined();
    expect(ALGORITHMS).toEqual(['three-pass', 'two-pass', 'online']);
  });
  it('reads temperature, algorithm, shape and axis', () => {
    const r = resolveSoftmaxOptions('softmax', [1, 2, 3, 4, 5, 6], {
      temperature: 4,
      algorithm: 'online',
      shape: [2, 3],
      axis: 0,
    });
    expect(r.scale).toBe(0.25);
    expect(r.algorithm).toBe('online');
    expect(r.p.layout.n).toBe(2);
  });
  it('rejects bad options naming the function and the nearest valid key', () => {
    expect(() => resolveSoftmaxOptions('softmax', [1], { temprature: 2 } as never)).toThrow(
      /softmax: unknown option 'temprature'.*temperature/,
    );
    expect(errorCode(() => resolveSoftmaxOptions('logSoftmax', [1], { temperature: 0 }))).toBe(
      'INVALID_PARAMETER',
    );
    expect(
      errorCode(() => resolveSoftmaxOptions('softmax', [1], { algorithm: 'fast' as never })),
    ).toBe('INVALID_PARAMETER');
  });
});
