/**
 * src/gating/index.ts only re-exports (the "./gating" subpath); each router and loss
 * is tested in its own file. Here: the subpath's names against the SPEC and the root,
 * and the result types that follow the options (checked by tsc).
 */
import { describe, expectTypeOf, it } from 'vitest';
import * as gating from '../../src/gating/index.js';
import { subpathChecks } from '../helpers/subpath.js';

describe('softmax-kit/gating', () => {
  subpathChecks(gating, 'gating');

  it("topKGating's scores: the logits' type by default, undefined with scores: false", () => {
    const x = new Float32Array(8);
    const o: gating.TopKGatingOptions = { k: 2 };
    expectTypeOf(gating.topKGating(x, { k: 2 }).scores).toEqualTypeOf<Float32Array>();
    expectTypeOf(gating.topKGating([1, 2], { scores: true }).scores).toEqualTypeOf<Float64Array>();
    expectTypeOf(gating.topKGating(x, { k: 2, scores: false }).scores).toEqualTypeOf<undefined>();
    expectTypeOf(gating.topKGating(x, o).scores).toEqualTypeOf<Float32Array | undefined>();
    expectTypeOf<gating.TopKGatingResult<Float32Array>['scores']>().toEqualTypeOf<Float32Array>();
  });
});
