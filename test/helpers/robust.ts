/**
 * Generators and the outcome check of the robustness suites (test/robustness/):
 * every public function, fed arbitrary arrays, shapes and option objects —
 * misspelled keys, wrong types, null, NaN, ±∞, huge and tiny magnitudes — must
 * either return a sane result or throw a SoftmaxKitError with a code of the closed
 * set, naming the public function; never another exception, a hang, or a
 * modified input (issue 15).
 *
 * Reuse: build option objects with {@link options} from a table of value
 * generators per key, data with {@link dataArray}, and run each call through
 * {@link expectCleanOutcome} with a sanity check of the result.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { SoftmaxKitError, type SoftmaxKitErrorCode } from '../../src/tensor/errors.js';

/** The closed code set of SoftmaxKitError (src/tensor/errors.ts). */
export const ERROR_CODES: ReadonlySet<SoftmaxKitErrorCode> = new Set<SoftmaxKitErrorCode>([
  'INVALID_INPUT',
  'INVALID_SHAPE',
  'SHAPE_MISMATCH',
  'AXIS_OUT_OF_RANGE',
  'EMPTY_AXIS',
  'K_OUT_OF_RANGE',
  'TARGET_OUT_OF_RANGE',
  'NON_FINITE_PARAMETER',
  'INVALID_PARAMETER',
  'INVALID_OUT',
  'BACKEND_UNAVAILABLE',
]);

/** How many generated cases the suites in this process ran (for the report). */
export const counted = { cases: 0, results: 0, errors: 0 };

/** Run `numRuns` cases of a property, counting them. */
export function check<T>(arb: fc.Arbitrary<T>, run: (t: T) => void, numRuns: number): void {
  counted.cases += numRuns;
  fc.assert(
    fc.property(arb, (t) => {
      run(t);
    }),
    { numRuns, seed: 15 },
  );
}

// ---- values --------------------------------------------------------------

/** Doubles at the edges: ±0, ±∞, NaN, ±max, ±min normal and subnormal, and ordinary ones. */
export const edgeNumber: fc.Arbitrary<number> = fc.oneof(
  { weight: 3, arbitrary: fc.double({ min: -10, max: 10, noNaN: true }) },
  fc.constantFrom(
    0,
    -0,
    1,
    -1,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.NaN,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    1.7e308,
    -1.7e308,
    1e300,
    -1e300,
    2.2250738585072014e-308,
    5e-324,
    -5e-324,
    1e-310,
    3.4e38,
    -3.4e38,
  ),
  fc.double(),
);

/** Finite doubles only, edges included (huge and tiny magnitudes). */
export const finiteNumber: fc.Arbitrary<number> = edgeNumber.filter(Number.isFinite);

/** A value of any JavaScript type: what a caller might pass by mistake. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(undefined, null, true, false, '', 'abc', '3', Symbol.iterator, () => 1),
  edgeNumber,
  fc.constantFrom({}, [], [1, 'a'], { length: 3 }, new Uint8Array(2), new Int32Array(3), new Map()),
  fc.array(edgeNumber, { maxLength: 4 }),
);

/** Float32Array or Float64Array holding these values, or the plain number[]. */
export function asData(
  values: readonly number[],
  kind: 0 | 1 | 2,
): number[] | Float32Array | Float64Array {
  return kind === 0
    ? [...values]
    : kind === 1
      ? Float32Array.from(values)
      : Float64Array.from(values);
}

/** A data argument: mostly valid arrays of edge values, sometimes anything at all. */
export function dataArray(
  opts: { minLength?: number; maxLength?: number; values?: fc.Arbitrary<number> } = {},
): fc.Arbitrary<unknown> {
  const { minLength = 0, maxLength = 12, values = edgeNumber } = opts;
  const valid = fc
    .tuple(fc.array(values, { minLength, maxLength }), fc.constantFrom<0 | 1 | 2>(0, 1, 2))
    .map(([v, k]) => asData(v, k));
  return fc.oneof({ weight: 20, arbitrary: valid }, { weight: 1, arbitrary: anyValue });
}

/** A finite valid array of exactly `length` elements (the sanity checks' inputs). */
export function finiteArray(length: number): fc.Arbitrary<number[] | Float32Array | Float64Array> {
  return fc
    .tuple(
      fc.array(fc.double({ min: -30, max: 30, noNaN: true }), {
        minLength: length,
        maxLength: length,
      }),
      fc.constantFrom<0 | 1 | 2>(0, 1, 2),
    )
    .map(([v, k]) => asData(v, k));
}

/** A shape: mostly one whose product is `length`, else anything. */
export function shapeFor(length: number): fc.Arbitrary<unknown> {
  const divisors: number[][] = [[length]];
  for (let a = 1; a <= length; a++)
    if (length % a === 0) {
      divisors.push([a, length / a]);
      for (let b = 1; b <= length / a; b++)
        if ((length / a) % b === 0) divisors.push([a, b, length / a / b]);
    }
  return fc.oneof(
    { weight: 15, arbitrary: fc.constantFrom(...divisors) },
    fc.constantFrom([length + 1], [-1, -length], [0], [], [1.5], 3, null, 'x'),
  );
}

