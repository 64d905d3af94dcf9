/**
 * The same toy attention through every normalizer: which keys each query looks
 * at, how sparse the weights are, and the attention-sink effect that softpick
 * removes. The test suite runs it (test/examples.test.ts).
 *
 * With v = the identity (valueDim = keys), out_i = Σ_j w_ij·e_j is the weight row
 * of query i itself, so the outputs are the attention weights.
 *
 * Query 0 matches key 2 strongly. Query 1 matches nothing (every score < 0):
 * softmax must still spend a total weight of 1 — spread over the keys, or, with a
 * sink logit, dumped on the sink (the "attention sink"). softpick, sigmoid and
 * ReLU may attend to (almost) nothing; sparsemax and entmax15 put exact zeros on
 * the keys that do not matter; LSSAR (softplusNorm with re-weighting) keeps only the
 * above-average weights of LSSA and sharpens them with a power.
 */
import { attention } from '../src/attention/attention.js';

/** Attention weights of [query 0 (matches key 2), query 1 (matches nothing)] per normalizer. */
export function attentionNormalizers(): Record<string, [number[], number[]]> {
  const keys = 6;
  // six keys in R^4: the four axes and two diagonals
  const k = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0.5, 0.5, 0, 0, 0, 0, 0.5, 0.5];
  const q = [0, 0, 6, 0, -1, -0.5, -1.5, -0.8];
  const v = Array.from({ length: keys * keys }, (_, i) => (i % (keys + 1) === 0 ? 1 : 0));
  const shape = { queries: 2, keys, dim: 4, valueDim: keys, scale: 1 };
  const variants: Record<string, object> = {
    softmax: { normalizer: 'softmax' },
    'softmax + sink': { normalizer: 'softmax', sinks: [2] },
    ssmax: { normalizer: 'ssmax' },
    softpick: { normalizer: 'softpick' },
    sigmoid: { normalizer: 'sigmoid' },
    softplusNorm: { normalizer: 'softplusNorm' },
    'softplusNorm + reweight (LSSAR)': {
      normalizer: 'softplusNorm',
      normalizerOptions: { reweight: 15 },
    },
    reluNorm: { normalizer: 'reluNorm' },
    relu: { normalizer: 'relu' },
    sparsemax: { normalizer: 'sparsemax' },
    entmax15: { normalizer: 'entmax15' },
  };
  const rows: Record<string, [number[], number[]]> = {};
  for (const [name, o] of Object.entries(variants)) {
    const { out } = attention(q, k, v, { ...shape, ...o });
    rows[name] = [Array.from(out.subarray(0, keys)), Array.from(out.subarray(keys))];
  }
  return rows;
}
