/**
 * The SPEC's public names by area (SPEC.md, "Public API contract"), and the checks
 * of a subpath's index file (src/<subpath>/index.ts), which only re-exports: it
 * holds the SPEC's names for its area, every value it exports is a function (or a
 * listed constant), and the package root exports each under the same name as the
 * very same value, so `softmax-kit` and `softmax-kit/<subpath>` agree.
 */
import { expect, it } from 'vitest';
import * as root from '../../src/index.js';

/** The registry's normalizers (alphabetical); each has `<name>Vjp` beside it. */
export const SPEC_NORMALIZERS = [
  'adaptiveTemperatureSoftmax',
  'clippedSoftmax',
  'entmax',
  'entmax15',
  'gumbelSoftmax',
  'logSoftmax',
  'reluNorm',
  'saSoftmax',
  'softmax',
  'softpick',
  'softplusNorm',
  'sparseSoftmax',
  'sparsemax',
  'ssmax',
] as const;

/** The SPEC's functions of each subpath. */
export const SPEC_SUBPATHS = {
  losses: [
    'crossEntropy',
    'linearCrossEntropy',
    'focalLoss',
    'sparsemaxLoss',
    'entmaxLoss',
    'sphericalZLoss',
    'maxSupLoss',
    'generalizedCrossEntropy',
    'marginSoftmaxLoss',
  ],
  attention: ['attention', 'attentionVjp'],
  gating: [
    'topKGating',
    'topKGatingVjp',
    'topPGating',
    'loadBalancingLoss',
    'routerZLoss',
    'softMoeWeights',
    'updateExpertBias',
  ],
  sampling: [
    'sample',
    'createSampler',
    'penalize',
    'softmaxTopK',
    'topKFilter',
    'topPFilter',
    'minPFilter',
    'typicalFilter',
    'epsilonFilter',
    'etaFilter',
    'topNSigmaFilter',
    'xtcFilter',
  ],
  calibration: [
    'fitTemperature',
    'calibrationError',
    'reliabilityDiagram',
    'brierScore',
    'maxSoftmaxProbability',
    'energyScore',
    'entropy',
    'margin',
    'maxLogit',
    'auroc',
    'aupr',
    'fprAtTpr',
    'riskCoverage',
  ],
} as const;

export function subpathChecks(
  module: Record<string, unknown>,
  area: keyof typeof SPEC_SUBPATHS,
  constants: readonly string[] = [],
): void {
  it(`exports the SPEC's ${area} functions`, () => {
    const missing = SPEC_SUBPATHS[area].filter((name) => typeof module[name] !== 'function');
    expect(missing).toEqual([]);
  });
  it('exports functions (and only the listed constants besides)', () => {
    const other = Object.entries(module)
      .filter(([name, v]) => typeof v !== 'function' && !constants.includes(name))
      .map(([name]) => name);
    expect(other).toEqual([]);
  });
  it('the package root exports every one of its names as the same value', () => {
    const r = root as Record<string, unknown>;
    const differ = Object.keys(module).filter((name) => r[name] !== module[name]);
    expect(differ).toEqual([]);
    expect(Object.keys(module).length).toBeGreaterThan(0);
  });
}
