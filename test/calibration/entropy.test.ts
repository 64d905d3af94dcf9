import { describe, expect, it } from 'vitest';
import { entropy } from '../../src/calibration/entropy.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { randomArray } from '../helpers/finite-difference.js';
import { D, dec, relError } from '../helpers/reference.js';

/** −Σ p log p of softmax(x/T) in 200-digit arithmetic (60 digits lose a p of 1 − 1e-52's log). */
const D200 = D.clone({ precision: 200 });
function refEntropy(x: number[], T = 1) {
  const finite = x.filter((v) => v !== -Infinity);
  const m = Math.max(...finite);
  const e = finite.map((v) => D200.exp(new D200(dec(v).toString()).minus(m).div(T)));
  const d = e.reduce((a, b) => a.plus(b), new D200(0));
  const h = e.reduce((s, ei) => {
    const p = ei.div(d);
    return p.isZero() ? s : s.minus(p.times(D200.ln(p)));
  }, new D200(0));
  return new D(h.toString());
}

describe('entropy of logits (the default)', () => {
  it('matches a 60-digit reference, with temperature, masks, huge and tiny spreads', () => {
    const rows = [
      [0, 0],
      [2, 1, 0, -1],
      [1e6, 1e6 - 3],
      [30, 0, 0],
      [1, -Infinity, 1],
      Array.from(randomArray(50, 3, -8, 8)),
    ];
    for (const T of [1, 0.25, 4])
      for (const r of rows)
        expect(relError(entropy(r, { temperature: T })[0]!, refEntropy(r, T))).toBeLessThan(1e-14);
  });
  it('closed forms: equal logits give log n; a confident row has tiny positive entropy', () => {
    for (const n of [1, 2, 7, 1000])
      expect(entropy(new Float64Array(n))[0]).toBeCloseTo(Math.log(n), 13);
    const h = entropy([0, -40])[0]!;
    // H ≈ e^−40·(40 + 1) for a margin of 40
    expect(relError(h, refEntropy([0, -40]))).toBeLessThan(1e-14);
    expect(h).toBeGreaterThan(0);
  });
  it('non-finite policy: masked row 0, +∞ entries log c, NaN stays in its row', () => {
    const e = entropy([-Infinity, -Infinity, Infinity, Infinity, Number.NaN, 1, 0, 0], {
      shape: [4, 2],
    });
    expect(e[0]).toBe(0);
    expect(e[1]).toBeCloseTo(Math.LN2, 15);
    expect(Number.isNaN(e[2]!)).toBe(true);
    expect(e[3]).toBeCloseTo(Math.LN2, 15);
  });
  it('Float32 in, Float32 out, any axis', () => {
    const x = new Float32Array([1, 2, 3, 4]);
    const e = entropy(x, { shape: [2, 2], axis: 0 });
    expect(e).toBeInstanceOf(Float32Array);
    expect(Math.abs(e[0]! - refEntropy([1, 3]).toNumber())).toBeLessThan(3e-8);
  });
});

describe("entropy of probabilities (input: 'probabilities')", () => {
  const input = 'probabilities' as const;
  it('matches closed forms: uniform gives log n, one-hot gives 0', () => {
    for (const n of [1, 2, 7, 1000])
      expect(entropy(new Float64Array(n).fill(1 / n), { input })[0]).toBeCloseTo(Math.log(n), 13);
    expect(entropy([0, 1, 0], { input })[0]).toBe(0);
  });
  it('matches a 60-digit reference, 0·log 0 = 0, any axis', () => {
    const p = [0.1, 0.2, 0, 0.7];
    const ref = p.reduce((s, v) => (v === 0 ? s : s.minus(dec(v).times(D.ln(dec(v))))), new D(0));
    expect(Math.abs(entropy(p, { input })[0]! - ref.toNumber())).toBeLessThan(1e-16);
    const e = entropy([0.5, 1, 0.5, 0], { shape: [2, 2], axis: 0, input });
    expect(e[0]).toBeCloseTo(Math.LN2, 15);
    expect(e[1]).toBe(0);
  });
  it('NaN stays in its row; temperature is refused with probabilities', () => {
    const e = entropy([Number.NaN, 1, 0.5, 0.5], { shape: [2, 2], input });
    expect(Number.isNaN(e[0]!)).toBe(true);
    expect(e[1]).toBeCloseTo(Math.LN2, 15);
    expect(() => entropy([0.5, 0.5], { input, temperature: 2 })).toThrow(SoftmaxKitError);
    expect(() => entropy([0.5, 0.5], { input: 'probs' as never })).toThrow(
      /entropy: expected input/,
    );
  });
});
