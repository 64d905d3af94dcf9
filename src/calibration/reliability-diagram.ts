/**
 * reliabilityDiagram: the bins of {@link calibrationError} drawn as a
 * self-contained SVG string (DeGroot & Fienberg 1983; Guo et al. 2017, fig. 1):
 * a bar of accuracy per bin, the gap to the bin's mean confidence in red, the
 * diagonal of perfect calibration, each bin's count above its bar, and the ECE
 * in the title. Uniform bins are drawn at their ranges; quantile bins at their
 * [lowest, highest] confidence. Readable in a browser and in GitHub's Markdown
 * (drawing through src/plot/svg.ts).
 *
 * @example
 * const svg = reliabilityDiagram(probs, labels, { shape: [n, classes], title: 'before' });
 * writeFileSync('reliability.svg', svg);
 */
import { chart } from '../plot/svg.js';
import { SoftmaxKitError } from '../tensor/errors.js';
import { integerRule, resolveOptions, rule } from '../tensor/options.js';
import type { ArrayInput } from '../tensor/types.js';
import {
  CALIBRATION_RULES,
  type CalibrationErrorOptions,
  resolvedCalibrationError,
} from './calibration-error.js';
import type { ClassLabels } from './inputs.js';

/** Options of {@link reliabilityDiagram}: the binning of calibrationError plus the picture's. */
export interface ReliabilityDiagramOptions
  extends Omit<CalibrationErrorOptions, 'classwise' | 'bootstrap'> {
  /** The title's first part (the ECE is appended). Default 'Reliability diagram'. */
  title?: string;
  /** Pixel size. Defaults 400 × 400. */
  width?: number;
  height?: number;
}

const { classwise: _c, bootstrap: _b, ...BIN_RULES } = CALIBRATION_RULES;
const RULES = {
  ...BIN_RULES,
  title: rule((fn, name, v) => {
    if (typeof v === 'string') return v;
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected ${name} to be a string, got ${typeof v}`,
    );
  }, 'Reliability diagram'),
  width: integerRule({ atLeast: 160, atMost: 4096, default: 400 }),
  height: integerRule({ atLeast: 160, atMost: 4096, default: 400 }),
} as const;

/** A reliability diagram of top-label confidence as an SVG string. */
export function reliabilityDiagram(
  probs: ArrayInput,
  labels: ClassLabels,
  options?: ReliabilityDiagramOptions,
): string {
  const fn = 'reliabilityDiagram';
  const { title, width, height, ...binning } = resolveOptions(fn, options, RULES);
  const r = resolvedCalibrationError(fn, probs, labels, {
    ...binning,
    classwise: false,
    bootstrap: undefined,
  });
  const name = binning.norm === 'l1' ? 'ECE' : binning.norm === 'l2' ? 'RMSCE' : 'MCE';
  const c = chart({
    width,
    height,
    x: [0, 1],
    y: [0, 1],
    title: `${title} — ${name} ${(100 * r.ece).toFixed(2)}%`,
  });
  c.axes({ xLabel: 'confidence', yLabel: 'accuracy' });
  const full = r.bins.filter((b) => b.count > 0);
  c.bars(
    full.map((b) => ({
      x0: b.lower,
      x1: b.upper,
      y: b.accuracy,
      title: `(${b.lower.toFixed(3)}, ${b.upper.toFixed(3)}]: ${b.count} rows, accuracy ${b.accuracy.toFixed(3)}, confidence ${b.confidence.toFixed(3)}`,
    })),
    { fill: '#4c78a8', stroke: '#2c4a6e', strokeWidth: 0.5 },
  );
  c.bars(
    full.map((b) => ({ x0: b.lower, x1: b.upper, y0: b.accuracy, y: b.confidence })),
    { fill: '#e45756', opacity: 0.35, stroke: '#e45756', strokeWidth: 0.5 },
  );
  c.line(
    [
      [0, 0],
      [1, 1],
    ],
    { stroke: '#555', dash: '4 3' },
  );
  for (const b of full) {
    const top = c.y(Math.min(1, Math.max(b.accuracy, b.confidence)));
    c.text(c.x((b.lower + b.upper) / 2), top - 3, String(b.count), { size: 9, fill: '#333' }, true);
  }
  c.text(
    c.x(0) + 8,
    c.y(1) + 16,
    'bars: accuracy · red: gap to confidence',
    { size: 10, anchor: 'start', fill: '#555' },
    true,
  );
  return c.toString();
}
