/**
 * The SIMD routing kernel (assembly/routing.ts through the 'wasm' backend) against the
 * JavaScript routing passes (src/kernels/routing-rows.ts with backend 'js'), on random
 * Float32 logits with ties, −∞ (single experts and whole rows), +∞ and NaN, every
 * router variant (softmax / sigmoid, bias, groups, k up to 16), on each build. The
 * softmax scores are the same kernel's on both sides, so everything must be identical;
 * sigmoid scores may differ by 1 ulp of float32 where the double sigmoid lies on a
 * rounding boundary (the module doc's ≤ ~2^−26 of entries), which these cases never meet.
 * The k ≤ 2 selection (assembly/top-k-lanes.ts) is also checked against a sort of the
 * returned scores, and the gate weights the kernel writes against the JavaScript
 * gateWeights and a direct double evaluation. Keeping neither the scores nor the picked
 * scores (topKGating's `scores: false` without a capacity) both backends give the same selection and weights, bit for bit, also
 * for the rows the kernel hands back (NaN, ±∞, a selection ending at an underflowed 0).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type RouteConfig, routeRows } from '../../../src/kernels/routing-rows.js';
import '../../../src/kernels/wasm/index.js';
import { loadWasmSync } from '../../../src/kernels/wasm/load.js';
import { enableRelaxedSimd, VARIANTS } from './helpers.js';

await enableRelaxedSimd();

/** Logits drawn from a few values (ties), with masks, and now and then +∞ or NaN. */
const logit = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: -6, max: 6 }).map((v) => v / 2) },
  { weight: 12, arbitrary: fc.float({ min: -30, max: 30, noNaN: true }) },
  { weight: 3, arbitrary: fc.constant(Number.NEGATIVE_INFINITY) },
  { weight: 1, arbitrary: fc.constantFrom(Number.POSITIVE_INFINITY, Number.NaN, -200, 200) },
);

const routerCase = fc
  .record({
    groups: fc.constantFrom(1, 1, 2, 4, 8),
    size: fc.integer({ min: 1, max: 9 }),
    rows: fc.integer({ min: 1, max: 12 }),
    sigmoid: fc.boolean(),
    biased: fc.boolean(),
    masked: fc.integer({ min: 0, max: 40 }),
  })
  .chain((drawn) => {
    const experts = drawn.groups * drawn.size;
    // ≥ 32 logits: where the JS passes' softmax is the wasm backend's too ('auto' takes it
    // from 32 elements on; below, the JS softmax's scores differ by ≤ 4 ulp)
    const c = { ...drawn, rows: Math.max(drawn.rows, Math.ceil(32 / experts)) };
    return fc.record({
      c: fc.constant(c),
      groupTop: fc.integer({ min: 1, max: c.groups }),
      kFrac: fc.double({ min: 0, max: 1, noNaN: true }),
      x: fc.array(logit, { minLength: c.rows * experts, maxLength: c.rows * experts }),
      bias: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), {
        minLength: experts,
        maxLength: experts,
      }),
    });
  });

function route(
  x: Float32Array,
  rows: number,
  cfg: RouteConfig,
  backend: 'js' | 'wasm',
  gate?: { renormalize: boolean; scale: number },
  keep = true,
) {
  const scores = new Float32Array(x.length);
  const indices = new Int32Array(rows * cfg.k);
  const picked = new Float64Array(rows * cfg.k);
  const weights = new Float32Array(rows * cfg.k);
  routeRows(
    x,
    rows,
    cfg,
    keep ? scores : undefined,
    indices,
    keep ? picked : undefined,
    backend,
    gate && { ...gate, weights },
  );
  return { scores, indices, picked, weights };
}

/** route's selection and weights keeping neither scores nor picked scores: the same bits, on both backends. */
function expectSameWithoutScores(
  x: Float32Array,
  rows: number,
  cfg: RouteConfig,
  gate: { renormalize: boolean; scale: number },
  kept: ReturnType<typeof route>,
): void {
  for (const backend of ['js', 'wasm'] as const) {
    const c = route(x, rows, cfg, backend, gate, false);
    expect(Array.from(c.indices)).toEqual(Array.from(kept.indices));
    expect(Array.from(c.weights)).toEqual(Array.from(kept.weights));
  }
}

/**
 * The k best experts of a row by a sort of its scores: score descending, at equal
 * scores an unmasked (finite logit) expert first, then the lower index.
 */
function sortedChoice(x: Float32Array, s: Float32Array, o: number, n: number, k: number) {
  const masked = (i: number) => (x[o + i] === Number.NEGATIVE_INFINITY ? 1 : 0);
  return Array.from({ length: n }, (_, i) => i)
    .sort((a, b) => s[o + b]! - s[o + a]! || masked(a) - masked(b) || a - b)
    .slice(0, k);
}

