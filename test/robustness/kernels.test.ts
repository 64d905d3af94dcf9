/**
 * Robustness of the kernel-level exports (issue 15): configure, initWasm, wasmArray,
 * freeWasmArray, wasmFeatures with arbitrary arguments → the documented result or a
 * SoftmaxKitError naming the function (initWasm: a rejection), never a TypeError or
 * RangeError.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  configure,
  freeWasmArray,
  initWasm,
  SoftmaxKitError,
  wasmArray,
  wasmFeatures,
} from '../../src/index.js';
import {
  anyValue,
  check,
  counted,
  edgeNumber,
  expectCleanOutcome,
  options,
  validOrAny,
} from '../helpers/robust.js';

const RUNS = 600;

describe('robustness: kernels (issue 15)', () => {
  afterAll(() => configure({ threads: 1 }));

  it('configure', () => {
    check(
      options({ threads: validOrAny(1) }),
      (o) =>
        expectCleanOutcome(
          'configure',
          () => configure(o as never),
          [o],
          (p) => expect(p).toBeInstanceOf(Promise),
        ),
      RUNS,
    );
  });

  it('wasmArray and freeWasmArray', () => {
    const type = validOrAny<unknown>(Float32Array, Float64Array);
    const length = fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 0, max: 64 }) },
      fc.constantFrom(2 ** 31, 2 ** 30, 2 ** 40, -1, 1.5), // beyond 4 GiB: rejected before allocating
      edgeNumber,
      anyValue,
    );
    check(
      fc.tuple(type, length, fc.boolean(), anyValue),
      ([t, n, freeTwice, junk]) => {
        let a: Float32Array | Float64Array | undefined;
        expectCleanOutcome(
          'wasmArray',
          () => (a = wasmArray(t as Float32ArrayConstructor, n as number)),
          [],
          (arr) => {
            expect(arr.length === n).toBe(true); // n may be −0
            expect(arr.every((v) => v === 0)).toBe(true);
          },
        );
        if (a !== undefined) {
          freeWasmArray(a);
          if (freeTwice) expectCleanOutcome('freeWasmArray', () => freeWasmArray(a!), []);
        }
        expectCleanOutcome('freeWasmArray', () => freeWasmArray(junk as never), [junk]);
      },
      RUNS,
    );
  });

  it('initWasm rejects bad options with a SoftmaxKitError; wasmFeatures answers', async () => {
    const cases = fc.sample(
      options({ relaxedSimd: validOrAny(false), sharedMemory: validOrAny(false) }),
      {
        numRuns: 200,
        seed: 15,
      },
    );
    counted.inputs += cases.length;
    counted.calls += cases.length;
    for (const o of cases) {
      try {
        await initWasm(o as never);
      } catch (e) {
        expect(e).toBeInstanceOf(SoftmaxKitError);
        expect((e as Error).message).toMatch(/^initWasm: /);
      }
    }
    expect(typeof wasmFeatures().simd).toBe('boolean');
  });
});
