import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  adaptiveTemperatureExamples,
  DISPERSION_LENGTHS,
  dispersionTable,
  SHARP_LOGIT,
} from '../examples/adaptive-temperature.js';
import { attentionNormalizers } from '../examples/attention-normalizers.js';
import { decodeLoop } from '../examples/decode-loop.js';
import { moeRouter } from '../examples/moe-router.js';
import { namesExample } from '../examples/names.js';
import { normalizerTour } from '../examples/normalizers.js';
import { quickstart } from '../examples/quickstart.js';
import { clippedSoftmaxExamples, marginLossExamples } from '../examples/softmax-variants.js';

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

describe('adaptive temperature: the dispersion table of the README', () => {
  // closed forms for one item at a above n − 1 zeros: p = e^a/(e^a + n − 1),
  // H = −p·ln p − (1 − p)·ln((1 − p)/(n − 1)), β = max(1, poly(H)) for H > 0.5
  const poly = (h: number) => -0.037 * h ** 4 + 0.481 * h ** 3 - 2.3 * h ** 2 + 4.917 * h - 1.791;
  const a = SHARP_LOGIT;
  const table = dispersionTable();
  it('matches the closed forms at every n', () => {
    expect(table.map((r) => r.n)).toEqual([...DISPERSION_LENGTHS]);
    for (const r of table) {
      const p = Math.exp(a) / (Math.exp(a) + r.n - 1);
      const H = -p * Math.log(p) - (1 - p) * Math.log((1 - p) / (r.n - 1));
      const beta = H > 0.5 ? Math.max(1, poly(H)) : 1;
      expect(r.softmax).toBeCloseTo(p, 14);
      expect(r.beta).toBeCloseTo(beta, 12);
      expect(r.adaptive).toBeCloseTo(Math.exp(beta * a) / (Math.exp(beta * a) + r.n - 1), 12);
    }
  });
  it('says what the README says: sharp through n = 256, softmax again from 512', () => {
    const at = (n: number) => table.find((r) => r.n === n)!;
    expect(at(256).adaptive).toBeGreaterThan(0.97);
    expect(at(256).softmax).toBeLessThan(0.18);
    for (const n of [512, 1024, 16_384, 100_000]) {
      expect(at(n).beta).toBe(1);
      expect(at(n).adaptive).toBe(at(n).softmax);
    }
    expect(+at(100_000).softmax.toFixed(4)).toBe(0.0005);
  });
  it('the README table is this output (no drift)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const r of table) {
      const line = `| ${r.n.toLocaleString('en-US')} | ${r.beta.toFixed(3)} | ${r.softmax.toFixed(4)} | ${r.adaptive.toFixed(4)} |`;
      expect(readme).toContain(line);
    }
  });
  it('the doc examples', () => {
    const e = adaptiveTemperatureExamples();
    expect(e.beta[0]).toBeCloseTo(1.8918, 4);
    expect(e.raised[0]).toBeCloseTo(0.3096, 4);
    expect(e.sharp[0]).toBeCloseTo(Math.exp(5) / (Math.exp(5) + 2), 15);
    expect(e.grad[0]).not.toBeCloseTo(e.gradDetached[0]!, 3);
  });
});

describe('clipped softmax and margin loss examples', () => {
  it('clippedSoftmax: softmax by default, exact zeros and ones when stretched', () => {
    const e = clippedSoftmaxExamples();
    const z = [Math.exp(2), Math.exp(1), Math.exp(-3)];
    const s = z[0]! + z[1]! + z[2]!;
    for (let i = 0; i < 3; i++) expect(e.plain[i]).toBeCloseTo(z[i]! / s, 15);
    expect(e.zero[2]).toBe(0);
    expect(e.zero[0]).toBeCloseTo((1.03 * z[0]!) / s - 0.03, 15);
    expect(Array.from(e.one)).toEqual([1, 0, 0]);
  });
  it('marginSoftmaxLoss: margins raise the loss; no margin is plain cross-entropy of s·cos', () => {
    const e = marginLossExamples();
    // row 0, target 0: −log softmax(64·[0.8, 0.1, −0.3])_0; row 1, target 1: of 64·[0.5, 0.7, 0.2]
    const ce = (z: number[], t: number) => {
      const m = Math.max(...z);
      return m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0)) - z[t]!;
    };
    const want = (ce([51.2, 6.4, -19.2], 0) + ce([32, 44.8, 12.8], 1)) / 2;
    expect(e.noMargin.loss).toBeCloseTo(want, 12);
    for (const l of [e.arcFace.loss, e.cosFace.loss, e.elastic.loss])
      expect(l as number).toBeGreaterThan(e.noMargin.loss as number);
  });
});

