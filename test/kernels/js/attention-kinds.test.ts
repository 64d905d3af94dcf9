import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { onlineKind } from '../../../src/kernels/js/attention-kinds.js';
import { D, relError } from '../../helpers/reference.js';

/** Fold a row in tiles with the kind's online form; return y = w / D. */
function online(name: string, x: number[], tile: number, eps = 1e-8): number[] {
  const kind = onlineKind(name)!;
  let m = kind.floor;
  let l = 0;
  const w: number[] = [];
  for (let t = 0; t < x.length; t += tile) {
    const part = Float64Array.from(x.slice(t, t + tile));
    if (kind.rescaled) {
      const mNew = Math.max(m, ...part);
      if (mNew !== m && m !== -Infinity) {
        const a = Math.exp(m - mNew);
        l *= a;
        for (let i = 0; i < w.length; i++) w[i]! *= a;
      } else if (m === -Infinity) for (let i = 0; i < w.length; i++) w[i] = 0;
      m = mNew;
    }
    if (m === -Infinity)
      part.fill(0); // nothing visible yet (foldKeys skips such rows)
    else l += kind.weights(part, 0, part.length, kind.rescaled ? m : 0);
    w.push(...part);
  }
  const den = kind.normalized ? kind.denominator(m, l, eps) : 1;
  return w.map((wi) => (den === 0 ? 0 : wi / den));
}

/** softpick in 60-digit arithmetic: relu(eˣ − 1) / (Σ_visible |eˣ − 1| + eps). */
function refSoftpick(x: number[], eps = 1e-8) {
  let den = new D(eps);
  const expm1 = (v: number) => {
    const d = new D(v);
    return Math.abs(v) < 1e-10 ? d.plus(d.pow(2).div(2)).plus(d.pow(3).div(6)) : D.exp(d).minus(1);
  };
  const e = x.map((v) => (v === -Infinity ? null : expm1(v)));
  for (const t of e) if (t !== null) den = den.plus(t.abs());
  return e.map((t) => (t === null || t.lte(0) ? new D(0) : t.div(den)));
}

