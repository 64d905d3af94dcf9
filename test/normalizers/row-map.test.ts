/**
 * The shared boundary of every normalizer (row-map.ts): options through the
 * options layer, `out` aliasing (exact: allowed and correct; partial: INVALID_OUT),
 * for every registry entry on both backends. Regressions of issue 15.
 */
import { describe, expect, it } from 'vitest';
import '../../src/kernels/wasm/index.js'; // registers the 'wasm' backend
import { entmaxAlphaGrad } from '../../src/normalizers/entmax.js';
import type { NormalizerEntry } from '../../src/normalizers/entry.js';
import { logSumExp } from '../../src/normalizers/log-sum-exp.js';
import { normalizers } from '../../src/normalizers/registry.js';
import { mathRowMax } from '../../src/normalizers/row-map.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';
import type { FloatArray } from '../../src/tensor/types.js';
import { randomArray } from '../helpers/finite-difference.js';

type AnyEntry = NormalizerEntry<Record<string, unknown>>;
const ENTRIES = Object.entries(normalizers) as [string, AnyEntry][];
/** Options an entry needs to run at all. */
const NEEDS: Record<string, Record<string, unknown>> = {
  sparseSoftmax: { k: 3 },
  gumbelSoftmax: { seed: 5 },
};
/** Entries with a WebAssembly kernel (the others take 'auto' or 'js' only). */
const WASM = new Set(['softmax', 'logSoftmax', 'ssmax', 'gumbelSoftmax', 'sparseSoftmax']);

function fail(f: () => unknown): SoftmaxKitError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SoftmaxKitError);
    return e as SoftmaxKitError;
  }
  throw new Error('expected a SoftmaxKitError');
}

const shape = [3, 4, 5];
const cases = (T: Float32ArrayConstructor | Float64ArrayConstructor) => [
  { x: T.from(randomArray(60, 1)), dy: T.from(randomArray(60, 2)), axis: -1 },
  { x: T.from(randomArray(60, 3)), dy: T.from(randomArray(60, 4)), axis: 1 },
];

describe.each(ENTRIES)('%s: out and options', (name, entry) => {
  const base = NEEDS[name] ?? {};
  const backends = WASM.has(name) ? (['js', 'wasm'] as const) : (['js'] as const);

  it.each(backends)(
    "out: x itself (exact aliasing) gives the fresh result, forward and vjp (backend '%s')",
    (backend) => {
      for (const T of [Float32Array, Float64Array])
        for (const { x, dy, axis } of cases(T)) {
          const o = { ...base, shape, axis, backend };
          const y = entry.forward(x, o);
          const inPlace = x.slice();
          expect(entry.forward(inPlace, { ...o, out: inPlace })).toBe(inPlace);
          expect(Array.from(inPlace)).toEqual(Array.from(y));
          const dx = entry.vjp(x, dy, o);
          const xs = x.slice();
          entry.vjp(xs, dy, { ...o, out: xs });
          expect(Array.from(xs)).toEqual(Array.from(dx));
          const dys = dy.slice();
          entry.vjp(x, dys, { ...o, out: dys });
          expect(Array.from(dys)).toEqual(Array.from(dx));
        }
    },
  );

  it('regression (issue 15): an out overlapping x or dy in part throws INVALID_OUT', () => {
    for (const T of [Float32Array, Float64Array]) {
      const buf = new T(70);
      const x = buf.subarray(0, 60);
      x.set(randomArray(60, 9));
      const before = Array.from(x);
      const out = buf.subarray(10, 70);
      const e = fail(() => entry.forward(x, { ...base, shape, out }));
      expect(e.code).toBe('INVALID_OUT');
      expect(e.message).toMatch(/overlaps x in part/);
      const dyBuf = new T(70);
      const dy = dyBuf.subarray(5, 65);
      expect(
        fail(() => entry.vjp(x, dy, { ...base, shape, out: dyBuf.subarray(0, 60) })).code,
      ).toBe('INVALID_OUT');
      expect(Array.from(x)).toEqual(before); // nothing written
    }
  });

  it('regression (issue 15): an unknown option names the nearest; null options and wrong types are SoftmaxKitErrors', () => {
    const e = fail(() => entry.forward([1, 2, 3], { ...base, axsi: 0 }));
    expect(e.code).toBe('INVALID_PARAMETER');
    expect(e.message).toMatch(/unknown option 'axsi' \(did you mean 'axis'\?\)/);
    expect(fail(() => entry.forward([1, 2, 3], null as never)).message).toMatch(
      new RegExp(`^${name}: expected options to be an object, got null`),
    );
    expect(fail(() => entry.vjp([1, 2, 3], null as never, base)).code).toBe('INVALID_INPUT');
    expect(fail(() => entry.forward(null as never, base)).code).toBe('INVALID_INPUT');
    expect(fail(() => entry.forward([1, 2, 3], { ...base, out: null })).code).toBe('INVALID_OUT');
    expect(fail(() => entry.forward([1, 2, 3], { ...base, shape: 3 })).code).toBe('INVALID_SHAPE');
    expect(fail(() => entry.forward([1, 2, 3], { ...base, backend: 'gpu' })).code).toBe(
      'INVALID_PARAMETER',
    );
  });
});

