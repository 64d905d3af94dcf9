/**
 * `softmax-kit calibrate <file> [--labels labels.npy] [--probabilities] [--bins 15] [--out prefix]`:
 * reads logits (or probabilities) and labels, prints ECE, MCE, NLL, Brier score
 * and accuracy before and after temperature scaling with the fitted T, and
 * writes the two reliability diagrams as SVG files. Thin: it parses, calls the
 * library and prints.
 *
 * Files:
 * - CSV (any extension but .json): one row per line, `label,score1,score2,…`; an
 *   optional header line whose first field is not a number is skipped; blank
 *   lines are skipped.
 * - JSON: `{ "labels": [...], "logits": [[...], ...] }` or with "probabilities".
 * - NumPy .npy: the logits (or, with --probabilities, probabilities) as a 2-D
 *   float array [rows, classes] ('<f4' or '<f8', C order) and `--labels
 *   labels.npy`, a 1-D integer array [rows] ('<i4' or '<i8'); see ./npy.ts.
 * Probabilities are turned into logits by log p (softmax(log p) = p).
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { brierScore } from '../calibration/brier.js';
import { calibrationError } from '../calibration/calibration-error.js';
import { reliabilityDiagram } from '../calibration/reliability-diagram.js';
import { fitTemperature } from '../calibration/temperature.js';
import { softmax } from '../normalizers/softmax.js';
import { InputFileError } from './input-file-error.js';
import { readNpy } from './npy.js';

export { InputFileError } from './input-file-error.js';

/** Parsed data: row-major scores [rows, classes] and labels. */
export interface CalibrationData {
  scores: Float64Array;
  labels: Int32Array;
  rows: number;
  classes: number;
  probabilities: boolean;
}

/** Files above this size show a progress bar on stderr while they are read. */
const PROGRESS_BYTES = 4 * 1024 * 1024;

const num = (s: string) =>
  s.trim() === '-inf' ? -Infinity : s.trim() === '' ? Number.NaN : Number(s);

/** Parse CSV text; `progress(fraction)` is called now and then. */
export function parseCsv(
  text: string,
  file: string,
  probabilities: boolean,
  progress?: (f: number) => void,
): CalibrationData {
  const scores: number[] = [];
  const labels: number[] = [];
  let classes = -1;
  let pos = 0;
  let line = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const raw = text.slice(pos, end).replace(/\r$/, '');
    pos = end + 1;
    line++;
    if (progress && line % 2000 === 0) progress(pos / text.length);
    if (raw.trim() === '') continue;
    const fields = raw.split(',');
    if (labels.length === 0 && classes < 0 && Number.isNaN(num(fields[0]!))) continue; // header
    const label = num(fields[0]!);
    if (!Number.isInteger(label) || label < 0)
      throw new InputFileError(
        `${file} line ${line}: expected a class index (an integer ≥ 0) first, got '${fields[0]}'`,
      );
    if (classes < 0) classes = fields.length - 1;
    if (label >= classes)
      throw new InputFileError(
        `${file} line ${line}: expected a class index below ${classes} first, got ${label}`,
      );
    if (fields.length - 1 !== classes || classes < 1)
      throw new InputFileError(
        `${file} line ${line}: expected a label and ${classes < 1 ? 'at least one score' : `${classes} scores`}, got ${fields.length - 1} scores`,
      );
    for (let j = 1; j < fields.length; j++) {
      const v = num(fields[j]!);
      if (Number.isNaN(v))
        throw new InputFileError(
          `${file} line ${line}: expected a number in column ${j + 1}, got '${fields[j]}'`,
        );
      scores.push(v);
    }
    labels.push(label);
  }
  progress?.(1);
  if (labels.length === 0)
    throw new InputFileError(`${file}: expected at least one row of data, got none`);
  return {
    scores: Float64Array.from(scores),
    labels: Int32Array.from(labels),
    rows: labels.length,
    classes,
    probabilities,
  };
}

/** Parse JSON `{ labels, logits | probabilities }`. */
export function parseJson(text: string, file: string): CalibrationData {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputFileError(
      `${file}: expected JSON, got a syntax error (${(e as Error).message})`,
    );
  }
  const d = data as { labels?: unknown; logits?: unknown; probabilities?: unknown };
  const probabilities = d?.probabilities !== undefined;
  const rows = probabilities ? d.probabilities : d?.logits;
  if (
    !Array.isArray(rows) ||
    !Array.isArray(d.labels) ||
    rows.length !== d.labels.length ||
    rows.length === 0
  )
    throw new InputFileError(
      `${file}: expected an object { "labels": [...], "logits": [[...], ...] } (or "probabilities") with one label per row`,
    );
  const classes = Array.isArray(rows[0]) ? rows[0].length : 0;
  const scores = new Float64Array(rows.length * classes);
  rows.forEach((row: unknown, r) => {
    if (
      !Array.isArray(row) ||
      row.length !== classes ||
      classes === 0 ||
      !row.every((v) => typeof v === 'number')
    )
      throw new InputFileError(
        `${file}: expected row ${r} to be an array of ${classes || 'at least one'} numbers`,
      );
    scores.set(row as number[], r * classes);
  });
  const labels = Int32Array.from(d.labels as number[]);
  d.labels.forEach((v: unknown, r) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= classes)
      throw new InputFileError(
        `${file}: expected labels[${r}] to be a class index in [0, ${classes}), got ${JSON.stringify(v)}`,
      );
  });
  return { scores, labels, rows: rows.length, classes, probabilities };
}