describe('softpick online form', () => {
  it('tile by tile equals the closed form, from tiny to huge logits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -800, max: 800, noNaN: true }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 5 }),
        (x, tile) => {
          const y = online('softpick', x, tile);
          const ref = refSoftpick(x);
          for (let i = 0; i < x.length; i++) {
            // relative for outputs that matter; an output < 1e-300 of the row is noise-free 0 or subnormal
            if (ref[i]!.lt(1e-300)) expect(y[i]!).toBeLessThan(1e-290);
            else expect(relError(y[i]!, ref[i]!)).toBeLessThan(1e-13);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('near 0 there is no cancellation (e^x − 1 through expm1)', () => {
    const y = online('softpick', [1e-12, -1e-12, 2e-12], 1, 0);
    const ref = refSoftpick([1e-12, -1e-12, 2e-12], 0);
    expect(relError(y[0]!, ref[0]!)).toBeLessThan(1e-14);
    expect(relError(y[2]!, ref[2]!)).toBeLessThan(1e-14);
  });

  it('masked keys are absent, not |0 − 1| = 1 in the denominator', () => {
    const a = online('softpick', [1, -Infinity, 0.5], 2);
    const b = online('softpick', [1, 0.5], 2);
    expect(a[0]).toBe(b[0]);
    expect(a[1]).toBe(0);
  });

  it('a +∞ logit takes the limit: the +∞ keys share the row', () => {
    expect(online('softpick', [1, Infinity, Infinity], 1)).toEqual([0, 0.5, 0.5]);
    expect(online('softmax', [1, Infinity, 2], 2)).toEqual([0, 1, 0]);
  });
});

describe('softpick weights and grads, entry by entry', () => {
  const kind = onlineKind('softpick')!;
  it('a NaN logit makes its weight and the row sum NaN', () => {
    const x = Float64Array.of(0.5, Number.NaN, -0.25);
    expect(kind.weights(x, 0, 3, 0.5)).toBeNaN();
    expect(x[1]).toBeNaN();
  });
  it('at x = 0 the weight and the gradient are 0; x > 0 and x < 0 take their own forms', () => {
    const x = Float64Array.of(0, 0.5, -0.5);
    const g = Float64Array.of(2, 2, 2);
    const [L, delta] = [0.1, 0.75];
    kind.grads(x, g, 0, 3, L, delta);
    expect([x[0], g[0]]).toEqual([0, 0]);
    const e = (v: number) => Math.exp(v - L);
    expect(x[1]).toBeCloseTo(-e(0.5) * Math.expm1(-0.5), 15);
    expect(g[1]).toBeCloseTo(e(0.5) * (2 - delta), 15);
    expect(x[2]).toBe(0);
    expect(g[2]).toBeCloseTo(e(-0.5) * delta, 15);
  });
});

describe('the other kinds', () => {
  it('softmax online equals softmax in 60 digits', () => {
    const x = [3, -1, 700, 699.5, -Infinity];
    const y = online('softmax', x, 2);
    const e = x.map((v) => (v === -Infinity ? new D(0) : D.exp(new D(v).minus(700))));
    const s = e.reduce((a, b) => a.plus(b), new D(0));
    for (let i = 0; i < x.length; i++)
      if (!e[i]!.isZero()) expect(relError(y[i]!, e[i]!.div(s))).toBeLessThan(1e-15);
  });

  it('softplusNorm, reluNorm, sigmoid and relu stay finite at extreme logits', () => {
    const x = [-1e308, -800, 0, 800, 1e300];
    for (const name of ['softplusNorm', 'reluNorm', 'sigmoid', 'relu'])
      expect(online(name, x, 2).every(Number.isFinite)).toBe(true);
    expect(online('sigmoid', [-800, 0, 800], 3)).toEqual([0, 0.5, 1]);
  });

  it('a row of all-masked keys gives zeros', () => {
    for (const name of ['softmax', 'softpick', 'softplusNorm', 'reluNorm', 'sigmoid', 'relu'])
      expect(online(name, [-Infinity, -Infinity], 1)).toEqual([0, 0]);
  });

  it('only the online names are kinds', () => {
    expect(onlineKind('sparsemax')).toBeUndefined();
    expect(onlineKind('toString')).toBeUndefined();
    expect(onlineKind('ssmax')?.rescaled).toBe(true);
  });
});

/** Each kind's weights/D in 60 digits (f(x)/Σf, or f(x) for the unnormalized kinds). */
function refKind(name: string, x: readonly InstanceType<typeof D>[], eps: number) {
  const exp = (v: InstanceType<typeof D>) => D.exp(v);
  const relu = (v: InstanceType<typeof D>) => (v.gt(0) ? v : new D(0));
  const f: Record<string, (v: InstanceType<typeof D>) => InstanceType<typeof D>> = {
    softmax: exp,
    softpick: (v) => relu(exp(v).minus(1)),
    softplusNorm: (v) => D.ln(exp(v).plus(1)),
    reluNorm: relu,
    sigmoid: (v) => new D(1).div(exp(v.neg()).plus(1)),
    relu,
  };
  const w = x.map(f[name]!);
  if (name === 'sigmoid' || name === 'relu') return w;
  const den =
    name === 'softpick'
      ? x.reduce((a, v) => a.plus(exp(v).minus(1).abs()), new D(eps))
      : w.reduce((a, v) => a.plus(v), new D(0));
  return w.map((v) => v.div(den));
}

describe('the kinds’ grads: against central differences of the 60-digit map', () => {
  it('x ← weights/D and g ← dx = J(x)ᵀ·g, given L = log D and Δ = ⟨y, g⟩', () => {
    const x = [0.75, -1.5, 2.25, -0.25, 1.125];
    const g = [1, -0.5, 2, 0.25, -3];
    const eps = 0.01;
    const h = new D('1e-25');
    for (const name of ['softmax', 'softpick', 'softplusNorm', 'reluNorm', 'sigmoid', 'relu']) {
      const kind = onlineKind(name)!;
      const xd = x.map((v) => new D(v));
      const y = refKind(name, xd, eps);
      const delta = y.reduce((a, v, i) => a.plus(v.times(g[i]!)), new D(0));
      let L = 0;
      if (kind.normalized) {
        const w = Float64Array.from(x);
        L = Math.log(kind.denominator(0, kind.weights(w, 0, x.length, 0), eps));
      }
      const X = Float64Array.from(x);
      const G = Float64Array.from(g);
      kind.grads(X, G, 0, x.length, L, delta.toNumber());
      for (let j = 0; j < x.length; j++) {
        expect(relError(X[j]!, y[j]!), `${name} y ${j}`).toBeLessThan(1e-13);
        const at = (dx: InstanceType<typeof D>) =>
          refKind(
            name,
            xd.map((v, i) => (i === j ? v.plus(dx) : v)),
            eps,
          ).reduce((a, v, i) => a.plus(v.times(g[i]!)), new D(0));
        const want = at(h).minus(at(h.neg())).div(h.times(2));
        expect(new D(G[j]!).minus(want).abs().toNumber(), `${name} dx ${j}`).toBeLessThan(1e-13);
      }
    }
  });
});

describe('the kinds’ contract flags', () => {
  it('each kind carries its own name, whether it is normalized, rescaled, exponential, and its floor', () => {
    const flags = (name: string) => {
      const k = onlineKind(name)!;
      return [k.name, k.normalized, k.rescaled, k.exponential, k.floor];
    };
    expect(flags('softmax')).toEqual(['softmax', true, true, true, -Infinity]);
    expect(flags('ssmax')).toEqual(['ssmax', true, true, true, -Infinity]);
    expect(flags('softpick')).toEqual(['softpick', true, true, false, 0]);
    expect(flags('softplusNorm')).toEqual(['softplusNorm', true, false, false, 0]);
    expect(flags('reluNorm')).toEqual(['reluNorm', true, false, false, 0]);
    expect(flags('sigmoid')).toEqual(['sigmoid', false, false, false, 0]);
    expect(flags('relu')).toEqual(['relu', false, false, false, 0]);
    expect(onlineKind('sigmoid')!.denominator(3, 2, 1)).toBe(1);
    expect(onlineKind('relu')!.denominator(3, 2, 1)).toBe(1);
  });
});
