import { describe, expect, it } from 'vitest';
import { sample } from '../../src/sampling/sample.js';
import { createSampler } from '../../src/sampling/sampler.js';

const logits = new Float32Array([1, 2.5, 0.3, 2.4, -1, 0.9, 1.7, 2.2]);

describe('createSampler', () => {
  it('keeps the history and the step: step t equals sample() with the history as tokens', () => {
    const s = createSampler({
      seed: 11,
      topK: 5,
      penalties: { repetition: 1.4, presence: 0.3 },
      temperature: 0.9,
    });
    const history: number[] = [];
    for (let step = 0; step < 20; step++) {
      const r = s.sample(logits);
      const want = sample(logits, {
        seed: 11,
        step,
        topK: 5,
        temperature: 0.9,
        penalties: { tokens: history, repetition: 1.4, presence: 0.3 },
      });
      expect(r.tokens[0]).toBe(want.tokens[0]);
      expect(r.logprobs[0]).toBe(want.logprobs[0]);
      s.accept(r.tokens[0]!);
      history.push(r.tokens[0]!);
    }
    expect(s.step).toBe(20);
    expect(s.history[0]).toEqual(history);
    s.reset();
    expect(s.step).toBe(0);
    expect(s.history).toEqual([]);
  });
  it('n-gram bans and DRY see the accepted tokens', () => {
    const s = createSampler({ seed: 1, temperature: 0, noRepeatNgram: { n: 1 } });
    const seen = new Set<number>();
    for (let i = 0; i < logits.length; i++) {
      const t = s.sample(logits).tokens[0]!;
      expect(seen.has(t)).toBe(false); // n = 1 bans every token already emitted
      seen.add(t);
      s.accept(t);
    }
    expect(() => s.sample(logits)).toThrow(/no token|at least one/);
  });
  it('batches keep one history per row; accept checks the count', () => {
    const s = createSampler({ seed: 2 });
    const r = s.sample({ data: new Float32Array([...logits, ...logits]), dims: [2, 8] });
    s.accept(r.tokens);
    expect(s.history.length).toBe(2);
    expect(() => s.accept([1])).toThrow(/one per row/);
    expect(() => s.sample(logits)).toThrow(/2 rows/);
  });
  it('mirostat v2 keeps surprise ≤ μ and moves μ by η·(surprise − τ)', () => {
    const tau = 1.5;
    const eta = 0.2;
    const s = createSampler({ seed: 3, mirostat: { version: 2, tau, eta } });
    let mu = 2 * tau;
    for (let i = 0; i < 10; i++) {
      const r = s.sample(logits);
      const surprise = -r.logprobs[0]! / Math.LN2;
      mu -= eta * (surprise - tau);
      expect(s.mu[0]).toBeCloseTo(mu, 12);
    }
  });
  it('mirostat v1 runs from μ₀ = 2τ and is reproducible', () => {
    const run = () => {
      const s = createSampler({ seed: 4, mirostat: { version: 1, tau: 3, eta: 0.1 } });
      const out: number[] = [];
      for (let i = 0; i < 10; i++) out.push(s.sample(logits).tokens[0]!);
      return { out, mu: s.mu[0]! };
    };
    const a = run();
    expect(run()).toEqual(a);
    expect(a.mu).not.toBe(6);
  });
  it('dynamic temperature (llama.cpp temp_ext): T from the normalized entropy', () => {
    const x = [0, 1, 2];
    const e = x.map(Math.exp);
    const z = e.reduce((s, v) => s + v, 0);
    const h = -e.reduce((s, v) => s + (v / z) * Math.log(v / z), 0);
    const t = 0.5 + (1.5 - 0.5) * (h / Math.log(3)) ** 2; // T = 1 ± 0.5, exponent 2
    const r = sample(x, { seed: 1, dynamicTemperature: { range: 0.5, exponent: 2 } });
    const y = x.map((v) => v / t);
    const lse = Math.log(y.reduce((s, v) => s + Math.exp(v), 0));
    expect(r.logprobs[0]).toBeCloseTo(y[r.tokens[0]!]! - lse, 12);
  });
  it('rejects unknown options and tokens inside the sampler options', () => {
    expect(() => createSampler({ mirostat: { version: 3 as 1 } })).toThrow(/1 or 2/);
    expect(() => createSampler({ penalties: { tokens: [1] } as never })).toThrow(
      /unknown option 'tokens'/,
    );
  });
});
