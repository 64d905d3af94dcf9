import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { topKGating, topKGatingNoiseVjp, topKGatingVjp } from '../../src/gating/top-k-gating.js';
import { initWasm } from '../../src/kernels/wasm/index.js';
import { normal } from '../../src/random/normal.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import { fdVjp, gradError, randomArray } from '../helpers/finite-difference.js';
import {
  deepseekRouter,
  mixtralRouter,
  positionCapacity,
  rows,
  sigmoidRow,
  softmaxRow,
} from './reference.js';

/**
 * Logits with many ties (small integers), others on a 1/64 grid (so distinct
 * logits never round to equal scores in one implementation and unequal ones in
 * the other), and some −∞.
 */
const tiedEntry = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -3, max: 3 }) },
  { weight: 4, arbitrary: fc.integer({ min: -512, max: 512 }).map((v) => v / 64) },
  { weight: 1, arbitrary: fc.constant(Number.NEGATIVE_INFINITY) },
);

function close(a: ArrayLike<number>, b: readonly number[], tol: number): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) {
    if (Number.isNaN(b[i]!)) expect(a[i]).toBeNaN();
    else expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i]!)));
  }
}

/**
 * The same experts with the same weights per token, ordered by weight descending
 * (ties by lower index); the order is compared on the library's own weights, since
 * the reference's sigmoid rounds differently by an ulp.
 */
function sameRouting(
  r: { indices: Int32Array; weights: ArrayLike<number> },
  ref: { indices: number[][]; weights: number[][] },
  k: number,
  tol: number,
): void {
  ref.indices.forEach((idx, t) => {
    const got = Array.from(r.indices.subarray(t * k, (t + 1) * k));
    expect([...got].sort((a, b) => a - b)).toEqual([...idx].sort((a, b) => a - b));
    for (let j = 0; j < k; j++) {
      const w = r.weights[t * k + j]!;
      const want = ref.weights[t]![idx.indexOf(got[j]!)]!;
      expect(Math.abs(w - want)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want)));
      if (j > 0) {
        const prev = r.weights[t * k + j - 1]!;
        expect(prev > w || (prev === w && got[j - 1]! < got[j]!)).toBe(true);
      }
    }
  });
}

