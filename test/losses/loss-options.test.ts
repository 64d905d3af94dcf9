/**
 * The losses' options layer (issue 15): every public loss resolves its options
 * through src/tensor/options.ts — unknown keys name the nearest valid one, null and
 * wrong types are SoftmaxKitErrors naming the public function, `backend` is taken
 * only where a kernel runs it, sizes are checked before allocating.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  crossEntropy,
  decodeHistogram,
  distillationLoss,
  entmaxLoss,
  focalLoss,
  generalizedCrossEntropy,
  histogramCenters,
  hlGaussLoss,
  hlGaussTargets,
  linearCrossEntropy,
  maxSupLoss,
  pairwiseSoftmaxLoss,
  polyLoss,
  sampledSoftmaxLoss,
  sparsemaxLoss,
  sphericalZLoss,
  twoHotTargets,
} from '../../src/losses/index.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';

/** The thrown SoftmaxKitError (fails the test on anything else). */
function thrown(f: () => unknown): SoftmaxKitError {
  try {
    f();
  } catch (e) {
    if (e instanceof SoftmaxKitError) return e;
    throw new Error(`expected a SoftmaxKitError, got ${String(e)}`);
  }
  throw new Error('expected a SoftmaxKitError, got a result');
}

const x = [2, 0.5, -1];
// biome-ignore lint/suspicious/noExplicitAny: options are given wrong on purpose
type Call = (options?: any) => unknown;
/** Every public loss with a valid call; the options given are merged into its required ones. */
const CALLS: [string, Call][] = [
  ['crossEntropy', (o) => crossEntropy(x, [0], o)],
  ['focalLoss', (o) => focalLoss(x, [0], o)],
  ['polyLoss', (o) => polyLoss(x, [0], o)],
  ['generalizedCrossEntropy', (o) => generalizedCrossEntropy(x, [0], o)],
  ['maxSupLoss', (o) => maxSupLoss(x, [0], o)],
  ['sphericalZLoss', (o) => sphericalZLoss(x, [0], o)],
  ['sparsemaxLoss', (o) => sparsemaxLoss(x, [0], o)],
  ['entmaxLoss', (o) => entmaxLoss(x, [0], o)],
  ['pairwiseSoftmaxLoss', (o) => pairwiseSoftmaxLoss(x, [0], o)],
  ['sampledSoftmaxLoss', (o) => sampledSoftmaxLoss(x, [0], o)],
  ['distillationLoss', (o) => distillationLoss(x, [1, 0, 0], o)],
  [
    'linearCrossEntropy',
    (o) => linearCrossEntropy([1, 2], [1, 0, 0, 1, 1, 1], [0], { n: 1, d: 2, vocab: 3, ...o }),
  ],
  ['hlGaussLoss', (o) => hlGaussLoss(x, [0.5], { min: 0, max: 1, ...o })],
  ['hlGaussTargets', (o) => hlGaussTargets([0.5], { min: 0, max: 1, bins: 3, ...o })],
  ['twoHotTargets', (o) => twoHotTargets([0.5], { min: 0, max: 1, bins: 3, ...o })],
  ['decodeHistogram', (o) => decodeHistogram(x, { min: 0, max: 1, ...o })],
  ['histogramCenters', (o) => histogramCenters({ min: 0, max: 1, bins: 3, ...o })],
];

