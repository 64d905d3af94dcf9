import { describe, expect, it } from 'vitest';
import { gatingNoise, noiseScaleSlope } from '../../src/gating/noise.js';
import { normal } from '../../src/random/normal.js';

// Used by topKGating and smoothLoadLoss (their tests check the noise end to end); here its parts.
describe("Shazeer's router noise", () => {
  it('ε is the seed’s normal stream; σ = softplus(n) + 0.01 or the constant std', () => {
    const n = [-30, -1, 0, 2, 40];
    const a = gatingNoise('f', { seed: 3, noiseLogits: Float64Array.from(n), std: undefined }, 5);
    expect(Array.from(a.eps)).toEqual(Array.from(normal(3, 0, new Float64Array(5))));
    for (const [i, v] of n.entries())
      expect(a.sigma[i]).toBeCloseTo(Math.log(1 + Math.exp(v)) + 0.01, 14);
    const b = gatingNoise('f', { seed: 3, noiseLogits: undefined, std: 0.5 }, 2);
    expect(Array.from(b.sigma)).toEqual([0.5, 0.5]);
    expect(() =>
      gatingNoise('f', { seed: 3, noiseLogits: new Float64Array(2), std: 1 }, 2),
    ).toThrow(/f: expected one of noise.noiseLogits and noise.std, got both/);
  });
  it('dσ/dn is the logistic function, finite at both extremes', () => {
    for (const v of [-800, -3, 0, 3, 800]) {
      const h = 1e-6;
      const fd = (Math.log1p(Math.exp(v + h)) - Math.log1p(Math.exp(v - h))) / (2 * h);
      expect(noiseScaleSlope(v)).toBeCloseTo(Number.isFinite(fd) ? fd : v > 0 ? 1 : 0, 8);
    }
  });
});
