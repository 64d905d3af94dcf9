/**
 * The normalizer tour of the README: every normalizer on small rows, as in
 * each function's @example. test/examples.test.ts checks the values against
 * closed forms.
 */
import {
  entmax,
  entmax15,
  gumbelSoftmax,
  reluNorm,
  saSoftmax,
  softpick,
  softplusNorm,
  sparsemax,
  sparseSoftmax,
  ssmax,
} from '../src/index.js';

export function normalizerTour() {
  return {
    sparsemax: sparsemax([0.1, 0.5, 0.9]), // [0, 0.3, 0.7]: exact zeros
    entmax15: entmax15([0, 0, 0, -10]), // [⅓, ⅓, ⅓, 0]
    entmaxAlpha2: entmax([0.1, 0.5, 0.9], { alpha: 2 }), // alpha = 2 is sparsemax
    entmaxPerRow: entmax([1, 2, 3, 4], { shape: [2, 2], alpha: [1.5, 3] }), // alpha per row
    sparseSoftmax: sparseSoftmax([1, 3, 2, 0], { k: 2 }), // softmax over the top 2
    gumbel: gumbelSoftmax([1, 2, 3], { tau: 0.5, seed: 7 }), // same sample on every run
    gumbelHard: gumbelSoftmax([1, 2, 3], { tau: 0.5, seed: 7, hard: true }), // its one-hot
    ssmax: ssmax([1, 2, 3]), // softmax(log(3)·x) = [1, 3, 9]/13
    softpick: softpick([1, 0, -1]), // rectified: rows may sum to < 1
    saSoftmax: saSoftmax([1, 2, 3]), // x·softmax(x)
    softplusNorm: softplusNorm([0, 0]), // [0.5, 0.5]
    reluNorm: reluNorm([1, -2, 3]), // [0.25, 0, 0.75]
  };
}