describe('every loss resolves its options through the one layer (issue 15)', () => {
  it.each(CALLS)(
    '%s: a valid call works; an unknown key names the function and the nearest',
    (fn, call) => {
      expect(() => call()).not.toThrow();
      const e = thrown(() => call({ shpe: [3] }));
      expect(e.code).toBe('INVALID_PARAMETER');
      expect(e.message).toMatch(new RegExp(`^${fn}: unknown option 'shpe'`));
      const noShape = ['histogramCenters', 'hlGaussTargets', 'twoHotTargets', 'linearCrossEntropy'];
      if (!noShape.includes(fn)) expect(e.message).toContain("did you mean 'shape'?");
    },
  );

  it("crossEntropy(x, t, { label_smoothing: 0.1 }) → did you mean 'labelSmoothing'?", () => {
    const e = thrown(() => crossEntropy(x, [0], { label_smoothing: 0.1 } as never));
    expect(e.message).toBe(
      "crossEntropy: unknown option 'label_smoothing' (did you mean 'labelSmoothing'?)",
    );
    expect(thrown(() => focalLoss(x, [0], { gama: 2 } as never)).message).toContain(
      "did you mean 'gamma'?",
    );
    expect(thrown(() => sampledSoftmaxLoss(x, [0], { num_sampled: 2 } as never)).message).toContain(
      "did you mean 'numSampled'?",
    );
  });

  it('null options, null option values and null data are SoftmaxKitErrors naming the function', () => {
    for (const [fn, call] of CALLS) {
      expect(thrown(() => call({ shape: null })).message.startsWith(`${fn}:`)).toBe(true);
      expect(thrown(() => call({ min: 'a', axis: 'x' })).message.startsWith(`${fn}:`)).toBe(true);
    }
    expect(thrown(() => crossEntropy(x, [0], { gradOut: null } as never)).code).toBe('INVALID_OUT');
    expect(thrown(() => crossEntropy(x, [0], null as never)).message).toMatch(
      /^crossEntropy: expected options to be an object, got null/,
    );
    expect(thrown(() => crossEntropy(null as never, [0])).code).toBe('INVALID_INPUT');
    expect(thrown(() => focalLoss(x, null as never)).code).toBe('INVALID_INPUT');
    expect(thrown(() => crossEntropy(x, [0], { weight: null } as never)).code).toBe(
      'INVALID_INPUT',
    );
    // biome-ignore lint/suspicious/noExplicitAny: called without its required options
    const lce = thrown(() => (linearCrossEntropy as any)([1], [1], [0]));
    expect(lce.message).toBe('linearCrossEntropy: expected n to be a number, got undefined');
    expect(thrown(() => histogramCenters(null as never)).message).toMatch(/^histogramCenters:/);
    expect(thrown(() => hlGaussLoss(x, [0.5], undefined as never)).message).toMatch(
      /^hlGaussLoss: expected min to be a number/,
    );
  });
});

describe('backend: taken where a kernel runs it, an unknown option elsewhere (issue 15)', () => {
  beforeAll(async () => {
    await (await import('../../src/kernels/wasm/index.js')).wasmReady;
  });

  it("focalLoss(x, t, { backend: 'gpu' }) and every loss without a kernel reject backend", () => {
    for (const [fn, call] of CALLS) {
      if (fn === 'crossEntropy' || fn === 'decodeHistogram') continue;
      const e = thrown(() => call({ backend: 'js' }));
      expect(e.message).toMatch(new RegExp(`^${fn}: unknown option 'backend'`));
    }
  });

  it('crossEntropy and decodeHistogram check it and run the chosen kernel', () => {
    for (const call of [CALLS[0]![1], CALLS[15]![1]])
      expect(thrown(() => call({ backend: 'gpu' })).code).toBe('INVALID_PARAMETER');
    const logits = Float64Array.from({ length: 256 }, (_, i) => Math.sin(i));
    const o = { shape: [4, 64], min: -1, max: 1 };
    const js = decodeHistogram(logits, { ...o, backend: 'js' });
    const wasm = decodeHistogram(logits, { ...o, backend: 'wasm' });
    for (let i = 0; i < 4; i++) expect(Math.abs(js[i]! - wasm[i]!)).toBeLessThan(1e-15);
    const out = new Float64Array(4);
    expect(decodeHistogram(logits, { ...o, out, backend: 'js' })).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(js));
    expect(thrown(() => decodeHistogram(logits, { ...o, out: new Float32Array(4) })).code).toBe(
      'INVALID_OUT',
    );
  });
});

