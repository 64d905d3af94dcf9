/**
 * `softmax-kit plot calibration <file>`: the playground's Calibration picture as
 * one SVG — the reliability diagrams before and after temperature scaling with
 * the fitted T (the library's `reliabilityDiagram`), and the risk–coverage curve
 * of the maximum softmax probability with its AURC, drawn with src/plot/.
 */
import { calibrationError } from '../calibration/calibration-error.js';
import { reliabilityDiagram } from '../calibration/reliability-diagram.js';
import { riskCoverage } from '../calibration/risk-coverage.js';
import { maxSoftmaxProbability } from '../calibration/scores.js';
import { fitTemperature } from '../calibration/temperature.js';
import { softmax } from '../normalizers/softmax.js';
import { grid } from '../plot/grid.js';
import { chart } from '../plot/svg.js';
import type { CalibrationData } from './calibrate.js';

const SIZE = 400;

/** The risk–coverage curve (at most 400 points drawn) with its AURC in the title. */
function riskCoveragePanel(logits: Float64Array, data: CalibrationData): string {
  const shape = [data.rows, data.classes];
  const confidence = maxSoftmaxProbability(logits, { shape });
  const correct = new Uint8Array(data.rows);
  for (let r = 0; r < data.rows; r++) {
    let best = 0;
    for (let c = 1; c < data.classes; c++)
      if (logits[r * data.classes + c]! > logits[r * data.classes + best]!) best = c;
    correct[r] = best === data.labels[r] ? 1 : 0;
  }
  const rc = riskCoverage(confidence, correct);
  const top = Math.max(0.05, ...rc.risk);
  const c = chart({
    width: SIZE,
    height: SIZE,
    x: [0, 1],
    y: [0, top],
    title: `Risk–coverage (AURC ${rc.aurc.toFixed(4)})`,
  });
  c.axes({ xLabel: 'coverage', yLabel: 'risk (error rate)' });
  const step = Math.max(1, Math.floor(data.rows / 400));
  const points: [number, number][] = [];
  for (let i = 0; i < data.rows; i += step) points.push([rc.coverage[i]!, rc.risk[i]!]);
  points.push([rc.coverage[data.rows - 1]!, rc.risk[data.rows - 1]!]);
  c.line(points, { stroke: '#4269d0', strokeWidth: 2 });
  return c.toString();
}

/** The SVG of a calibration file: diagrams before and after scaling, risk–coverage. */
export function calibrationPicture(data: CalibrationData, bins: number): string {
  const { rows, classes, labels } = data;
  const shape = [rows, classes];
  const logits = data.probabilities ? data.scores.map(Math.log) : data.scores;
  const fit = fitTemperature(logits, labels, { shape });
  const T = fit.temperature;
  const scaled = T > 0 && Number.isFinite(T);
  const before = softmax(logits, { shape });
  const charts = [reliabilityDiagram(before, labels, { shape, bins, title: 'Before (T = 1)' })];
  let ece = `ECE ${calibrationError(before, labels, { shape, bins }).ece.toFixed(4)}`;
  if (scaled) {
    const after = softmax(logits, { shape, temperature: T });
    charts.push(
      reliabilityDiagram(after, labels, { shape, bins, title: `After (T = ${T.toPrecision(4)})` }),
    );
    ece += ` → ${calibrationError(after, labels, { shape, bins }).ece.toFixed(4)}`;
  }
  charts.push(riskCoveragePanel(logits, data));
  const t = scaled ? `T = ${T.toPrecision(4)}` : `the optimum is the limit T = ${T}`;
  return grid(charts, {
    columns: charts.length,
    width: SIZE,
    height: SIZE,
    title: `${rows} rows × ${classes} classes: temperature scaling ${t}, ${ece}`,
  });
}
