import { describe, expect, it } from 'vitest';
import { crossEntropy } from '../../src/losses/cross-entropy.js';
import { linearCrossEntropy } from '../../src/losses/linear-cross-entropy.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import { D } from '../helpers/reference.js';

/** logits = H·Wᵀ + b by the naive double loop (the materialized computation). */
function logitsOf(
  H: ArrayLike<number>,
  W: ArrayLike<number>,
  b: ArrayLike<number> | undefined,
  n: number,
  d: number,
  V: number,
): Float64Array {
  const z = new Float64Array(n * V);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < V; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += H[i * d + k]! * W[j * d + k]!;
      z[i * V + j] = s + (b ? b[j]! : 0);
    }
  return z;
}

/** The materialized reference: crossEntropy on the full logits, then G·W, Gᵀ·H, Σ G. */
function materialized(
  H: Float64Array,
  W: Float64Array,
  b: Float64Array | undefined,
  t: number[],
  n: number,
  d: number,
  V: number,
  opts: {
    labelSmoothing?: number;
    zLoss?: number;
    softcap?: number;
    reduction?: 'mean' | 'sum' | 'none';
    ignoreIndex?: number;
    classWeight?: Float64Array;
  },
) {
  const z = logitsOf(H, W, b, n, d, V);
  const { classWeight: weight, ...rest } = opts;
  const { loss, grad: G } = crossEntropy(z, t, { shape: [n, V], weight, ...rest });
  const dH = new Float64Array(n * d);
  const dW = new Float64Array(V * d);
  const dB = new Float64Array(V);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < V; j++) {
      const g = G[i * V + j]!;
      dB[j] += g;
      for (let k = 0; k < d; k++) {
        dH[i * d + k] += g * W[j * d + k]!;
        dW[j * d + k] += g * H[i * d + k]!;
      }
    }
  return { loss, dH, dW, dB };
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
const lossList = (l: number | Float32Array | Float64Array) =>
  typeof l === 'number' ? [l] : Array.from(l);

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof SoftmaxKitError ? e.code : String(e);
  }
  return 'no error';
};

describe('linearCrossEntropy: equals the materialized computation', () => {
  const n = 70; // crosses the 64-row block
  const d = 5;
  const V = 23;
  const H = randomArray(n * d, 1, -1, 1);
  const W = randomArray(V * d, 2, -1, 1);
  const b = randomArray(V, 3, -0.5, 0.5);
  const t = Array.from({ length: n }, (_, i) => (i % 9 === 4 ? -100 : (i * 5) % V));
  const classWeight = randomArray(V, 4, 0.2, 3);
  const cases = [
    { chunk: 1 },
    { chunk: 7, labelSmoothing: 0.1 },
    { chunk: 23, zLoss: 1e-2, reduction: 'sum' as const },
    { chunk: 100, softcap: 1.5, reduction: 'none' as const },
    { chunk: 4, labelSmoothing: 0.2, zLoss: 0.05, softcap: 2, ignoreIndex: -100 },
    // class weights: the weighted mean (Σ ℓ / Σ w_t), with smoothing, z-loss, softcap
    { chunk: 5, classWeight },
    { chunk: 9, classWeight, labelSmoothing: 0.15, zLoss: 0.02, softcap: 3 },
    { chunk: 3, classWeight, labelSmoothing: 0.1, zLoss: 0.01, reduction: 'none' as const },
    { chunk: 64, classWeight, labelSmoothing: 0.3, reduction: 'sum' as const },
  ];
  for (const c of cases)
    it(`chunk ${c.chunk} ${JSON.stringify({ ...c, classWeight: c.classWeight && 'w' })}`, () => {
      const { chunk, ...opts } = c;
      const ref = materialized(H, W, b, t, n, d, V, opts);
      const got = linearCrossEntropy(H, W, t, { n, d, vocab: V, bias: b, chunk, ...opts });
      const gl = lossList(got.loss);
      const rl = lossList(ref.loss);
      for (let i = 0; i < rl.length; i++)
        expect(Math.abs(gl[i]! - rl[i]!)).toBeLessThanOrEqual(
          1e-14 * Math.max(1, Math.abs(rl[i]!)),
        );
      expect(gradError(got.dHidden, ref.dH)).toBeLessThan(1e-14);
      expect(gradError(got.dWeight, ref.dW)).toBeLessThan(1e-14);
      expect(gradError(got.dBias!, ref.dB)).toBeLessThan(1e-14);
      // the loss alone: the same loss and lse, no gradients
      const o = { n, d, vocab: V, bias: b, chunk, returnLse: true, ...opts };
      const only = linearCrossEntropy(H, W, t, { ...o, returnGrad: false });
      const full = linearCrossEntropy(H, W, t, o);
      expect(Object.keys(only).sort()).toEqual(['loss', 'lse']);
      expect(only.loss).toEqual(full.loss);
      expect(only.lse).toEqual(full.lse);
    });

  it('loss agrees with a 60-digit reference', () => {
    const got = linearCrossEntropy(H, W, t, {
      n,
      d,
      vocab: V,
      bias: b,
      chunk: 6,
      reduction: 'sum',
    });
    const z = logitsOf(H, W, b, n, d, V);
    let total = new D(0);
    for (let i = 0; i < n; i++) {
      if (t[i]! < 0) continue;
      let s = new D(0);
      for (let j = 0; j < V; j++) s = s.plus(D.exp(new D(z[i * V + j]!)));
      total = total.plus(D.ln(s).minus(z[i * V + t[i]!]!));
    }
    expect(rel(got.loss as number, total.toNumber())).toBeLessThan(1e-14);
  });
});

