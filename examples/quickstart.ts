/**
 * The README's first tour, runnable. The test suite imports and runs every
 * example (test/examples.test.ts), so the README cannot drift from the code.
 */
import {
  logSoftmax,
  logSumExp,
  logSumExpFromState,
  logSumExpState,
  mergeLogSumExpStates,
  SoftmaxKitError,
  softmax,
  softmaxVjp,
} from '../src/index.js';

export function quickstart() {
  // A vector: number[] in, Float64Array out.
  const p = softmax([1, 2, 3]); // [0.0900, 0.2447, 0.6652]

  // A batch [2, 3] of Float32 logits, normalized along axis 0 instead of the last.
  const q = softmax(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3], axis: 0 });

  // Masking with −∞; a fully masked row gives zeros, never NaN.
  const masked = softmax([0, -Infinity, 0, -Infinity, -Infinity, -Infinity], { shape: [2, 3] });

  // Log-probabilities near 0 keep their relative accuracy.
  const lp = logSoftmax([0, -40]); // [−4.248e−18, −40]

  // The gradient: dx = Jᵀ·dy.
  const dx = softmaxVjp([1, 2, 3], [1, 0, 0]);

  // Streaming logsumexp: merge the online normalizer states of two shards.
  const state = mergeLogSumExpStates(logSumExpState([1, 2]), logSumExpState([3]));
  const lse = logSumExpFromState(state); // = logSumExp([1, 2, 3])[0]

  // Errors say what was expected and what was given, with a code.
  let code = '';
  try {
    softmax([1, 2, 3], { shape: [2, 2] });
  } catch (e) {
    if (e instanceof SoftmaxKitError) code = e.code; // 'SHAPE_MISMATCH'
  }
  return { p, q, masked, lp, dx, lse, lseDirect: logSumExp([1, 2, 3])[0], code };
}