for (const variant of VARIANTS)
  describe(`routing kernel (${variant.name})`, () => {
    beforeAll(() => {
      loadWasmSync(variant);
    });

    it('identical to the JavaScript passes: scores, indices, picked scores, gate weights', () => {
      fc.assert(
        fc.property(routerCase, ({ c, groupTop, kFrac, x, bias }) => {
          const experts = c.groups * c.size;
          const eligible = c.size * groupTop;
          const k = Math.max(1, Math.min(16, Math.round(kFrac * eligible)));
          const logits = Float32Array.from(x);
          if (c.masked < c.rows)
            logits.fill(Number.NEGATIVE_INFINITY, c.masked * experts, (c.masked + 1) * experts);
          const cfg: RouteConfig = {
            experts,
            k,
            sigmoid: c.sigmoid,
            bias: c.biased ? Float64Array.from(bias) : undefined,
            groups: c.groups,
            groupTop,
          };
          const gate = { renormalize: c.biased, scale: 2.5 };
          const a = route(logits, c.rows, cfg, 'js', gate);
          const b = route(logits, c.rows, cfg, 'wasm', gate);
          expect(Array.from(b.indices)).toEqual(Array.from(a.indices));
          expect(Array.from(b.picked)).toEqual(Array.from(a.picked));
          expect(Array.from(b.scores)).toEqual(Array.from(a.scores));
          expect(Array.from(b.weights)).toEqual(Array.from(a.weights));
          expectSameWithoutScores(logits, c.rows, cfg, gate, b);
        }),
        { numRuns: 300 },
      );
    });

    it('k ≤ 2 (the lane selection): a sort of the scores; gate weights as the JavaScript passes', () => {
      const tieLogit = fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: -3, max: 3 }).map((v) => v / 2) },
        { weight: 4, arbitrary: fc.float({ min: -90, max: 30, noNaN: true }) },
        { weight: 2, arbitrary: fc.constant(Number.NEGATIVE_INFINITY) },
      );
      const lanesCase = fc
        .record({
          experts: fc.integer({ min: 1, max: 70 }),
          rows: fc.integer({ min: 1, max: 9 }),
          k: fc.constantFrom(1, 2),
          sigmoid: fc.boolean(),
          renormalize: fc.boolean(),
          scale: fc.constantFrom(1, 2.5, 0.3),
        })
        .filter((c) => c.k <= c.experts)
        // ≥ 32 logits, so that the JS passes' softmax is the wasm kernel's (as above)
        .map((c) => ({ ...c, rows: Math.max(c.rows, Math.ceil(32 / c.experts)) }))
        .chain((c) =>
          fc.record({
            c: fc.constant(c),
            x: fc.array(tieLogit, {
              minLength: c.rows * c.experts,
              maxLength: c.rows * c.experts,
            }),
          }),
        );
      fc.assert(
        fc.property(lanesCase, ({ c, x }) => {
          const { experts: n, rows, k } = c;
          const logits = Float32Array.from(x);
          const cfg: RouteConfig = {
            experts: n,
            k,
            sigmoid: c.sigmoid,
            bias: undefined,
            groups: 1,
            groupTop: 1,
          };
          const gate = { renormalize: c.renormalize, scale: c.scale };
          const a = route(logits, rows, cfg, 'js', gate);
          const b = route(logits, rows, cfg, 'wasm', gate);
          expect(Array.from(b.indices)).toEqual(Array.from(a.indices));
          expect(Array.from(b.picked)).toEqual(Array.from(a.picked));
          expect(Array.from(b.weights)).toEqual(Array.from(a.weights));
          expectSameWithoutScores(logits, rows, cfg, gate, b);
          for (let r = 0; r < rows; r++) {
            const got = Array.from(b.indices.subarray(r * k, (r + 1) * k));
            expect(got).toEqual(sortedChoice(logits, b.scores, r * n, n, k));
            const p = got.map((i) => b.scores[r * n + i]!);
            const S = p.reduce((u, v) => u + v, 0);
            p.forEach((v, j) => {
              const want = c.renormalize ? (S === 0 ? 0 : (c.scale * v) / S) : c.scale * v;
              expect(Math.abs(b.weights[r * k + j]! - want)).toBeLessThanOrEqual(
                2 ** -23 * Math.abs(want),
              );
            });
          }
        }),
        { numRuns: 300 },
      );
    });

    it('large batches: DeepSeek-V3 and Mixtral shapes agree with the JavaScript passes', () => {
      let seed = 7;
      const rnd = () => {
        seed = (seed * 1103515245 + 12345) >>> 0;
        return seed / 2 ** 32;
      };
      for (const [rows, experts, k, sigmoid, groups, groupTop] of [
        [300, 64, 2, false, 1, 1],
        [200, 256, 8, true, 8, 4],
        [50, 160, 16, false, 1, 1],
      ] as const) {
        const x = Float32Array.from(
          { length: rows * experts },
          () => Math.round(rnd() * 40) / 8 - 2,
        );
        const bias = Float64Array.from({ length: experts }, () => (rnd() - 0.5) * 0.01);
        const cfg = { experts, k, sigmoid, bias: sigmoid ? bias : undefined, groups, groupTop };
        const a = route(x, rows, cfg, 'js');
        const b = route(x, rows, cfg, 'wasm');
        expect(Array.from(b.indices)).toEqual(Array.from(a.indices));
        expect(Array.from(b.picked)).toEqual(Array.from(a.picked));
        expect(Array.from(b.scores)).toEqual(Array.from(a.scores));
      }
    });
  });