describe('linearCrossEntropy: gradients vs central finite differences', () => {
  const n = 3;
  const d = 4;
  const V = 6;
  const H = randomArray(n * d, 7, -1, 1);
  const W = randomArray(V * d, 8, -1, 1);
  const b = randomArray(V, 9, -1, 1);
  const t = [2, -100, 5];
  const opts = {
    n,
    d,
    vocab: V,
    chunk: 4,
    labelSmoothing: 0.1,
    zLoss: 0.03,
    softcap: 1.2,
    classWeight: [0.5, 2, 1.5, 0.25, 1, 3],
  };
  const L = (h: Float64Array, w: Float64Array, bb: Float64Array) => [
    linearCrossEntropy(h, w, t, { ...opts, bias: bb }).loss as number,
  ];
  const got = linearCrossEntropy(H, W, t, { ...opts, bias: b });
  it('dHidden', () =>
    expect(
      gradError(
        got.dHidden,
        fdVjp((h) => L(h, W, b), H, [1]),
      ),
    ).toBeLessThan(1e-8));
  it('dWeight', () =>
    expect(
      gradError(
        got.dWeight,
        fdVjp((w) => L(H, w, b), W, [1]),
      ),
    ).toBeLessThan(1e-8));
  it('dBias', () =>
    expect(
      gradError(
        got.dBias!,
        fdVjp((bb) => L(H, W, bb), b, [1]),
      ),
    ).toBeLessThan(1e-8));
});

describe('linearCrossEntropy: gradient filtering', () => {
  const n = 40;
  const d = 8;
  const V = 200;
  const H = randomArray(n * d, 11, -2, 2);
  const W = randomArray(V * d, 12, -2, 2);
  const t = Array.from({ length: n }, (_, i) => (i * 3) % 16); // targets in the first chunk
  const bias = Float64Array.from({ length: V }, (_, j) => (j < 16 ? 20 : 0)); // peaked: tiles past the first are ~0
  const base = { n, d, vocab: V, chunk: 16, bias };
  it('τ = 0 is exact; τ > 0 stays within its stated bound', () => {
    const exact = linearCrossEntropy(H, W, t, base);
    const tau = 1e-3;
    const filtered = linearCrossEntropy(H, W, t, { ...base, filterThreshold: tau });
    expect(filtered.loss).toBe(exact.loss);
    // Bound: |ΔdH_ik| ≤ s·τ·Σ_j |W_jk| and |ΔdW_jk| ≤ s·τ·Σ_i |H_ik| (s = 1/n for 'mean').
    const s = 1 / n;
    let changed = false;
    for (let i = 0; i < n; i++)
      for (let k = 0; k < d; k++) {
        let bound = 0;
        for (let j = 0; j < V; j++) bound += Math.abs(W[j * d + k]!);
        const diff = Math.abs(filtered.dHidden[i * d + k]! - exact.dHidden[i * d + k]!);
        if (diff > 0) changed = true;
        expect(diff).toBeLessThanOrEqual(s * tau * bound);
      }
    for (let j = 0; j < V; j++)
      for (let k = 0; k < d; k++) {
        let bound = 0;
        for (let i = 0; i < n; i++) bound += Math.abs(H[i * d + k]!);
        expect(
          Math.abs(filtered.dWeight[j * d + k]! - exact.dWeight[j * d + k]!),
        ).toBeLessThanOrEqual(s * tau * bound);
      }
    expect(changed).toBe(true); // some tile was skipped
  });
});

