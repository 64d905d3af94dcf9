/**
 * Every calibration export on arbitrary arrays and options: a correct-looking
 * result or a SoftmaxKitError — never a TypeError, a RangeError, a hang or NaN
 * where the contract says a number.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aupr,
  auroc,
  brierScore,
  calibrationError,
  conformalCalibrate,
  energyScore,
  entropy,
  fitTemperature,
  fitVectorScaling,
  fprAtTpr,
  margin,
  maxLogit,
  maxSoftmaxProbability,
  predictionSets,
  reliabilityDiagram,
  riskCoverage,
  SoftmaxKitError,
} from '../../src/index.js';

const anyValue = fc.oneof(
  fc.double(),
  fc.integer({ min: -3, max: 20 }),
  fc.constantFrom(
    undefined,
    null,
    true,
    false,
    'l1',
    'l2',
    'max',
    'uniform',
    'quantile',
    'lac',
    'aps',
    'raps',
    'probabilities',
    -100,
  ),
  fc.array(fc.integer({ min: -1, max: 6 }), { maxLength: 3 }),
  fc.record({ samples: fc.integer({ min: -1, max: 5 }), seed: fc.integer({ min: -1, max: 9 }) }),
);
const KEYS = [
  'shape',
  'axis',
  'temperature',
  'input',
  'ignoreIndex',
  'bins',
  'norm',
  'binning',
  'classwise',
  'debiased',
  'bootstrap',
  'tpr',
  'alpha',
  'method',
  'lambda',
  'kReg',
  'randomized',
  'seed',
  'out',
  'maxIterations',
  'tolerance',
  'title',
  'width',
  'tmperature',
];
const options = fc.oneof(
  fc.constant(undefined),
  fc.dictionary(fc.constantFrom(...KEYS), anyValue, { maxKeys: 3 }),
  fc.constantFrom(null, 3, 'x', [1]),
);
const numbers = fc.array(
  fc.oneof(
    fc.double({ min: -50, max: 50, noNaN: true }),
    fc.double(),
    fc.constantFrom(0, 1, 0.5, -Infinity),
  ),
  { maxLength: 12 },
);
const probs = fc.array(
  fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1)),
  { maxLength: 12 },
);
const labels = fc.oneof(
  fc.array(fc.integer({ min: -101, max: 4 }), { maxLength: 6 }),
  fc.array(fc.boolean(), { maxLength: 12 }),
  fc.constantFrom(undefined, 'x', [0.5]),
);

function clearAnswer(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    if (e instanceof SoftmaxKitError) return e;
    throw e;
  }
}

type Any = (...args: unknown[]) => unknown;
const call = (f: unknown, ...args: unknown[]) => clearAnswer(() => (f as Any)(...args));

describe('calibration exports: a result or a SoftmaxKitError', () => {
  it('scores', () => {
    fc.assert(
      fc.property(numbers, options, fc.boolean(), (x, o, f32) => {
        const input = f32 ? Float32Array.from(x) : x;
        for (const f of [maxSoftmaxProbability, margin, energyScore, maxLogit, entropy]) {
          const y = call(f, input, o);
          if (!(y instanceof SoftmaxKitError))
            expect(y instanceof Float32Array || y instanceof Float64Array).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });
  it('fitTemperature never gives NaN or a negative T', () => {
    fc.assert(
      fc.property(numbers, labels, options, (x, y, o) => {
        const r = call(fitTemperature, x, y, o);
        if (r instanceof SoftmaxKitError) return;
        const { temperature, nll } = r as { temperature: number; nll: number };
        expect(temperature >= 0).toBe(true);
        expect(Number.isNaN(nll)).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
  it('fitVectorScaling never gives NaN', () => {
    fc.assert(
      fc.property(numbers, labels, options, (x, y, o) => {
        const r = call(fitVectorScaling, x, y, o);
        if (r instanceof SoftmaxKitError) return;
        const { scales, biases, nll } = r as {
          scales: Float64Array;
          biases: Float64Array;
          nll: number;
        };
        expect([...scales, ...biases, nll].some(Number.isNaN)).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
  it('calibrationError, reliabilityDiagram, brierScore, conformal', () => {
    fc.assert(
      fc.property(probs, labels, options, (p, y, o) => {
        const ce = call(calibrationError, p, y, o);
        if (!(ce instanceof SoftmaxKitError)) {
          const { ece } = ce as { ece: number };
          expect(ece >= 0 && ece <= 1).toBe(true);
        }
        const svg = call(reliabilityDiagram, p, y, o);
        if (!(svg instanceof SoftmaxKitError)) expect(svg as string).not.toContain('NaN');
        const b = call(brierScore, p, y, o);
        // Σ_c (p_c − [c = y])² ≤ 2 for a probability row; these rows are only in [0, 1]^n
        // (not renormalized), where it is bounded by the row length n ≤ p.length
        if (!(b instanceof SoftmaxKitError))
          expect((b as number) >= 0 && (b as number) <= p.length).toBe(true);
        const q = call(conformalCalibrate, p, y, o);
        if (!(q instanceof SoftmaxKitError))
          call(predictionSets, p, q, { shape: (o as { shape?: unknown } | undefined)?.shape });
        call(predictionSets, p, 0.5, o);
      }),
      { numRuns: 150 },
    );
  });
  it('auroc, aupr, fprAtTpr, riskCoverage', () => {
    fc.assert(
      fc.property(numbers, labels, options, (s, y, o) => {
        for (const f of [auroc, aupr]) {
          const v = call(f, s, y);
          if (!(v instanceof SoftmaxKitError))
            expect((v as number) >= 0 && (v as number) <= 1).toBe(true);
        }
        call(fprAtTpr, s, y, o);
        const r = call(riskCoverage, s, y);
        if (!(r instanceof SoftmaxKitError))
          expect(Number.isNaN((r as { aurc: number }).aurc)).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
  it('well-shaped calls with arbitrary values and options', () => {
    const shaped = fc
      .record({ rows: fc.integer({ min: 1, max: 6 }), k: fc.integer({ min: 1, max: 4 }) })
      .chain(({ rows, k }) =>
        fc.record({
          shape: fc.constant([rows, k]),
          x: fc.array(
            fc.oneof(
              fc.double({ min: -1e6, max: 1e6, noNaN: true }),
              fc.constantFrom(-Infinity, 0, 1e300),
            ),
            {
              minLength: rows * k,
              maxLength: rows * k,
            },
          ),
          y: fc.array(fc.oneof(fc.integer({ min: 0, max: k - 1 }), fc.constant(-100)), {
            minLength: rows,
            maxLength: rows,
          }),
          extra: fc.dictionary(
            fc.constantFrom(...KEYS.filter((key) => key !== 'shape' && key !== 'out')),
            anyValue,
            { maxKeys: 2 },
          ),
        }),
      );
    fc.assert(
      fc.property(shaped, ({ shape, x, y, extra }) => {
        const o = { shape, ...extra };
        const fit = call(fitTemperature, x, y, o);
        if (!(fit instanceof SoftmaxKitError)) {
          const t = (fit as { temperature: number }).temperature;
          expect(t >= 0).toBe(true);
        }
        const p = call(maxSoftmaxProbability, x, o);
        if (!(p instanceof SoftmaxKitError))
          for (const v of p as Float64Array) expect(v >= 0 && v <= 1).toBe(true);
        const sm = x.map((v) => (v === -Infinity ? 0 : 1 / shape[1]!));
        const ce = call(calibrationError, sm, y, o);
        if (!(ce instanceof SoftmaxKitError))
          expect(Number.isNaN((ce as { ece: number }).ece)).toBe(false);
        call(conformalCalibrate, sm, y, o);
      }),
      { numRuns: 200 },
    );
  });
});
