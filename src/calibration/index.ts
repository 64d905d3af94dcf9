/**
 * softmax-kit/calibration: uncertainty scores from logits, temperature scaling,
 * calibration errors and reliability diagrams, OOD and selective-prediction
 * metrics, conformal prediction sets. This file only re-exports.
 */

export type { Binning, CalibrationBin, Norm } from './bins.js';
export { type BrierScoreOptions, brierScore } from './brier.js';
export {
  type BootstrapInterval,
  type BootstrapOptions,
  type CalibrationErrorOptions,
  type CalibrationErrorResult,
  calibrationError,
} from './calibration-error.js';
export {
  type ConformalCalibrateOptions,
  type ConformalCalibration,
  type ConformalMethod,
  type ConformalScoreOptions,
  conformalCalibrate,
  type PredictionSets,
  type PredictionSetsOptions,
  predictionSets,
} from './conformal.js';
export { type EntropyOptions, entropy } from './entropy.js';
export type { BinaryLabels, ClassAxisOptions, ClassLabels } from './inputs.js';
export { aupr, auroc, type FprAtTprOptions, fprAtTpr, type NoOptions } from './ranking.js';
export { type ReliabilityDiagramOptions, reliabilityDiagram } from './reliability-diagram.js';
export { type RiskCoverage, riskCoverage } from './risk-coverage.js';
export {
  energyScore,
  margin,
  maxLogit,
  maxSoftmaxProbability,
  type ScoreOptions,
  type TemperatureScoreOptions,
} from './scores.js';
export { type FitTemperatureOptions, fitTemperature, type TemperatureFit } from './temperature.js';
export {
  type FitVectorScalingOptions,
  fitVectorScaling,
  type VectorScalingFit,
} from './vector-scaling.js';
