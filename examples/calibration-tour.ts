/**
 * The calibration functions' doc examples, runnable (test/examples.test.ts checks
 * what each comment says).
 */
import {
  aupr,
  auroc,
  brierScore,
  calibrationError,
  conformalCalibrate,
  energyScore,
  entropy,
  fitTemperature,
  fprAtTpr,
  margin,
  maxSoftmaxProbability,
  predictionSets,
  reliabilityDiagram,
  riskCoverage,
} from '../src/index.js';

export function calibrationTour() {
  const msp = maxSoftmaxProbability([2, 1, 0]); // [0.6652…]
  const gap = margin(new Float32Array([2, 1, 0, 0, 0, 0]), { shape: [2, 3] }); // Float32 [0.4205…, 0]
  const energy = energyScore([2, 1, 0], { temperature: 1 }); // [−2.4076…]
  const h = entropy([0, 0]); // [ln 2]
  const hp = entropy([0.5, 0.5], { input: 'probabilities' }); // [ln 2]

  // four rows, one of them wrong: over-confident logits want T > 1
  const fit = fitTemperature([4, 0, 0, 0, 4, 0, 4, 0, 0, 0, 0, 4], [0, 1, 1, 2], { shape: [4, 3] });

  const probs = [0.9, 0.1, 0.8, 0.2, 0.3, 0.7, 0.6, 0.4];
  const ce = calibrationError(probs, [0, 1, 1, 0], { shape: [4, 2], bins: 5 }); // ece 0.25
  const svg = reliabilityDiagram(probs, [0, 1, 1, 0], { shape: [4, 2], bins: 5 });

  const s = [0.1, 0.4, 0.35, 0.8];
  const y = [0, 0, 1, 1];
  const ranking = { auroc: auroc(s, y), aupr: aupr(s, y), fpr95: fprAtTpr(s, y, { tpr: 0.95 }) };
  const rc = riskCoverage([0.9, 0.8, 0.7, 0.6], [1, 1, 0, 1]); // risk [0, 0, 1/3, 1/4]
  const brier = brierScore([0.9, 0.1, 0.2, 0.8], [0, 0], { shape: [2, 2] }); // 0.65

  const cal = conformalCalibrate([0.7, 0.2, 0.1, 0.5, 0.3, 0.2, 0.2, 0.5, 0.3], [0, 1, 1], {
    shape: [3, 3],
    alpha: 0.25,
    method: 'aps',
  });
  const sets = predictionSets([0.6, 0.3, 0.1], cal, { shape: [1, 3] });
  return { msp, gap, energy, h, hp, fit, ce, svg, ranking, rc, brier, cal, sets };
}
