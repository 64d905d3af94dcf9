import { describe, expect, it } from 'vitest';
import { jsBackend } from '../../src/kernels/backend.js';
import type { SoftmaxArgs } from '../../src/kernels/kernel-args.js';

// kernel-args.ts holds types only (tsc checks them); one argument object through the reference.

describe('kernel argument objects', () => {
  it('a SoftmaxArgs object runs the JavaScript softmax', () => {
    const args: SoftmaxArgs = {
      x: Float64Array.of(0, 0),
      y: new Float64Array(2),
      rows: 1,
      n: 2,
      algorithm: 'online',
      s: 1,
      log: false,
    };
    jsBackend.softmax(args);
    expect(Array.from(args.y)).toEqual([0.5, 0.5]);
  });
});