describe('an option that does not apply is an error, not ignored (issue 15)', () => {
  it('crossEntropy: ignoreIndex with probability targets', () => {
    const e = thrown(() => crossEntropy(x, new Float64Array([1, 0, 0]), { ignoreIndex: 0 }));
    expect(e.message).toBe(
      'crossEntropy: expected no ignoreIndex with probability targets (it applies to class indices), got 0',
    );
    expect(() => crossEntropy(x, new Float64Array([1, 0, 0]))).not.toThrow();
  });
});

describe('messages name the public function (issue 15)', () => {
  it('hlGaussLoss and decodeHistogram, not hlGaussTargets and histogramCenters', () => {
    expect(thrown(() => hlGaussLoss(x, [0.5], { min: 1, max: 0 })).message).toMatch(
      /^hlGaussLoss: expected max > 1/,
    );
    expect(thrown(() => hlGaussLoss(x, [0.5], { min: 0, max: 1, sigma: -1 })).message).toMatch(
      /^hlGaussLoss: expected sigma > 0/,
    );
    expect(thrown(() => decodeHistogram(x, { min: 0, max: Number.NaN })).message).toMatch(
      /^decodeHistogram: expected max to be finite/,
    );
  });
});

describe('focalLoss α (issue 15)', () => {
  it("α = −1 is torchvision's 'no weighting' (= α 1); other negative α is rejected", () => {
    const t = [0, 2];
    const o = { shape: [2, 3], gamma: 2 };
    const logits = [2, 0.5, -1, 0.1, 0.2, 0.3];
    const none = focalLoss(logits, t, { ...o, alpha: -1 });
    const one = focalLoss(logits, t, { ...o, alpha: 1 });
    expect(none.loss).toBe(one.loss);
    expect(none.loss as number).toBeGreaterThan(0);
    expect(Array.from(none.grad)).toEqual(Array.from(one.grad));
    expect(thrown(() => focalLoss(logits, t, { ...o, alpha: -0.5 })).code).toBe(
      'INVALID_PARAMETER',
    );
    expect(thrown(() => focalLoss(logits, t, { ...o, alpha: [1, -1, 1] })).message).toMatch(
      /^focalLoss: expected alpha\[1\] >= 0/,
    );
  });
});

describe('sizes are checked before allocating (issue 15)', () => {
  it('sampledSoftmaxLoss: 200,000 draws work (no spread onto the stack); 1e9 is a clear error', () => {
    const r = sampledSoftmaxLoss([1, 2, 3, 4], [1], { numSampled: 200_000, seed: 3 });
    expect(Number.isFinite(r.loss as number)).toBe(true);
    expect(r.sampled.length).toBe(200_000);
    const e = thrown(() => sampledSoftmaxLoss([1, 2, 3, 4], [1], { numSampled: 1e9 }));
    expect(e.code).toBe('INVALID_PARAMETER');
    expect(e.message).toMatch(
      /^sampledSoftmaxLoss: expected numSampled <= 16777216, got 1000000000$/,
    );
  });

  it('histogramCenters({ bins: 1e10 }) and huge histograms are INVALID_PARAMETER, not RangeError', () => {
    expect(thrown(() => histogramCenters({ min: 0, max: 1, bins: 1e10 })).code).toBe(
      'INVALID_PARAMETER',
    );
    const e = thrown(() =>
      hlGaussTargets(new Float64Array(1 << 20), { min: 0, max: 1, bins: 1 << 9 }),
    );
    expect(e.message).toMatch(
      /^hlGaussTargets: expected values\.length × bins to be at most 2\^28/,
    );
    expect(thrown(() => twoHotTargets([0], { min: 0, max: 1, bins: 2 ** 29 })).code).toBe(
      'INVALID_PARAMETER',
    );
  });
});