/** An axis: mostly in range for rank ≤ 3, sometimes out of range or not an integer. */
export const axisValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 15, arbitrary: fc.integer({ min: -1, max: 0 }) },
  { weight: 3, arbitrary: fc.integer({ min: -3, max: 2 }) },
  fc.constantFrom(3, -4, 0.5, Number.NaN, '0', null),
);

// ---- option objects ----------------------------------------------------------

/** Misspellings of a key: a letter dropped, doubled or swapped, case changed, snake_case. */
export function misspell(key: string): fc.Arbitrary<string> {
  const variants = new Set<string>();
  if (key.length > 1) variants.add(key.slice(1)).add(key.slice(0, -1));
  variants.add(`${key}s`).add(key.toLowerCase() === key ? key.toUpperCase() : key.toLowerCase());
  if (key.length > 2) variants.add(key[0] + key[2] + key[1] + key.slice(3));
  variants.add(key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
  variants.delete(key);
  return fc.constantFrom(...variants);
}

/**
 * Option objects for a function whose keys take values from `model` (one
 * generator per valid key, which should itself mix valid and invalid values):
 * mostly an object with some of those keys, sometimes with a misspelled or
 * unknown key added, sometimes undefined or not an object at all.
 */
export function options(model: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const keys = Object.keys(model);
  const base = fc.record(model, { requiredKeys: [] });
  const typo =
    keys.length === 0 ? fc.constant('bogus') : fc.constantFrom(...keys).chain((k) => misspell(k));
  const withTypo = fc
    .tuple(base, typo, anyValue)
    .map(([o, k, v]) => (Object.hasOwn(model, k) ? o : { ...o, [k]: v }));
  return fc.oneof(
    { weight: 10, arbitrary: base },
    { weight: 2, arbitrary: withTypo },
    { weight: 1, arbitrary: fc.constantFrom(undefined, null, 3, 'opts', [], new Float64Array(1)) },
  );
}

/** Mostly one of `valid`, sometimes any value (a wrong type or out of range). */
export function validOrAny<T>(...valid: T[]): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 15, arbitrary: fc.constantFrom(...valid) }, anyValue);
}

// ---- the outcome check -------------------------------------------------------------

function snapshot(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map(snapshot);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k !== 'out') // an `out` is written by design
        .map(([k, x]) => [k, snapshot(x)]),
    );
  return v;
}

/**
 * Run `call`: it must either return — then `sane(result)` checks the result — or
 * throw a SoftmaxKitError with a code of the closed set whose message begins with
 * `fn: `. Never another exception. `inputs` (arrays, option objects) must be left
 * unmodified either way (element by element, NaN equal to NaN).
 */
export function expectCleanOutcome<T>(
  fn: string,
  call: () => T,
  inputs: readonly unknown[],
  sane?: (result: T) => void,
): void {
  const before = inputs.map(snapshot);
  let result: T;
  try {
    result = call();
  } catch (e) {
    if (!(e instanceof SoftmaxKitError))
      throw new Error(`${fn} threw ${String(e)} (not a SoftmaxKitError)`, { cause: e });
    expect(ERROR_CODES.has(e.code), `${fn}: code ${e.code}`).toBe(true);
    expect(e.message.startsWith(`${fn}: `), `message "${e.message}" names ${fn}`).toBe(true);
    expect(inputs.map(snapshot), `${fn} modified an input before throwing`).toEqual(before);
    counted.errors++;
    return;
  }
  counted.results++;
  expect(inputs.map(snapshot), `${fn} modified an input`).toEqual(before);
  sane?.(result);
}

/** Every entry of a typed array or number[] finite. */
export function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

/**
 * Per-row sums of y laid out as `shape` (default [y.length]) along `axis`
 * (default −1): one sum per row of the normalized axis.
 */
export function rowSums(y: ArrayLike<number>, shape?: readonly number[], axis = -1): number[] {
  const s = shape ?? [y.length];
  const a = axis < 0 ? axis + s.length : axis;
  let outer = 1;
  for (let i = 0; i < a; i++) outer *= s[i]!;
  let inner = 1;
  for (let i = a + 1; i < s.length; i++) inner *= s[i]!;
  const n = s[a]!;
  const sums: number[] = [];
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < inner; j++) {
      let t = 0;
      for (let i = 0; i < n; i++) t += y[(o * n + i) * inner + j]!;
      sums.push(t);
    }
  return sums;
}

/** Whether a data argument is a valid array whose every entry is finite. */
export function isFiniteData(x: unknown): x is ArrayLike<number> {
  return (
    (Array.isArray(x) || x instanceof Float32Array || x instanceof Float64Array) &&
    (x as ArrayLike<unknown>).length > 0 &&
    Array.from(x as ArrayLike<unknown>).every((v) => typeof v === 'number' && Number.isFinite(v))
  );
}
