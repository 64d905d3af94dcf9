import { describe, expect, it } from 'vitest';
import { crossEntropy } from '../../src/losses/cross-entropy.js';
import { sampledSoftmaxLoss } from '../../src/losses/sampled-softmax.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { D } from '../helpers/reference.js';
import { errorCode } from './class-loss-checks.js';
import { refLogSoftmaxRow } from './ref-row.js';

const C = 10;
const x = randomArray(4 * C, 1, -3, 3);
const t = [2, 7, -100, 0];

describe("sampledSoftmaxLoss 'sampled' (log-Q correction)", () => {
  const Q = Array.from({ length: C }, (_, j) => j + 1); // normalized inside
  const opts = { shape: [4, C], numSampled: 6, seed: 11, proposal: Q, reduction: 'none' as const };

  it('matches the 60-digit reference over the returned draws', () => {
    const r = sampledSoftmaxLoss(x, t, opts);
    const qs = Q.reduce((a, b) => a + b, 0);
    const corr = (j: number) => D.ln(new D(6).times(Q[j]!).div(qs));
    for (let i = 0; i < 4; i++) {
      if (t[i]! < 0) {
        expect((r.loss as Float64Array)[i]).toBe(0);
        continue;
      }
      const o = (j: number) => new D(x[i * C + j]!).minus(corr(j));
      let s = D.exp(o(t[i]!));
      for (const c of r.sampled) if (c !== t[i]) s = s.plus(D.exp(o(c)));
      const want = D.ln(s).minus(o(t[i]!)).toNumber();
      expect(Math.abs((r.loss as Float64Array)[i]! / want - 1)).toBeLessThan(1e-14);
    }
  });

  it('a confident row (margin 40): loss and target gradient keep their relative accuracy', () => {
    // ℓ ≈ 1e-16 and π_t − 1 ≈ −1e-16: both were 100% off (lse rounded to x_t, 1 − π_t to 0)
    const row = Array.from({ length: C }, (_, j) => (j === 3 ? 40 : (j % 4) - 1.5));
    const r = sampledSoftmaxLoss(row, [3], { numSampled: 6, seed: 2, reduction: 'sum' });
    // uniform Q: the correction is one constant, so only the distinct draws' logits matter
    let others = new D(0);
    for (const c of r.sampled) if (c !== 3) others = others.plus(D.exp(new D(row[c]!).minus(40)));
    expect(others.gt(0)).toBe(true);
    const want = D.ln(others.plus(1)); // log(1 + Σ e^(x_c − x_t))
    expect(Math.abs((r.loss as number) / want.toNumber() - 1)).toBeLessThan(1e-14);
    const gt = others.div(others.plus(1)).neg();
    expect(Math.abs(r.grad[3]! / gt.toNumber() - 1)).toBeLessThan(1e-14);
  });

  it('NaN in a candidate logit: that row NaN on its candidates, 0 off them; other rows untouched', () => {
    const xn = Float64Array.from(x);
    const r0 = sampledSoftmaxLoss(x, t, opts);
    const c = r0.sampled.find((k) => k !== t[0])!;
    xn[c] = Number.NaN; // row 0
    const r = sampledSoftmaxLoss(xn, t, opts);
    expect((r.loss as Float64Array)[0]).toBeNaN();
    for (let j = 0; j < C; j++)
      if (r.sampled.includes(j) || j === t[0]) expect(r.grad[j]).toBeNaN();
      else expect(r.grad[j]).toBe(0);
    expect(Array.from(r.grad.subarray(C))).toEqual(Array.from(r0.grad.subarray(C)));
  });

  it('gradient = central finite difference; zero off the candidates', () => {
    const o = { ...opts, reduction: 'mean' as const };
    const r = sampledSoftmaxLoss(x, t, o);
    const fd = fdVjp((z) => [sampledSoftmaxLoss(z, t, o).loss as number], x, [1]);
    expect(gradError(r.grad, fd)).toBeLessThan(1e-8);
    const cand = new Set([...r.sampled, ...t.filter((v) => v >= 0)]);
    for (let j = 0; j < C; j++) if (!cand.has(j)) expect(r.grad[j]).toBe(0);
  });

  it('reproducible from the seed; draws follow the proposal', () => {
    expect(sampledSoftmaxLoss(x, t, opts).sampled).toEqual(sampledSoftmaxLoss(x, t, opts).sampled);
    expect(sampledSoftmaxLoss(x, t, { ...opts, seed: 12 }).sampled).not.toEqual(
      sampledSoftmaxLoss(x, t, opts).sampled,
    );
    const many = sampledSoftmaxLoss([0, 0, 0], [0], {
      numSampled: 30_000,
      proposal: [2, 1, 1],
      seed: 3,
    }).sampled;
    const freq = [0, 0, 0];
    for (const c of many) freq[c]!++;
    expect(freq[0]! / 30_000).toBeCloseTo(0.5, 1);
    expect(freq[1]! / 30_000).toBeCloseTo(0.25, 1);
  });

  it('accidental hits: removed by default, kept on request', () => {
    const draws = sampledSoftmaxLoss([0, 0], [0], { numSampled: 4, seed: 5 }).sampled;
    const hits = Array.from(draws).filter((c) => c === 0).length;
    const kept = sampledSoftmaxLoss([0, 0], [0], {
      numSampled: 4,
      seed: 5,
      removeAccidentalHits: false,
    });
    const removed = sampledSoftmaxLoss([0, 0], [0], { numSampled: 4, seed: 5 });
    // uniform Q: corrections are equal, so the loss is log(#candidates)
    expect(removed.loss).toBeCloseTo(Math.log(1 + 4 - hits), 14);
    expect(kept.loss).toBeCloseTo(Math.log(1 + 4), 14);
  });

  it('a +1e6 shift changes nothing; masked candidates get 0; masked target is +∞', () => {
    const a = sampledSoftmaxLoss(x, t, opts);
    const b = sampledSoftmaxLoss(
      x.map((v) => v + 1e6),
      t,
      opts,
    );
    expect(gradError(b.grad, a.grad)).toBeLessThan(1e-9);
    const xm = Float64Array.from(x);
    xm[a.sampled[0]!] = -Infinity; // row 0 (target 2)
    const c = sampledSoftmaxLoss(xm, t, opts);
    if (a.sampled[0] !== 2) expect(c.grad[a.sampled[0]!]).toBe(0);
    const d = sampledSoftmaxLoss([-Infinity, 1, 2], [0], { numSampled: 3 });
    expect(d.loss).toBe(Infinity);
    expect(Array.from(d.grad)).toEqual([0, 0, 0]);
  });
});

