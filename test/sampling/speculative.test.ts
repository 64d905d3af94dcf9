import { describe, expect, it } from 'vitest';
import { uniform } from '../../src/random/noise.js';
import { speculativeAccept } from '../../src/sampling/speculative.js';

const softmax = (x: number[]) => {
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const z = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / z);
};

describe('speculativeAccept', () => {
  it('the first emitted token is distributed as the target (chi-square over 10⁵ trials)', () => {
    const target = [0.2, 1.5, -0.7, 0.9, 0.1, -2, 1.1, 0.4];
    const draft = [1.2, 0.3, 0.5, 0.9, -0.4, 0.8, 0.2, -1];
    const V = target.length;
    const p = softmax(target);
    const q = softmax(draft);
    const cdf = q.map((_, i) => q.slice(0, i + 1).reduce((s, v) => s + v, 0));
    const N = 100_000;
    const u = uniform(99, 0, new Float64Array(N)); // the draft model's own draws: x ~ q
    const counts = new Array<number>(V).fill(0);
    let accepted = 0;
    for (let i = 0; i < N; i++) {
      let x = cdf.findIndex((c) => c > u[i]!);
      if (x < 0) x = V - 1;
      const r = speculativeAccept(target, draft, [x], { seed: 5, step: i });
      counts[r.tokens[0]!]!++;
      accepted += r.accepted;
    }
    let stat = 0;
    for (let j = 0; j < V; j++) stat += (counts[j]! - p[j]! * N) ** 2 / (p[j]! * N);
    expect(stat).toBeLessThan(31.5); // χ²(7) upper 1e-4 quantile ≈ 29.9
    // the acceptance rate is Σ min(p, q) (Leviathan et al., eq. 1)
    const alpha = p.reduce((s, v, j) => s + Math.min(v, q[j]!), 0);
    expect(Math.abs(accepted / N - alpha)).toBeLessThan(4 * Math.sqrt((alpha * (1 - alpha)) / N));
  });
  it('accepts every draft token when draft = target, then adds the bonus token', () => {
    const row = [0.1, 2, -1];
    const r = speculativeAccept([...row, ...row, ...row], [...row, ...row], [1, 0], { seed: 1 });
    expect(r.accepted).toBe(2);
    expect(r.tokens.length).toBe(3);
    expect(Array.from(r.tokens.slice(0, 2))).toEqual([1, 0]);
  });
  it('a draft token the target forbids is always rejected and corrected', () => {
    const r = speculativeAccept([0, Number.NEGATIVE_INFINITY, 0], [0, 0, 0], [1], { seed: 2 });
    expect(r.accepted).toBe(0);
    expect([0, 2]).toContain(r.tokens[0]);
  });
  it('checks shapes and tokens', () => {
    expect(() => speculativeAccept([1, 2, 3], [1, 2], [0], { seed: 1 })).toThrow(/targetLogits/);
    expect(() => speculativeAccept([1, 2], [1, 2], [5], { seed: 1 })).toThrow(/draftTokens\[0\]/);
  });
});
