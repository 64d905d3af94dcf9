/**
 * The @examples of clippedSoftmax (Bondarenko et al. 2023) and
 * marginSoftmaxLoss (ArcFace, CosFace, ElasticFace), runnable;
 * test/examples.test.ts checks them.
 */
import { clippedSoftmax, marginSoftmaxLoss } from '../src/index.js';

export function clippedSoftmaxExamples() {
  return {
    plain: clippedSoftmax([2, 1, -3]), // softmax([2, 1, -3]), bit for bit
    zero: clippedSoftmax([2, 1, -3], { gamma: -0.03 }), // [0.719…, 0.245…, 0]: an exact zero
    one: clippedSoftmax([8, 0, 0], { zeta: 1.01, gamma: -0.01 }), // [1, 0, 0]
  };
}

export function marginLossExamples() {
  const cos = [0.8, 0.1, -0.3, 0.5, 0.7, 0.2]; // 2 rows × 3 classes of cosines
  return {
    arcFace: marginSoftmaxLoss(cos, [0, 1], { shape: [2, 3] }), // s = 64, m2 = 0.5
    cosFace: marginSoftmaxLoss(cos, [0, 1], { shape: [2, 3], m2: 0, m3: 0.35 }),
    elastic: marginSoftmaxLoss(cos, [0, 1], { shape: [2, 3], elastic: { std: 0.05, seed: 1 } }),
    noMargin: marginSoftmaxLoss(cos, [0, 1], { shape: [2, 3], m2: 0 }),
  };
}