describe("sampledSoftmaxLoss 'partial-fc'", () => {
  it('sampleRate 1 is the full cross-entropy', () => {
    const a = sampledSoftmaxLoss(x, t, { shape: [4, C], method: 'partial-fc', sampleRate: 1 });
    const b = crossEntropy(x, t, { shape: [4, C] });
    expect(Math.abs((a.loss as number) / (b.loss as number) - 1)).toBeLessThan(1e-14);
    expect(gradError(a.grad, b.grad)).toBeLessThan(1e-15);
    expect(a.sampled).toHaveLength(C);
  });

  it('a confident row (margin 40) at sampleRate 1: loss and target gradient to 1e-14 relative', () => {
    const row = Array.from({ length: C }, (_, j) => (j === 3 ? 40 : (j % 4) - 1.5));
    const r = sampledSoftmaxLoss(row, [3], {
      method: 'partial-fc',
      sampleRate: 1,
      reduction: 'sum',
    });
    const lp = refLogSoftmaxRow(row);
    const u = lp.reduce((s, l, j) => (j === 3 ? s : s.plus(D.exp(l))), new D(0));
    expect(Math.abs((r.loss as number) / lp[3]!.neg().toNumber() - 1)).toBeLessThan(1e-14);
    expect(Math.abs(r.grad[3]! / u.neg().toNumber() - 1)).toBeLessThan(1e-14);
  });

  it('keeps every positive, ⌈rate·C⌉ classes in all, gradient 0 off the set, axis 0', () => {
    const xt = new Float64Array(4 * C);
    for (let i = 0; i < 4; i++) for (let j = 0; j < C; j++) xt[j * 4 + i] = x[i * C + j]!;
    const o = { shape: [C, 4], axis: 0, method: 'partial-fc' as const, sampleRate: 0.45, seed: 9 };
    const r = sampledSoftmaxLoss(xt, t, o);
    expect(r.sampled).toHaveLength(5);
    for (const ti of [2, 7, 0]) expect(Array.from(r.sampled)).toContain(ti);
    const set = new Set(r.sampled);
    for (let j = 0; j < C; j++)
      if (!set.has(j)) for (let i = 0; i < 4; i++) expect(r.grad[j * 4 + i]).toBe(0);
    const fd = fdVjp((z) => [sampledSoftmaxLoss(z, t, o).loss as number], xt, [1]);
    expect(gradError(r.grad, fd)).toBeLessThan(1e-8);
  });

  it('all-ignored batch gives 0; Float32 gives Float32; inputs untouched', () => {
    expect(sampledSoftmaxLoss(x, [-100, -100, -100, -100], { shape: [4, C] }).loss).toBe(0);
    const x32 = Float32Array.from(x);
    const copy = Float32Array.from(x32);
    expect(sampledSoftmaxLoss(x32, t, { shape: [4, C], method: 'partial-fc' }).grad).toBeInstanceOf(
      Float32Array,
    );
    expect(x32).toEqual(copy);
  });
});

