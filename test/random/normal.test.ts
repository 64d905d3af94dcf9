import { describe, expect, it } from 'vitest';
import { uniform } from '../../src/random/noise.js';
import { normal } from '../../src/random/normal.js';

describe('normal (Box–Muller on the Philox stream)', () => {
  it('is the documented transform of uniform draws 2i and 2i + 1', () => {
    const u = uniform(7, 20, new Float64Array(8));
    const z = normal(7, 10, new Float64Array(4));
    for (let i = 0; i < 4; i++)
      expect(z[i]).toBe(
        Math.sqrt(-2 * Math.log(u[2 * i]!)) * Math.cos(2 * Math.PI * u[2 * i + 1]!),
      );
  });

  it('a slice equals that slice of the whole stream; Float32 is the double draw rounded', () => {
    const all = normal(3, 0, new Float64Array(100));
    expect(Array.from(normal(3, 37, new Float64Array(5)))).toEqual(
      Array.from(all.subarray(37, 42)),
    );
    expect(Array.from(normal(3, 0, new Float32Array(100)))).toEqual(Array.from(all, Math.fround));
  });

  it('has mean 0 and variance 1 (2·10⁵ draws, 5 standard errors)', () => {
    const n = 200_000;
    const z = normal(11, 0, new Float64Array(n));
    let s = 0;
    let q = 0;
    let fourth = 0;
    for (const v of z) {
      s += v;
      q += v * v;
      fourth += v ** 4;
    }
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(q / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(fourth / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n)); // Var(z⁴) = 105 − 9
    expect(z.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeLessThan(8.58);
  });
});
