import { describe, expect, it } from 'vitest';
import { attentionNormalizers } from '../examples/attention-normalizers.js';
import { moeRouter } from '../examples/moe-router.js';
import { normalizerTour } from '../examples/normalizers.js';
import { quickstart } from '../examples/quickstart.js';

describe('README examples run and say what the README says', () => {
  it('quickstart', () => {
    const r = quickstart();
    expect(Array.from(r.p, (v) => +v.toFixed(4))).toEqual([0.09, 0.2447, 0.6652]);
    expect(r.q).toBeInstanceOf(Float32Array);
    expect(Array.from(r.masked)).toEqual([0.5, 0, 0.5, 0, 0, 0]);
    expect(r.lp[0]).toBeCloseTo(-4.248354255291589e-18, 30);
    expect(r.lse).toBeCloseTo(r.lseDirect, 14);
    expect(r.code).toBe('SHAPE_MISMATCH');
  });
});

describe('normalizer tour', () => {
  const t = normalizerTour();
  const close = (a: ArrayLike<number>, b: number[]) => {
    for (let i = 0; i < b.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 14);
  };
  it('matches closed forms', () => {
    close(t.sparsemax, [0, 0.3, 0.7]);
    expect(t.sparsemax[0]).toBe(0);
    close(t.entmax15, [1 / 3, 1 / 3, 1 / 3, 0]);
    close(t.entmaxAlpha2, [0, 0.3, 0.7]);
    expect(t.entmaxPerRow.length).toBe(4);
    const e = Math.E;
    close(t.sparseSoftmax, [0, e / (e + 1), 1 / (e + 1), 0]);
    close(t.ssmax, [1 / 13, 3 / 13, 9 / 13]);
    const den = e - 1 + (1 - 1 / e) + 1e-8;
    close(t.softpick, [(e - 1) / den, 0, 0]);
    const p = [1, e, e * e].map((v) => v / (1 + e + e * e));
    close(t.saSoftmax, [p[0]!, 2 * p[1]!, 3 * p[2]!]);
    close(t.softplusNorm, [0.5, 0.5]);
    close(t.reluNorm, [0.25, 0, 0.75]);
  });
  it('gumbel samples are reproducible and hard is the one-hot of the soft sample', () => {
    const again = normalizerTour();
    expect(Array.from(again.gumbel)).toEqual(Array.from(t.gumbel));
    const argmax = t.gumbel.indexOf(Math.max(...t.gumbel));
    expect(Array.from(t.gumbelHard)).toEqual([0, 1, 2].map((i) => (i === argmax ? 1 : 0)));
  });
});

describe('attention normalizers example', () => {
  it('shows sparsity and the attention sink that softpick removes', () => {
    const r = attentionNormalizers();
    const sum = (a: number[]) => a.reduce((s, x) => s + x, 0);
    expect(sum(r.softmax![1]!)).toBeCloseTo(1, 14); // softmax must spend 1 on a query matching nothing
    expect(sum(r['softmax + sink']![1]!)).toBeCloseTo(0.248, 3); // the sink absorbs the rest
    expect(r.softpick![1]!.every((w) => w === 0)).toBe(true); // softpick attends to nothing
    expect(r.sparsemax![0]).toEqual([0, 0, 1, 0, 0, 0]); // exact zeros
    const lssar = r['softplusNorm + reweight (LSSAR)']![0]!;
    expect([lssar[0], lssar[1], lssar[3], lssar[4]]).toEqual([0, 0, 0, 0]); // below-mean keys cut
    expect(lssar[2]).toBeGreaterThan(0.9999999); // and the rest sharpened by the power 15
  });
});

describe('mixture-of-experts router example', () => {
  it('the load evens out from a skewed start while the task loss falls', () => {
    const h = moeRouter();
    const first = h[0]!;
    const last = h[h.length - 1]!;
    expect(first.cv).toBeGreaterThan(0.9); // two experts take everything
    expect(last.cv).toBeLessThan(0.15);
    for (const l of last.load) expect(l).toBeGreaterThan(0.15);
    expect(last.mse).toBeLessThan(first.mse / 8);
  });
});
