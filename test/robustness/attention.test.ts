/**
 * Robustness of attention, attentionVjp, linearAttention and linearAttentionVjp
 * (issue 15): arbitrary sizes, arrays and option objects → a sane result (the
 * documented output lengths; no NaN from finite inputs) or a SoftmaxKitError
 * naming the function; never another exception or a modified input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attention,
  attentionVjp,
  linearAttention,
  linearAttentionVjp,
} from '../../src/attention/index.js';
import {
  anyValue,
  check,
  dataArray,
  expectCleanOutcome,
  isFiniteData,
  options,
  validOrAny,
} from '../helpers/robust.js';

/** q, k, v, dOut for (queries, keys, dim) = (2, 3, 2) with valueDim 2 — mostly. */
const tensors = fc.tuple(
  dataArray({ minLength: 4, maxLength: 4 }),
  dataArray({ minLength: 6, maxLength: 6 }),
  dataArray({ minLength: 6, maxLength: 6 }),
  dataArray({ minLength: 4, maxLength: 4 }),
);

const SIZES = {
  dim: validOrAny(2, 1, 3),
  queries: validOrAny(2, 4),
  keys: validOrAny(3),
  heads: validOrAny(1, 2),
  batch: validOrAny(1),
};

const ATTENTION = options({
  ...SIZES,
  normalizer: validOrAny(
    'softmax',
    'ssmax',
    'sigmoid',
    'sparsemax',
    'sparseSoftmax',
    'entmax15',
    'softplusNorm',
    'gumbelSoftmax',
    'nope',
  ),
  normalizerOptions: fc.oneof(
    fc.constant(undefined),
    fc.record(
      {
        k: validOrAny(1, 2, 9),
        s: validOrAny(1, 0.5),
        reweight: validOrAny(3),
        seed: validOrAny(3),
      },
      { requiredKeys: [] },
    ),
    anyValue,
  ),
  causal: validOrAny(true, false),
  window: validOrAny(1, 2),
  scale: validOrAny(0.5, 1),
  blockSize: validOrAny(1, 2, 128, 1e9),
  keyLengths: validOrAny([3], [0], [4]),
  sinks: validOrAny([0.5], [1, 2]),
  returnLse: validOrAny(true, false),
  backend: validOrAny('auto', 'js'),
});

const LINEAR = options({
  ...SIZES,
  featureMap: validOrAny('elu+1', 'relu', 'cosformer'),
  causal: validOrAny(true, false),
  eps: validOrAny(0, 1e-6),
});

const RUNS = 600;

function noNaN(name: string, inputs: unknown[], outs: (ArrayLike<number> | undefined)[]): void {
  if (!inputs.every(isFiniteData)) return;
  if (inputs.some((a) => Array.from(a as ArrayLike<number>).some((v) => Math.abs(v) > 1e6))) return;
  for (const o of outs)
    if (o !== undefined)
      for (let i = 0; i < o.length; i++) expect(Number.isNaN(o[i]!), `${name} NaN`).toBe(false);
}

describe('robustness: attention (issue 15)', () => {
  it('attention and attentionVjp', () => {
    check(
      fc.tuple(tensors, ATTENTION),
      ([[q, k, v, dOut], o]) => {
        expectCleanOutcome(
          'attention',
          () => attention(q as never, k as never, v as never, o as never),
          [q, k, v, o],
          (r) => noNaN('attention', [q, k, v], [r.out, r.lse]),
        );
        expectCleanOutcome(
          'attentionVjp',
          () => attentionVjp(q as never, k as never, v as never, dOut as never, o as never),
          [q, k, v, dOut, o],
          (g) => noNaN('attentionVjp', [q, k, v, dOut], [g.dq, g.dk, g.dv]),
        );
      },
      RUNS,
    );
  });

  it('linearAttention and linearAttentionVjp', () => {
    check(
      fc.tuple(tensors, LINEAR),
      ([[q, k, v, dOut], o]) => {
        expectCleanOutcome(
          'linearAttention',
          () => linearAttention(q as never, k as never, v as never, o as never),
          [q, k, v, o],
        );
        expectCleanOutcome(
          'linearAttentionVjp',
          () => linearAttentionVjp(q as never, k as never, v as never, dOut as never, o as never),
          [q, k, v, dOut, o],
        );
      },
      RUNS,
    );
  });
});