/** Read a .npy pair: logits (or probabilities) [rows, classes] and integer labels [rows]. */
function parseNpy(
  scoresBytes: Uint8Array,
  labelsBytes: Uint8Array,
  file: string,
  labelsFile: string,
  probabilities: boolean,
): CalibrationData {
  const x = readNpy(scoresBytes, file);
  const y = readNpy(labelsBytes, labelsFile);
  const what = probabilities ? 'probabilities' : 'logits';
  if (x.shape.length !== 2 || x.integer || x.shape[0] === 0 || x.shape[1] === 0)
    throw new InputFileError(
      `${file}: expected ${what} as a non-empty 2-D float array [rows, classes], got ${x.integer ? 'integers' : 'floats'} of shape (${x.shape.join(', ')})`,
    );
  const [rows, classes] = x.shape as [number, number];
  if (y.shape.length !== 1 || !y.integer || y.shape[0] !== rows)
    throw new InputFileError(
      `${labelsFile}: expected a 1-D integer array of ${rows} labels (one per row of ${file}), got ${y.integer ? 'integers' : 'floats'} of shape (${y.shape.join(', ')})`,
    );
  const labels = Int32Array.from(y.data);
  y.data.forEach((v, r) => {
    if (v < 0 || v >= classes)
      throw new InputFileError(
        `${labelsFile}: expected labels[${r}] to be a class index in [0, ${classes}), got ${v}`,
      );
  });
  return { scores: x.data, labels, rows, classes, probabilities };
}

/** Run the command; returns the exit status. */
export function calibrateCommand(
  args: readonly string[],
  print: (line: string) => void,
  progressOut: (text: string) => void,
): number {
  const file = args.find(
    (a, i) => !a.startsWith('--') && !args[i - 1]?.match(/^--(bins|out|labels)$/),
  );
  if (file === undefined) {
    print(
      'usage: softmax-kit calibrate <file.csv|file.json|logits.npy --labels labels.npy> [--probabilities] [--bins 15] [--out prefix]',
    );
    return 1;
  }
  const at = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const bins = Number(at('--bins') ?? 15);
  const out = at('--out') ?? basename(file, extname(file));
  const ext = extname(file).toLowerCase();
  const labelsFile = at('--labels');
  if ((ext === '.npy') !== (labelsFile !== undefined))
    throw new InputFileError(
      ext === '.npy'
        ? `${file}: expected --labels <labels.npy> with a .npy file of logits, got none`
        : `--labels: expected it only with a .npy file of logits, got ${file}`,
    );
  const big = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  const bar = (f: number) => {
    const w = 30;
    const k = Math.round(f * w);
    progressOut(
      `\rreading ${basename(file)} [${'#'.repeat(k)}${' '.repeat(w - k)}] ${(100 * f).toFixed(0)}%${f >= 1 ? '\n' : ''}`,
    );
  };
  const probabilities = args.includes('--probabilities');
  const text = ext === '.npy' ? '' : readFileSync(file, 'utf8');
  const data =
    labelsFile !== undefined
      ? parseNpy(readFileSync(file), readFileSync(labelsFile), file, labelsFile, probabilities)
      : ext === '.json'
        ? parseJson(text, file)
        : parseCsv(text, file, probabilities, big > PROGRESS_BYTES ? bar : undefined);
  const { rows, classes, labels } = data;
  const shape = [rows, classes];
  const logits = data.probabilities ? data.scores.map(Math.log) : data.scores;
  const fit = fitTemperature(logits, labels, { shape });
  const before = softmax(logits, { shape });
  const scaled = fit.temperature > 0 && Number.isFinite(fit.temperature);
  const after = scaled ? softmax(logits, { shape, temperature: fit.temperature }) : undefined;
  const metrics = (p: Float64Array, nll: number) => {
    const ce = calibrationError(p, labels, { shape, bins });
    const n = ce.bins.reduce((s, b) => s + b.count, 0);
    const accuracy = ce.bins.reduce((s, b) => s + b.count * b.accuracy, 0) / n;
    return {
      ECE: ce.ece,
      MCE: ce.mce,
      NLL: nll,
      Brier: brierScore(p, labels, { shape }),
      accuracy,
    };
  };
  const m0 = metrics(before, fit.nllBefore);
  const m1 = after && metrics(after, fit.nll);
  print(
    `${rows} rows × ${classes} classes from ${file}${data.probabilities ? ' (probabilities)' : ''}`,
  );
  print(`fitted temperature T = ${fit.temperature.toPrecision(6)} (${fit.iterations} passes)`);
  if (!scaled)
    print(
      `the optimum is the limit T = ${fit.temperature}: no finite temperature scaling (NLL → ${fit.nll.toFixed(4)})`,
    );
  print(`${'metric'.padEnd(10)}${'before'.padStart(12)}${'after'.padStart(12)}`);
  for (const k of Object.keys(m0) as (keyof typeof m0)[])
    print(
      `${k.padEnd(10)}${m0[k].toFixed(5).padStart(12)}${(m1 ? m1[k].toFixed(5) : '—').padStart(12)}`,
    );
  writeFileSync(
    `${out}-before.svg`,
    reliabilityDiagram(before, labels, { shape, bins, title: 'Before (T = 1)' }),
  );
  print(`wrote ${out}-before.svg`);
  if (after) {
    const t = `After (T = ${fit.temperature.toPrecision(4)})`;
    writeFileSync(`${out}-after.svg`, reliabilityDiagram(after, labels, { shape, bins, title: t }));
    print(`wrote ${out}-after.svg`);
  }
  return 0;
}
