import { describe, expect, it } from 'vitest';
import { uniform } from '../../src/random/noise.js';
import { drawUniform, STREAM_DRAW, STREAM_XTC } from '../../src/sampling/streams.js';

describe('drawUniform', () => {
  it('is a pure function of (seed, step, row, stream) in (0, 1), uniform on average', () => {
    expect(drawUniform(5, 7, 3, STREAM_DRAW)).toBe(drawUniform(5, 7, 3, STREAM_DRAW));
    let sum = 0;
    const N = 100_000;
    for (let r = 0; r < N; r++) {
      const u = drawUniform(2 ** 40 + 1, 2 ** 33, r, STREAM_DRAW);
      expect(u > 0 && u < 1).toBe(true);
      sum += u;
    }
    expect(Math.abs(sum / N - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / N));
  });
  it('streams, steps and rows never share a number, nor with noise.ts', () => {
    const seen = new Set<number>();
    for (let step = 0; step < 20; step++)
      for (let row = 0; row < 20; row++)
        for (const s of [STREAM_DRAW, STREAM_XTC]) seen.add(drawUniform(9, step, row, s));
    expect(seen.size).toBe(800);
    const noise = uniform(9, 0, new Float64Array(400));
    for (const u of noise) expect(seen.has(u)).toBe(false);
  });
});