describe('topKGating against Mixtral (softmax → topk → renormalize)', () => {
  it('agrees on random logits with ties and −∞', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(tiedEntry, { minLength: 72, maxLength: 72 }),
        fc.boolean(),
        (E, tokens, kRaw, pool, renormalize) => {
          const k = Math.min(kRaw, E);
          const x = pool.slice(0, tokens * E);
          if (x.length < tokens * E) return;
          const ref = mixtralRouter(rows(x, E), k, renormalize);
          const r = topKGating(x, { shape: [tokens, E], k, renormalize });
          expect(Array.from(r.indices)).toEqual(ref.indices.flat());
          close(r.weights, ref.weights.flat(), 1e-14);
          close(r.scores, ref.scores.flat(), 1e-14);
          expect(Array.from(r.dropped).every((d) => d === 0)).toBe(true);
          expect(r.counts.reduce((a, b) => a + b, 0)).toBe(tokens * k);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('Float32 in, Float32 out, within a few float32 ulp of the double reference', () => {
    const x = randomArray(6 * 8, 3, -5, 5);
    const ref = mixtralRouter(rows(x, 8), 2);
    const r = topKGating(Float32Array.from(x), { shape: [6, 8], k: 2 });
    expect(r.weights).toBeInstanceOf(Float32Array);
    expect(r.scores).toBeInstanceOf(Float32Array);
    expect(Array.from(r.indices)).toEqual(ref.indices.flat());
    close(r.weights, ref.weights.flat(), 4e-7);
  });

  it('scale multiplies, a fully masked token gets weights 0, NaN stays in its token', () => {
    const x = [1, 2, 3, -Infinity, -Infinity, -Infinity, 0, Number.NaN, 1];
    const r = topKGating(x, { shape: [3, 3], k: 2, scale: 2.5 });
    const p = softmaxRow([1, 2, 3]);
    close(
      r.weights.subarray(0, 2),
      [(2.5 * p[2]!) / (p[2]! + p[1]!), (2.5 * p[1]!) / (p[2]! + p[1]!)],
      1e-15,
    );
    expect(Array.from(r.weights.subarray(2, 4))).toEqual([0, 0]);
    expect(Array.from(r.scores.subarray(3, 6))).toEqual([0, 0, 0]);
    expect(Number.isNaN(r.weights[4]!) && Number.isNaN(r.weights[5]!)).toBe(true);
    expect(Array.from(r.indices.subarray(4, 6))).toEqual([0, 1]); // padded: every score is NaN
  });

  it('selects by score: logits that round to one score tie, lower index first', () => {
    // e^(5e-324 − 0) rounds to 1: experts 0 and 2 have equal scores, so 0 wins
    const r = topKGating([0, -1, 5e-324, -2], { k: 1 });
    expect(r.scores[0]).toBe(r.scores[2]);
    expect(Array.from(r.indices)).toEqual([0]);
    // a masked expert never wins a tie at score 0 against an underflowed one
    const u = topKGating([0, -Infinity, -800, -Infinity], { k: 2 });
    expect(Array.from(u.indices)).toEqual([0, 2]);
  });

  it('+∞ logits share the probability', () => {
    const r = topKGating([Infinity, 0, Infinity, 1], { k: 3 });
    expect(Array.from(r.scores)).toEqual([0.5, 0, 0.5, 0]);
    expect(Array.from(r.indices)).toEqual([0, 2, 1]);
    expect(Array.from(r.weights)).toEqual([0.5, 0.5, 0]);
  });

  it('rows of 256 experts and k = 16 (the largest k)', () => {
    const x = randomArray(3 * 256, 5, -4, 4);
    const ref = mixtralRouter(rows(x, 256), 16);
    const r = topKGating(x, { shape: [3, 256], k: 16 });
    expect(Array.from(r.indices)).toEqual(ref.indices.flat());
    close(r.weights, ref.weights.flat(), 1e-14);
  });

  it('leading axes count tokens', () => {
    const x = randomArray(2 * 3 * 4, 8);
    const a = topKGating(x, { shape: [2, 3, 4], k: 2 });
    const b = topKGating(x, { shape: [6, 4], k: 2 });
    expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
  });
});

describe('topKGating against DeepSeek-V3 (sigmoid, bias, groups, scale)', () => {
  it('agrees on random logits with ties and −∞', () => {
    fc.assert(
      fc.property(
        fc.constantFrom([8, 4, 2], [8, 2, 1], [12, 3, 2], [16, 8, 4], [6, 6, 3], [4, 1, 1]),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(tiedEntry, { minLength: 80, maxLength: 80 }),
        fc.array(fc.integer({ min: -2, max: 2 }), { minLength: 16, maxLength: 16 }),
        ([E, count, top], tokens, kRaw, pool, biasPool) => {
          const k = Math.min(kRaw, (E / count) * top);
          const x = pool.slice(0, tokens * E);
          const bias = biasPool.slice(0, E).map((b) => b / 4);
          const ref = deepseekRouter(rows(x, E), k, bias, count, top, 2.5);
          const r = topKGating(x, {
            shape: [tokens, E],
            k,
            scoring: 'sigmoid',
            bias,
            groups: { count, top },
            scale: 2.5,
          });
          sameRouting(r, ref, k, 1e-14);
          close(r.scores, ref.scores.flat(), 1e-15);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the bias moves the selection but not the weights', () => {
    const x = [0, 0.1, 0.2, 0.3];
    const r = topKGating(x, { k: 1, scoring: 'sigmoid', bias: [1, 0, 0, 0], renormalize: false });
    expect(r.indices[0]).toBe(0);
    expect(r.weights[0]).toBe(0.5);
  });
});

describe('topKGating capacity (Switch / GShard)', () => {
  it('matches the per-rank position cumsum on random routings', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 3 }),
        fc.double({ min: 0.1, max: 2, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        (E, tokens, kRaw, cf, seed) => {
          const k = Math.min(kRaw, E);
          const x = randomArray(tokens * E, seed);
          const r = topKGating(x, { shape: [tokens, E], k, capacityFactor: cf });
          const ref = mixtralRouter(rows(x, E), k);
          const cap = Math.ceil((cf * tokens * k) / E);
          const { dropped, counts } = positionCapacity(ref.indices, E, cap);
          expect(Array.from(r.dropped)).toEqual(dropped.flat());
          expect(Array.from(r.counts)).toEqual(counts);
          for (let j = 0; j < r.weights.length; j++)
            if (r.dropped[j]) expect(r.weights[j]).toBe(0);
            else expect(r.weights[j]).toBeCloseTo(ref.weights.flat()[j]!, 14);
          // counts and dropped agree: every slot is kept once or dropped
          const kept = r.counts.reduce((a, b) => a + b, 0);
          expect(kept + r.dropped.reduce((a, b) => a + b, 0)).toBe(tokens * k);
          for (const c of r.counts) expect(c).toBeLessThanOrEqual(cap);
        },
      ),
      { numRuns: 200 },
    );
  });

  // 4 tokens, 2 experts, k = 2, capacity ⌈0.5·4·2/2⌉ = 2 per expert.
  // token: first choice (score)   second choice
  //   0    e0 (0.6)               e1
  //   1    e1 (0.9)               e0
  //   2    e0 (0.95)              e1
  //   3    e0 (0.7)               e1
  const l = (p: number) => [Math.log(p), Math.log(1 - p)];
  const x = [...l(0.6), ...l(0.1), ...l(0.95), ...l(0.7)];
  const opts = { shape: [4, 2], k: 2, capacityFactor: 0.5 } as const;

  it('position: first choices first, in token order', () => {
    const r = topKGating(x, opts);
    expect(Array.from(r.indices)).toEqual([0, 1, 1, 0, 0, 1, 0, 1]);
    // first choices: e0 ← tokens 0, 2 (full), token 3 dropped; e1 ← token 1.
    // second choices: token 0 → e1 (kept: e1 now full), tokens 1, 2, 3 dropped.
    expect(Array.from(r.dropped)).toEqual([0, 0, 0, 1, 0, 1, 1, 1]);
    expect(Array.from(r.counts)).toEqual([2, 2]);
    expect(r.weights[6]).toBe(0);
    expect(r.weights[0]).toBeCloseTo(0.6, 15); // not renormalized again after the drops
  });

  it('probability: first choices first, each rank by score', () => {
    const r = topKGating(x, { ...opts, dropPolicy: 'probability' });
    // first choices by score: t2 (0.95, e0), t1 (0.9, e1), t3 (0.7, e0), t0 (0.6, e0 → full).
    // second choices by score: t0 (0.4, e1) kept, t3 (0.3) / t1 (0.1) / t2 (0.05) dropped.
    expect(Array.from(r.dropped)).toEqual([1, 0, 0, 1, 0, 1, 0, 1]);
    expect(Array.from(r.counts)).toEqual([2, 2]);
  });

  it('a capacity factor large enough drops nothing', () => {
    const r = topKGating(x, { ...opts, capacityFactor: 2 });
    expect(Array.from(r.dropped)).toEqual(new Array(8).fill(0));
  });
});

describe('topKGating noise (Shazeer et al.)', () => {
  it('adds N(0,1)·(softplus(noiseLogits) + 0.01) from the seed, reproducibly', () => {
    const x = randomArray(4 * 5, 11);
    const nl = randomArray(4 * 5, 12);
    const z = normal(7, 0, new Float64Array(20));
    const noisy = Array.from(x, (v, i) => v + z[i]! * (Math.log1p(Math.exp(nl[i]!)) + 0.01));
    const ref = mixtralRouter(rows(noisy, 5), 2);
    const r = topKGating(x, { shape: [4, 5], noise: { seed: 7, noiseLogits: nl } });
    expect(Array.from(r.indices)).toEqual(ref.indices.flat());
    close(r.weights, ref.weights.flat(), 1e-13);
    const again = topKGating(x, { shape: [4, 5], noise: { seed: 7, noiseLogits: nl } });
    expect(Array.from(again.weights)).toEqual(Array.from(r.weights));
  });

  it('std: N(0, std²); an omitted seed is fresh on each call', () => {
    const x = new Float64Array(64);
    const r = topKGating(x, { shape: [8, 8], k: 1, noise: { seed: 3, std: 0.5 } });
    const z = normal(3, 0, new Float64Array(64));
    const ref = mixtralRouter(
      rows(
        Array.from(z, (v) => 0.5 * v),
        8,
      ),
      1,
    );
    expect(Array.from(r.indices)).toEqual(ref.indices.flat());
    const a = topKGating(x, { shape: [8, 8], k: 1, noise: {} });
    const b = topKGating(x, { shape: [8, 8], k: 1, noise: {} });
    expect(Array.from(a.indices)).not.toEqual(Array.from(b.indices));
  });
});

describe('topKGatingVjp (selection held fixed) against central differences', () => {
  const cases: [string, object][] = [
    ['softmax, renormalized', { k: 2 }],
    ['softmax, not renormalized, scaled', { k: 3, renormalize: false, scale: 1.7 }],
    [
      'sigmoid, bias, groups',
      {
        k: 2,
        scoring: 'sigmoid',
        bias: [0.1, 0, -0.1, 0.2, 0, 0, 0.3, 0],
        groups: { count: 4, top: 2 },
        scale: 2.5,
      },
    ],
    ['with capacity drops', { k: 2, capacityFactor: 0.6 }],
    ['with noise', { k: 2, noise: { seed: 5, std: 0.3 } }],
  ];
  for (const [name, options] of cases)
    it(name, () => {
      const x = randomArray(5 * 8, name.length, -2, 2);
      const o = { shape: [5, 8], ...options };
      const k = (options as { k: number }).k;
      const dw = randomArray(5 * k, 99);
      const g = topKGatingVjp(x, dw, o);
      const fd = fdVjp((z) => topKGating(z, o).weights, x, dw);
      expect(gradError(g, fd)).toBeLessThan(1e-8);
      if ('capacityFactor' in options)
        expect(topKGating(x, o).dropped.some((d) => d === 1)).toBe(true);
    });

  it('masked entries and fully masked tokens get 0; Float32 stays Float32', () => {
    const x = [0, -Infinity, 1, 2, -Infinity, -Infinity, -Infinity, -Infinity];
    const g = topKGatingVjp(x, [1, 2, 3, 4], { shape: [2, 4], k: 2 });
    expect(Object.is(g[1], 0)).toBe(true);
    expect(Array.from(g.subarray(4))).toEqual([0, 0, 0, 0]);
    const h = topKGatingVjp(x, [1, 2, 3, 4], { shape: [2, 4], k: 2, scores: false });
    expect(Array.from(h)).toEqual(Array.from(g)); // the forward's options: scores changes nothing
    expect(topKGatingVjp(new Float32Array(4), [1, 1], { k: 2 })).toBeInstanceOf(Float32Array);
  });

  it('needs the forward seed with noise', () => {
    expect(() => topKGatingVjp([1, 2, 3], [1, 1], { noise: { std: 1 } })).toThrow(/noise\.seed/);
  });
});

describe('topKGatingNoiseVjp: the gradient for Shazeer’s learned noise scale', () => {
  for (const [name, options] of [
    ['softmax, renormalized', { k: 2 }],
    [
      'softmax, not renormalized, capacity drops',
      { k: 2, renormalize: false, capacityFactor: 0.6 },
    ],
    ['sigmoid, k = 3', { k: 3, scoring: 'sigmoid' }],
  ] as const)
    it(`${name}: against central differences in noiseLogits`, () => {
      const x = randomArray(5 * 8, 61, -2, 2);
      x[3] = -Infinity; // a masked expert has no gradient
      const nl = randomArray(5 * 8, 62, -3, 3);
      const k = options.k;
      const dw = randomArray(5 * k, 63);
      const o = (n: Float64Array) => ({
        shape: [5, 8],
        ...options,
        noise: { seed: 9, noiseLogits: n },
      });
      const g = topKGatingNoiseVjp(x, dw, o(nl));
      const fd = fdVjp((n) => topKGating(x, o(n)).weights, nl, dw);
      expect(gradError(g, fd)).toBeLessThan(1e-8);
      expect(g[3]).toBe(0);
      expect(g.some((v) => v !== 0)).toBe(true);
    });
  it('Float32 stays Float32; needs noise.noiseLogits and the seed', () => {
    const o = { k: 1, noise: { seed: 1, noiseLogits: [0, 0, 0] } };
    expect(topKGatingNoiseVjp(new Float32Array(3), [1], o)).toBeInstanceOf(Float32Array);
    expect(() => topKGatingNoiseVjp([1, 2, 3], [1], { k: 1, noise: { seed: 1, std: 1 } })).toThrow(
      /topKGatingNoiseVjp: expected noise: \{ seed, noiseLogits \}/,
    );
    expect(() =>
      topKGatingNoiseVjp([1, 2, 3], [1], { k: 1, noise: { noiseLogits: [0, 0, 0] } }),
    ).toThrow(/noise\.seed/);
  });
});

describe('topKGating options', () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(SoftmaxKitError);
      return (e as SoftmaxKitError).code;
    }
    return 'none';
  };
  it('rejects bad k, groups, bias, noise and unknown keys with the nearest name', () => {
    expect(code(() => topKGating([1, 2, 3], { k: 4 }))).toBe('K_OUT_OF_RANGE');
    expect(code(() => topKGating(new Float64Array(40), { k: 17, shape: [1, 40] }))).toBe(
      'K_OUT_OF_RANGE',
    );
    expect(code(() => topKGating([1, 2, 3, 4], { k: 3, groups: { count: 2, top: 1 } }))).toBe(
      'K_OUT_OF_RANGE',
    );
    expect(code(() => topKGating([1, 2, 3], { groups: { count: 2, top: 1 } }))).toBe(
      'INVALID_PARAMETER',
    );
    expect(code(() => topKGating([1, 2, 3, 4], { groups: { count: 2, top: 3 } }))).toBe(
      'INVALID_PARAMETER',
    );
    expect(code(() => topKGating([1, 2, 3], { bias: [1, 2] }))).toBe('SHAPE_MISMATCH');
    expect(code(() => topKGating([1, 2, 3], { bias: [1, Number.NaN, 2] }))).toBe(
      'NON_FINITE_PARAMETER',
    );
    expect(
      code(() => topKGating([1, 2, 3], { noise: { seed: 1, std: 1, noiseLogits: [0, 0, 0] } })),
    ).toBe('INVALID_PARAMETER');
    expect(code(() => topKGating([1, 2, 3], { noise: { seed: 1, noiseLogits: [0, 0] } }))).toBe(
      'SHAPE_MISMATCH',
    );
    expect(code(() => topKGating([1, 2, 3], { capacityFactor: 0 }))).toBe('INVALID_PARAMETER');
    expect(code(() => topKGating([1, 2, 3], { scores: 0 as never }))).toBe('INVALID_PARAMETER');
    expect(() => topKGating([1, 2, 3], { scorng: 'sigmoid' } as never)).toThrow(
      /did you mean 'scoring'/,
    );
    expect(() => topKGating([1, 2, 3], { noise: { sed: 1 } } as never)).toThrow(
      /did you mean 'noise.seed'/,
    );
    expect(code(() => topKGating([], { shape: [0, 0] }))).toBe('EMPTY_AXIS');
  });
  it('zero tokens give empty results', () => {
    const r = topKGating([], { shape: [0, 4] });
    expect(r.weights.length).toBe(0);
    expect(Array.from(r.counts)).toEqual([0, 0, 0, 0]);
  });
  it('sigmoid scores are the sigmoid of the logits', () => {
    const x = [-800, -3, 0, 2, 800];
    close(topKGating(x, { scoring: 'sigmoid' }).scores, sigmoidRow(x), 1e-16);
  });
});

describe('topKGating with the WebAssembly backend loaded (the scores by the SIMD softmax)', () => {
  beforeAll(async () => {
    await initWasm();
  });
  it('routes as the Mixtral reference, Float64 and Float32, ties and −∞ included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 8, max: 40 }),
        fc.array(tiedEntry, { minLength: 8 * 40, maxLength: 8 * 40 }),
        (tokens, x) => {
          const E = 8;
          const row = x.slice(0, tokens * E);
          const ref = mixtralRouter(rows(row, E), 3);
          const r = topKGating(row, { shape: [tokens, E], k: 3 });
          expect(Array.from(r.indices)).toEqual(ref.indices.flat());
          close(r.weights, ref.weights.flat(), 1e-14);
          const f = topKGating(Float32Array.from(row), { shape: [tokens, E], k: 3 });
          close(f.weights, ref.weights.flat(), 1e-6);
          const g = topKGating(Float32Array.from(row), { shape: [tokens, E], k: 3, scores: false });
          expect(g.scores).toBeUndefined(); // the rest: the same bits
          expect([g.weights, g.indices, g.counts].map((a) => Array.from(a))).toEqual(
            [f.weights, f.indices, f.counts].map((a) => Array.from(a)),
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});