describe('reductions reject any sharing of out and x', () => {
  it('logSumExp and entmaxAlphaGrad', () => {
    const buf = new Float64Array(8);
    buf.set([1, 2, 3, 4, 5, 6]);
    const x = buf.subarray(0, 6);
    const out: FloatArray = buf.subarray(5, 7);
    expect(fail(() => logSumExp(x, { shape: [2, 3], out })).code).toBe('INVALID_OUT');
    expect(fail(() => entmaxAlphaGrad(x, x, { shape: [2, 3], out })).code).toBe('INVALID_OUT');
    expect(Array.from(logSumExp(x, { shape: [2, 3], out: buf.subarray(6, 8) }))).toEqual(
      Array.from(logSumExp([1, 2, 3, 4, 5, 6], { shape: [2, 3] })),
    );
  });
});

describe('result types follow the input (issue 15; checked by tsc)', () => {
  it('Float32Array in → Float32Array out; number[] and Float64Array → Float64Array', async () => {
    const m = await import('../../src/index.js');
    const f = new Float32Array([1, 2, 3]);
    const d = [1, 2, 3];
    const f32: Float32Array[] = [
      m.softmax(f),
      m.logSoftmax(f),
      m.sparsemax(f),
      m.entmax15(f),
      m.entmax(f),
      m.sparseSoftmax(f, { k: 1 }),
      m.ssmax(f),
      m.softpick(f),
      m.saSoftmax(f),
      m.softplusNorm(f),
      m.reluNorm(f),
      m.gumbelSoftmax(f),
      m.logSumExp(f),
      m.sparsemaxVjp(f, d),
      m.entmax15Vjp(f, d),
      m.entmaxVjp(f, d),
      m.entmaxAlphaGrad(f, d),
      m.sparseSoftmaxVjp(f, d, { k: 1 }),
      m.ssmaxVjp(f, d),
      m.softpickVjp(f, d),
      m.saSoftmaxVjp(f, d),
      m.softplusNormVjp(f, d),
      m.reluNormVjp(f, d),
      m.gumbelSoftmaxVjp(f, d, { seed: 1 }),
      m.logSumExpVjp(f, [1]),
    ];
    const f64: Float64Array[] = [m.sparsemax(d), m.entmax(new Float64Array(d)), m.logSumExp(d)];
    for (const y of f32) expect(y).toBeInstanceOf(Float32Array);
    for (const y of f64) expect(y).toBeInstanceOf(Float64Array);
  });
});

describe('reductions: the output drops the axis and never aliases an input', () => {
  it('entmaxAlphaGrad writes outer·inner values into out (axis 0 of [2, 3]: 3)', () => {
    const x = [0.5, 1, -1, 2, 0, 1.5];
    const out = new Float64Array(3);
    expect(entmaxAlphaGrad(x, [1, 2, 3, 4, 5, 6], { shape: [2, 3], axis: 0, out })).toBe(out);
  });
  it('an out that is exactly x is refused for a reduction (the kernel reads x after writing)', () => {
    const x = new Float64Array([0.5, 1, -1]);
    expect(() => logSumExp(x, { shape: [3, 1], out: x })).toThrow(
      'logSumExp: expected out to share no memory with x, got an out that overlaps it',
    );
    expect(() => entmaxAlphaGrad(x, [1, 2, 3], { shape: [3, 1], out: x })).toThrow(
      'entmaxAlphaGrad: expected out to share no memory with x, got an out that overlaps it',
    );
  });
  it('vjps name x and dy when out overlaps them in part', () => {
    const buf = new Float64Array(8);
    const x = buf.subarray(0, 4);
    const dy = buf.subarray(4, 8);
    expect(() => softmaxVjpOf(new Float64Array(4), dy, buf.subarray(2, 6))).toThrow(
      /overlaps dy in part/,
    );
    expect(() => softmaxVjpOf(x, new Float64Array(4), buf.subarray(2, 6))).toThrow(
      /overlaps x in part/,
    );
  });
});

function softmaxVjpOf(x: Float64Array, dy: Float64Array, out: Float64Array) {
  return normalizers.softmax!.vjp(x, dy, { out } as never);
}

describe('mathRowMax: the row left to the math, or the policy written', () => {
  const at = (a: number[], mode: 'mass' | 'gradient') => {
    // the row sits at offset 2 of a longer array; y starts at 7 everywhere
    const x = Float64Array.from([5, 5, ...a, 5]);
    const y = new Float64Array(x.length).fill(7);
    return { max: mathRowMax(x, 2, a.length, y, mode), y: Array.from(y) };
  };
  it('finite and fully masked rows: their max, y untouched', () => {
    for (const mode of ['mass', 'gradient'] as const) {
      expect(at([1, -Infinity, 3], mode)).toEqual({ max: 3, y: [7, 7, 7, 7, 7, 7] });
      expect(at([-Infinity, -Infinity], mode)).toEqual({ max: -Infinity, y: [7, 7, 7, 7, 7] });
    }
  });
  it('a NaN row: undefined, NaN written over the row only', () => {
    const r = at([1, Number.NaN], 'mass');
    expect(r.max).toBeUndefined();
    expect(r.y).toEqual([7, 7, Number.NaN, Number.NaN, 7]);
  });
  it('a row holding +∞: undefined, the shared mass or a zero gradient written', () => {
    expect(at([Infinity, 0, Infinity], 'mass')).toEqual({
      max: undefined,
      y: [7, 7, 0.5, 0, 0.5, 7],
    });
    expect(at([Infinity, 0, Infinity], 'gradient')).toEqual({
      max: undefined,
      y: [7, 7, 0, 0, 0, 7],
    });
  });
});
