import { describe, expect, it } from 'vitest';
import { smoothLoadLoss } from '../../src/gating/smooth-load-loss.js';
import { normal } from '../../src/random/normal.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { D, dec } from '../helpers/reference.js';

/**
 * Φ(z) by erf's Maclaurin series (the test's own normal CDF), in enough digits for the
 * series' cancellation (its terms reach e^(z²/2) before they fall); 0 or 1 beyond |z| = 38.
 */
function cdf(z: number): number {
  if (Math.abs(z) > 38) return z > 0 ? 1 : 0;
  const W = D.clone({ precision: Math.ceil((z * z) / 4.6) + 40 });
  const x = new W(dec(z).toString()).div(W.sqrt(2));
  let term = x;
  let sum = x;
  for (let n = 1; n < 1.4 * z * z + 60; n++) {
    term = term.times(x.times(x).neg()).div(n);
    sum = sum.plus(term.div(2 * n + 1));
  }
  return sum
    .times(2)
    .div(W.sqrt(W.acos(-1)))
    .plus(1)
    .div(2)
    .toNumber();
}

/**
 * Shazeer et al.'s Appendix A written directly: H = x + ε·σ, P_te = Φ((x_te − kth of H_t without e)/σ_te),
 * Load = Σ_t P, L = Var/Mean² (population variance, + 1e-10), with ε the stream of `seed`.
 */
function reference(
  x: Float64Array,
  sigma: number[],
  T: number,
  E: number,
  k: number,
  seed: number,
) {
  const eps = normal(seed, 0, new Float64Array(x.length));
  const H = Array.from(x, (v, i) => v + eps[i]! * sigma[i]!);
  const load = new Array<number>(E).fill(0);
  for (let t = 0; t < T; t++)
    for (let e = 0; e < E; e++) {
      const others = H.slice(t * E, t * E + E).filter((_, j) => j !== e);
      others.sort((a, b) => b - a);
      if (x[t * E + e] === -Infinity) continue;
      load[e]! += cdf((x[t * E + e]! - others[k - 1]!) / sigma[t * E + e]!);
    }
  const mean = load.reduce((a, b) => a + b, 0) / E;
  const variance = load.reduce((a, v) => a + (v - mean) ** 2, 0) / E;
  return { loss: variance / (mean * mean + 1e-10), load };
}

const softplus = (v: number) => Math.log1p(Math.exp(v));

describe('smoothLoadLoss (Shazeer et al. 2017, Appendix A)', () => {
  const [T, E, k] = [6, 5, 2];
  const x = randomArray(T * E, 71, -2, 2);
  const nl = randomArray(T * E, 72, -1, 2);

  it('equals the paper’s formula written directly, with learned and constant noise', () => {
    const r = smoothLoadLoss(x, { shape: [T, E], k, noise: { seed: 4, noiseLogits: nl } });
    const want = reference(
      x,
      Array.from(nl, (v) => softplus(v) + 0.01),
      T,
      E,
      k,
      4,
    );
    expect(r.loss).toBeCloseTo(want.loss, 12);
    for (let e = 0; e < E; e++) expect(r.load[e]).toBeCloseTo(want.load[e]!, 12);
    const c = smoothLoadLoss(x, { shape: [T, E], k: 3, noise: { seed: 5, std: 0.7 } });
    expect(c.loss).toBeCloseTo(reference(x, new Array(T * E).fill(0.7), T, E, 3, 5).loss, 12);
    expect(c.noiseGrad).toBeUndefined();
  });

  it('gradients for the logits and the noise logits against central differences', () => {
    const o = (n: Float64Array) => ({ shape: [T, E], k, noise: { seed: 4, noiseLogits: n } });
    const r = smoothLoadLoss(x, o(nl));
    const fdX = fdVjp((z) => [smoothLoadLoss(z, o(nl)).loss], x, [1]);
    const fdN = fdVjp((n) => [smoothLoadLoss(x, o(n)).loss], nl, [1]);
    expect(gradError(r.grad, fdX)).toBeLessThan(1e-8);
    expect(gradError(r.noiseGrad!, fdN)).toBeLessThan(1e-8);
    expect(r.grad.some((v) => v !== 0) && r.noiseGrad!.some((v) => v !== 0)).toBe(true);
  });

  it('a masked expert has P = 0 and no gradient; Float32 stays Float32', () => {
    const m = Float64Array.from(x);
    m[2] = -Infinity;
    const o = { shape: [T, E], k, noise: { seed: 4, noiseLogits: nl } };
    const r = smoothLoadLoss(m, o);
    expect(r.grad[2]).toBe(0);
    expect(r.noiseGrad![2]).toBe(0);
    const fd = fdVjp((z) => [smoothLoadLoss(z, o).loss], m, [1]);
    expect(gradError(r.grad, fd)).toBeLessThan(1e-8);
    expect(smoothLoadLoss(Float32Array.from(x), o).grad).toBeInstanceOf(Float32Array);
  });

  it('errors name the function: no noise, no seed, std 0, k not below the experts', () => {
    expect(() => smoothLoadLoss(x, { shape: [T, E] })).toThrow(/smoothLoadLoss: expected noise/);
    expect(() => smoothLoadLoss(x, { shape: [T, E], noise: { std: 1 } })).toThrow(/noise\.seed/);
    expect(() => smoothLoadLoss(x, { shape: [T, E], noise: { seed: 1, std: 0 } })).toThrow(
      /noise\.std > 0/,
    );
    expect(() => smoothLoadLoss(x, { shape: [T, E], k: 5, noise: { seed: 1 } })).toThrow(
      SoftmaxKitError,
    );
  });
});