describe('linearCrossEntropy: stability and edges', () => {
  const n = 5;
  const d = 3;
  const V = 9;
  const H = randomArray(n * d, 21, -1, 1);
  const W = randomArray(V * d, 22, -1, 1);
  const t = [0, 8, 3, 3, 1];
  it('a +1e6 shift of every logit (through the bias) changes nothing', () => {
    const a = linearCrossEntropy(H, W, t, { n, d, vocab: V, bias: new Float64Array(V), chunk: 4 });
    const c = linearCrossEntropy(H, W, t, {
      n,
      d,
      vocab: V,
      bias: new Float64Array(V).fill(1e6),
      chunk: 4,
    });
    expect(Math.abs((c.loss as number) - (a.loss as number))).toBeLessThan(1e-9);
    expect(gradError(c.dHidden, a.dHidden)).toBeLessThan(1e-9);
    expect(gradError(c.dWeight, a.dWeight)).toBeLessThan(1e-9);
  });

  it('a confident row keeps its loss and gradients to full relative accuracy (with smoothing, zLoss)', () => {
    // dyadic H and W: every logit is exact, whatever the summation order; z_t = 45, the
    // rest ≤ 8.4. With d = Σ e^(z − m) in one double, loss and dHidden were ~1e−2 off;
    // with zLoss, p·pz − 1 formed through pz − hot was 1.2e−14 off.
    const V2 = 50;
    const t2 = 17;
    const h = Float64Array.of(10, 1, 0.5, 0.25);
    const w = new Float64Array(V2 * 4);
    for (let j = 0; j < V2; j++)
      w.set(
        j === t2
          ? [4.5, 0, 0, 0]
          : [0.25 * ((j * 7) % 8) - 1, 0.125 * (j % 5), 0.25 * (j % 3), 0.5 * (j % 2)],
        j * 4,
      );
    const z = Array.from({ length: V2 }, (_, j) =>
      new D(h[0]!)
        .times(w[j * 4]!)
        .plus(new D(h[1]!).times(w[j * 4 + 1]!))
        .plus(new D(h[2]!).times(w[j * 4 + 2]!))
        .plus(new D(h[3]!).times(w[j * 4 + 3]!)),
    );
    const e = z.map((zj) => D.exp(zj.minus(z[t2]!)));
    const sum = e.reduce((a, v) => a.plus(v), new D(0));
    const lse = z[t2]!.plus(D.ln(sum));
    for (const [eps, zl] of [
      [0, 0],
      [0.1, 0],
      [0, 1e-4],
      [0.1, 1e-4],
    ] as const) {
      // q_j = (1 − ε)[j = t] + ε/V; ℓ = Σ q_j (lse − z_j) + zLoss·lse²; G_j = p_j − q_j + 2·zLoss·lse·p_j
      const q = (j: number) => new D(eps).div(V2).plus(j === t2 ? 1 - eps : 0);
      let loss = lse.pow(2).times(zl);
      for (let j = 0; j < V2; j++) loss = loss.plus(q(j).times(lse.minus(z[j]!)));
      const G = e.map((ej, j) => {
        const p = ej.div(sum);
        return p.minus(q(j)).plus(p.times(lse).times(2 * zl));
      });
      for (const chunk of [64, 16, 7]) {
        const what = `ε ${eps}, zLoss ${zl}, chunk ${chunk}`;
        const r = linearCrossEntropy(h, w, [t2], {
          n: 1,
          d: 4,
          vocab: V2,
          chunk,
          reduction: 'sum',
          labelSmoothing: eps,
          zLoss: zl,
        });
        expect(new D(r.loss as number).minus(loss).abs().div(loss).toNumber(), what).toBeLessThan(
          1e-13,
        );
        for (let k = 0; k < 4; k++) {
          let g = new D(0);
          for (let j = 0; j < V2; j++) g = g.plus(G[j]!.times(w[j * 4 + k]!));
          const err = new D(r.dHidden[k]!).minus(g).abs().div(g.abs()).toNumber();
          expect(err, `${what}, dHidden ${k}`).toBeLessThan(4e-15);
        }
        for (let j = 0; j < V2; j++) {
          const want = G[j]!.times(h[0]!);
          const err = new D(r.dWeight[j * 4]!).minus(want).abs().div(want.abs()).toNumber();
          expect(err, `${what}, dWeight ${j}`).toBeLessThan(4e-15);
        }
      }
    }
  });

  it('a class masked by bias −∞ gets no gradient and does not set the shift', () => {
    const b = new Float64Array(V);
    b[7] = -Infinity;
    const got = linearCrossEntropy(H, W, t, { n, d, vocab: V, bias: b, chunk: 2 });
    const Wm = W.filter((_, k) => Math.floor(k / d) !== 7);
    const tm = t.map((c) => (c > 7 ? c - 1 : c));
    const ref = linearCrossEntropy(H, Wm, tm, { n, d, vocab: V - 1, chunk: 2 });
    expect(rel(got.loss as number, ref.loss as number)).toBeLessThan(1e-14);
    expect(Array.from(got.dWeight.subarray(7 * d, 8 * d))).toEqual([0, 0, 0]);
    expect(got.dBias![7]).toBe(0);
    expect(gradError(got.dHidden, ref.dHidden)).toBeLessThan(1e-14);
  });

  it('a masked class of weight 0 takes no smoothing mass (finite loss, as crossEntropy)', () => {
    const b = new Float64Array(V);
    b[7] = -Infinity;
    const classWeight = new Float64Array(V).fill(1);
    classWeight[7] = 0;
    const o = { classWeight, labelSmoothing: 0.1 };
    const got = linearCrossEntropy(H, W, t, { n, d, vocab: V, bias: b, chunk: 4, ...o });
    const ref = materialized(H, W, b, t, n, d, V, o);
    expect(Number.isFinite(got.loss as number)).toBe(true);
    expect(rel(got.loss as number, ref.loss as number)).toBeLessThan(1e-14);
    expect(gradError(got.dHidden, ref.dH)).toBeLessThan(1e-14);
  });

  it('returnGrad: false has no gradients in its type, and refuses a non-boolean', () => {
    const only = linearCrossEntropy(H, W, t, { n, d, vocab: V, returnGrad: false });
    // @ts-expect-error: the loss-only result has no dHidden
    expect(only.dHidden).toBeUndefined();
    expect(() =>
      // @ts-expect-error: not a boolean
      linearCrossEntropy(H, W, t, { n, d, vocab: V, returnGrad: 'no' }),
    ).toThrow(SoftmaxKitError);
  });

  it('all-ignored batch: loss 0 and zero gradients; NaN loss when asked', () => {
    const ig = Array(n).fill(-100);
    const a = linearCrossEntropy(H, W, ig, { n, d, vocab: V });
    expect(a.loss).toBe(0);
    expect(a.dHidden.every((v) => v === 0) && a.dWeight.every((v) => v === 0)).toBe(true);
    expect(linearCrossEntropy(H, W, ig, { n, d, vocab: V, allIgnored: 'nan' }).loss).toBeNaN();
    expect(linearCrossEntropy(new Float64Array(0), W, [], { n: 0, d, vocab: V }).loss).toBe(0);
  });

  it('NaN in one row of hidden stays in that row', () => {
    const Hn = Float64Array.from(H);
    Hn[d] = Number.NaN; // row 1
    const got = linearCrossEntropy(Hn, W, t, { n, d, vocab: V, reduction: 'none' });
    const l = got.loss as Float64Array;
    expect(l[1]).toBeNaN();
    expect([0, 2, 3, 4].every((i) => Number.isFinite(l[i]!))).toBe(true);
    expect(Number.isFinite(got.dHidden[0]!) && Number.isNaN(got.dHidden[d]!)).toBe(true);
  });

  it('a +∞ logit makes its row NaN (lse +∞), with and without smoothing; other rows keep their values', () => {
    // row 1's logits: 1e308·4 overflows to +∞ for class 0; 0.5 and −0.5 for the others
    const W3 = Float64Array.from([4, 0, 0, 1, 0, -1]);
    const H2 = Float64Array.from([0.1, 0.2, 1e308, 0.5]);
    for (const labelSmoothing of [0, 0.3, 1]) {
      const o = {
        n: 2,
        d: 2,
        vocab: 3,
        reduction: 'none',
        returnLse: true,
        labelSmoothing,
      } as const;
      const got = linearCrossEntropy(H2, W3, [2, 1], o);
      const alone = linearCrossEntropy(H2.subarray(0, 2), W3, [2], { ...o, n: 1 });
      const l = got.loss as Float64Array;
      expect(l[1]).toBeNaN();
      expect(got.lse![1]).toBe(Infinity);
      expect(l[0]).toBe((alone.loss as Float64Array)[0]);
      expect(got.lse![0]).toBe(alone.lse![0]);
      expect(Number.isNaN(got.dHidden[2]!) && Number.isNaN(got.dHidden[3]!)).toBe(true);
      expect(Array.from(got.dHidden.subarray(0, 2))).toEqual(Array.from(alone.dHidden));
    }
  });

  it('Float32 inputs give Float32 gradients within a few ulp of the double computation', () => {
    const H32 = Float32Array.from(H);
    const W32 = Float32Array.from(W);
    const got = linearCrossEntropy(H32, W32, t, { n, d, vocab: V, chunk: 4, returnLse: true });
    expect(got.dHidden).toBeInstanceOf(Float32Array);
    expect(got.dWeight).toBeInstanceOf(Float32Array);
    expect(got.lse).toBeInstanceOf(Float32Array);
    const ref = linearCrossEntropy(Float64Array.from(H32), Float64Array.from(W32), t, {
      n,
      d,
      vocab: V,
      chunk: 4,
    });
    for (let i = 0; i < n * d; i++) expect(got.dHidden[i]).toBe(Math.fround(ref.dHidden[i]!));
    for (let i = 0; i < V * d; i++) expect(got.dWeight[i]).toBe(Math.fround(ref.dWeight[i]!));
  });

  it('returnLse gives log Σ e^z per row', () => {
    const got = linearCrossEntropy(H, W, t, { n, d, vocab: V, chunk: 4, returnLse: true });
    const z = logitsOf(H, W, undefined, n, d, V);
    for (let i = 0; i < n; i++) {
      let s = new D(0);
      for (let j = 0; j < V; j++) s = s.plus(D.exp(new D(z[i * V + j]!)));
      expect(rel(got.lse![i]!, D.ln(s).toNumber())).toBeLessThan(1e-14);
    }
    expect('lse' in linearCrossEntropy(H, W, t, { n, d, vocab: V })).toBe(false);
    expect('dBias' in linearCrossEntropy(H, W, t, { n, d, vocab: V })).toBe(false);
  });

  it('does not mutate its inputs', () => {
    const Hc = Float64Array.from(H);
    const Wc = Float64Array.from(W);
    const tc = [...t];
    linearCrossEntropy(H, W, t, { n, d, vocab: V, softcap: 1, labelSmoothing: 0.1 });
    expect(H).toEqual(Hc);
    expect(W).toEqual(Wc);
    expect(t).toEqual(tc);
  });

  it('bad input throws SoftmaxKitError with the right code', () => {
    const o = { n, d, vocab: V };
    expect(code(() => linearCrossEntropy(H, W, t, { ...o, n: 4 }))).toBe('SHAPE_MISMATCH');
    expect(code(() => linearCrossEntropy(H, W.subarray(1), t, o))).toBe('SHAPE_MISMATCH');
    expect(code(() => linearCrossEntropy(H, W, t, { ...o, bias: [1, 2] }))).toBe('SHAPE_MISMATCH');
    expect(code(() => linearCrossEntropy(H, W, t, { ...o, classWeight: [1, 2] }))).toBe(
      'SHAPE_MISMATCH',
    );
    const nanWeight = new Float64Array(V).fill(1);
    nanWeight[2] = Number.NaN;
    expect(code(() => linearCrossEntropy(H, W, t, { ...o, classWeight: nanWeight }))).toBe(
      'NON_FINITE_PARAMETER',
    );
    expect(code(() => linearCrossEntropy(H, W, [0, 1], o))).toBe('SHAPE_MISMATCH');
    expect(code(() => linearCrossEntropy(H, W, [0, 9, 1, 1, 1], o))).toBe('TARGET_OUT_OF_RANGE');
    expect(code(() => linearCrossEntropy(H, W, t, { ...o, d: 2.5 }))).toBe('INVALID_PARAMETER');
    expect(code(() => linearCrossEntropy(H, W, t, { ...o, chunk: 0 }))).toBe('INVALID_PARAMETER');
    expect(code(() => linearCrossEntropy(H, W, t, { ...o, vocab: Number.NaN }))).toBe(
      'NON_FINITE_PARAMETER',
    );
    expect(code(() => linearCrossEntropy(H, W, t, { ...o, filterThreshold: -1 }))).toBe(
      'INVALID_PARAMETER',
    );
    expect(code(() => linearCrossEntropy(H, W, t, { ...o, softcap: -1 }))).toBe(
      'INVALID_PARAMETER',
    );
    // biome-ignore lint/suspicious/noExplicitAny: a bad input at runtime
    expect(code(() => linearCrossEntropy('h' as any, W, t, o))).toBe('INVALID_INPUT');
  });
});
