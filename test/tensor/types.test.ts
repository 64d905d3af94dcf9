/**
 * src/tensor/types.ts holds types only: nothing of it exists at run time, so these
 * checks are compile-time ones (`npm run typecheck` fails if a type drifts).
 */
import { describe, expectTypeOf, it } from 'vitest';
import type {
  ArrayInput,
  BackendName,
  FloatArray,
  ResultOf,
  RowOptions,
} from '../../src/tensor/types.js';

describe('types', () => {
  it('ResultOf keeps Float32Array and reads Float64Array and number[] as Float64Array', () => {
    expectTypeOf<ResultOf<Float32Array>>().toEqualTypeOf<Float32Array>();
    expectTypeOf<ResultOf<Float64Array>>().toEqualTypeOf<Float64Array>();
    expectTypeOf<ResultOf<number[]>>().toEqualTypeOf<Float64Array>();
    expectTypeOf<ResultOf<readonly number[]>>().toEqualTypeOf<Float64Array>();
    expectTypeOf<ResultOf<ArrayInput>>().toEqualTypeOf<FloatArray>();
  });
  it('the data and option types accept what the docs say and nothing else', () => {
    expectTypeOf<FloatArray>().toEqualTypeOf<Float32Array | Float64Array>();
    expectTypeOf<readonly number[]>().toExtend<ArrayInput>();
    expectTypeOf<Int32Array>().not.toExtend<ArrayInput>();
    expectTypeOf<BackendName>().toEqualTypeOf<'auto' | 'js' | 'wasm'>();
    expectTypeOf<{ shape: number[]; axis: number; backend: 'js' }>().toExtend<RowOptions>();
    expectTypeOf<{ backend: 'gpu' }>().not.toExtend<RowOptions>();
  });
});
