/**
 * The SIMD routing kernel (assembly/routing.ts through the 'wasm' backend) against the
 * JavaScript routing passes (src/kernels/routing-rows.ts with backend 'js'), on random
 * Float32 logits with ties, −∞ (single experts and whole rows), +∞ and NaN, every
 * router variant (softmax / sigmoid, bias, groups, k up to 16), on each build. The
 * softmax scores are the same kernel's on both sides, so everything must be identical;
 * sigmoid scores may differ by 1 ulp of float32 where the double sigmoid lies on a
 * rounding boundary (the module doc's ≤ ~2^−26 of entries), which these cases never meet.
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

function route(x: Float32Array, rows: number, cfg: RouteConfig, backend: 'js' | 'wasm') {
  const scores = new Float32Array(x.length);
  const indices = new Int32Array(rows * cfg.k);
  const picked = new Float64Array(rows * cfg.k);
  routeRows(x, rows, cfg, scores, indices, picked, undefined, backend);
  return { scores, indices, picked };
}

for (const variant of VARIANTS)
  describe(`routing kernel (${variant.name})`, () => {
    beforeAll(() => {
      loadWasmSync(variant);
    });

    it('identical to the JavaScript passes: scores, indices, picked scores', () => {
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
          const a = route(logits, c.rows, cfg, 'js');
          const b = route(logits, c.rows, cfg, 'wasm');
          expect(Array.from(b.indices)).toEqual(Array.from(a.indices));
          expect(Array.from(b.picked)).toEqual(Array.from(a.picked));
          expect(Array.from(b.scores)).toEqual(Array.from(a.scores));
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