describe('sampledSoftmaxLoss: bad input', () => {
  it('throws SoftmaxKitError with the right code', () => {
    const s = { shape: [4, C] };
    expect(errorCode(() => sampledSoftmaxLoss(x, [0, 10, 1, 1], s))).toBe('TARGET_OUT_OF_RANGE');
    expect(errorCode(() => sampledSoftmaxLoss(x, t, { ...s, numSampled: 0 }))).toBe(
      'INVALID_PARAMETER',
    );
    expect(errorCode(() => sampledSoftmaxLoss(x, t, { ...s, proposal: [1, 2] }))).toBe(
      'SHAPE_MISMATCH',
    );
    expect(
      errorCode(() => sampledSoftmaxLoss(x, t, { ...s, proposal: new Array(C).fill(0) })),
    ).toBe('INVALID_PARAMETER');
    expect(
      errorCode(() => sampledSoftmaxLoss(x, t, { ...s, method: 'partial-fc', sampleRate: 0 })),
    ).toBe('INVALID_PARAMETER');
    expect(errorCode(() => sampledSoftmaxLoss(x, t, { ...s, seed: -1 }))).toBe('INVALID_PARAMETER');
    // biome-ignore lint/suspicious/noExplicitAny: a bad option at runtime
    expect(errorCode(() => sampledSoftmaxLoss(x, t, { ...s, method: 'nce' as any }))).toBe(
      'INVALID_PARAMETER',
    );
  });
});

describe('sampledSoftmaxLoss: an omitted seed is drawn fresh on each call (issue 15)', () => {
  it('two calls without a seed draw different classes; a given seed reproduces', () => {
    const x = new Float64Array(1000);
    for (const method of ['sampled', 'partial-fc'] as const) {
      const o = method === 'sampled' ? { method, numSampled: 32 } : { method, sampleRate: 0.05 };
      const a = sampledSoftmaxLoss(x, [3], o).sampled;
      const b = sampledSoftmaxLoss(x, [3], o).sampled;
      expect(Array.from(a)).not.toEqual(Array.from(b));
      const c = sampledSoftmaxLoss(x, [3], { ...o, seed: 4 }).sampled;
      expect(Array.from(sampledSoftmaxLoss(x, [3], { ...o, seed: 4 }).sampled)).toEqual(
        Array.from(c),
      );
    }
  });
});

describe('sampledSoftmaxLoss: an option of the other method is an error, not ignored (issue 15)', () => {
  it('numSampled, proposal, removeAccidentalHits with partial-fc; sampleRate with sampled', () => {
    const x = [1, 2, 3, 4];
    const pfc = { method: 'partial-fc' as const, seed: 1 };
    for (const extra of [
      { numSampled: 2 },
      { proposal: [1, 1, 1, 1] },
      { removeAccidentalHits: false },
    ])
      expect(errorCode(() => sampledSoftmaxLoss(x, [0], { ...pfc, ...extra }))).toBe(
        'INVALID_PARAMETER',
      );
    expect(() => sampledSoftmaxLoss(x, [0], { seed: 1, sampleRate: 0.5 })).toThrow(
      "sampledSoftmaxLoss: expected no sampleRate with method 'sampled' (it applies to method 'partial-fc'), got 0.5",
    );
  });
});