describe('spam filter calibration example (SpamAssassin, every 6th message)', () => {
  it('temperature scaling fitted on a calibration split lowers ECE and NLL on the test split', async () => {
    const { spamCalibration } = await import('../examples/spam-calibration.js');
    const r = spamCalibration();
    expect(r.messages).toBe(1008);
    expect(r.testAccuracy).toBeGreaterThan(0.9);
    expect(r.temperature).toBeGreaterThan(1); // the unregularized model is over-confident
    expect(r.eceAfter).toBeLessThan(r.eceBefore);
    expect(r.nllAfter).toBeLessThan(r.nllBefore);
    expect(r.intervalAfter[1]).toBeLessThan(r.eceBefore); // beyond the bootstrap noise
    expect(r.svgBefore).toContain('ECE');
  }, 30_000);
});

describe('calibration tour (the doc examples)', () => {
  it('says what the doc comments say', async () => {
    const { calibrationTour } = await import('../examples/calibration-tour.js');
    const t = calibrationTour();
    expect(t.msp[0]).toBeCloseTo(Math.exp(2) / (Math.exp(2) + Math.E + 1), 15);
    expect(t.gap).toBeInstanceOf(Float32Array);
    expect(Array.from(t.gap, (v) => +v.toFixed(4))).toEqual([0.4205, 0]);
    expect(t.energy[0]).toBeCloseTo(-Math.log(Math.exp(2) + Math.E + 1), 14);
    expect(t.h[0]).toBeCloseTo(Math.LN2, 15);
    expect(t.hp[0]).toBeCloseTo(Math.LN2, 15);
    expect(t.fit.temperature).toBeGreaterThan(1);
    expect(t.fit.temperature).toBeCloseTo(2.23, 2);
    expect(t.ce.ece).toBeCloseTo(0.25, 15);
    expect(t.svg).toContain('ECE 25.00%');
    expect(t.ranking).toEqual({ auroc: 0.75, aupr: expect.closeTo(5 / 6, 15), fpr95: 0.5 });
    expect(Array.from(t.rc.risk)).toEqual([0, 0, 1 / 3, 1 / 4]);
    expect(t.brier).toBeCloseTo(0.65, 15);
    // 3 rows, α = 0.25: k = ⌈4·0.75⌉ = 3, the largest of the APS scores 0.7, 0.8, 0.5 → 0.8
    expect(t.cal.threshold).toBeCloseTo(0.8, 15);
    expect(Array.from(t.sets.sets)).toEqual([1, 0, 0]);
  });
});

describe('sampling examples', () => {
  it('the decode loop is reproducible and reports log-probabilities of the final distribution', () => {
    const a = decodeLoop();
    expect(decodeLoop().tokens).toEqual(a.tokens);
    expect(a.lines.length).toBe(16);
    for (const lp of a.logprobs) {
      expect(lp).toBeLessThanOrEqual(0);
      expect(lp).toBeGreaterThan(Math.log(1e-3)); // top-k 6 + top-p 0.9 never keep a token that unlikely
    }
  });
  it('the names model learns (held-out NLL well below uniform) and generates new names', () => {
    const r = namesExample();
    expect(r.names).toBe(4951);
    expect(r.heldOutNll).toBeLessThan(0.7 * r.uniformNll);
    expect(r.heldOutNll).toBeGreaterThan(1); // a trigram table cannot be that sure of a name it never saw
    expect(r.newNames).toBeGreaterThan(0);
    expect(r.newNames).toBeLessThan(r.generated.length);
    for (const name of r.generated) expect(name).toMatch(/^[a-z' -]*$/);
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
