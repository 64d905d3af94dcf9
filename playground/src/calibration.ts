/**
 * The Calibration tab: a classifier's logits and labels — the example (a seeded,
 * deliberately overconfident classifier) or a CSV file dropped on the page — and
 * what temperature scaling does to them: the fitted T (`fitTemperature`), the
 * reliability diagrams before and after with ECE and its bootstrap interval
 * (`calibrationError`), and the risk–coverage curves of two confidence scores
 * (`riskCoverage`; a temperature does not reorder the rows, so it leaves them be).
 */
import {
  calibrationError,
  fitTemperature,
  margin,
  maxSoftmaxProbability,
  riskCoverage,
  softmax,
  uniform,
} from 'softmax-kit';
import { curves, figure, reliability, SERIES_COLORS } from './charts.js';
import type { Tab } from './main.js';
import { el, fmt, slider, tabLayout } from './ui.js';

/** Logits [rows, classes] and labels. */
export interface Dataset {
  logits: Float64Array;
  labels: Int32Array;
  rows: number;
  classes: number;
  name: string;
}

/**
 * The example: true logits z ~ 1.5·N(0, 1) per class, the label drawn from
 * softmax(z), and the model reporting F·z — overconfident by the factor F, so
 * the best temperature is F (up to sampling noise).
 */
export function exampleData(factor: number, seed: number, rows = 2000, classes = 10): Dataset {
  const u = uniform(seed, 0, new Float64Array(rows * classes * 2 + rows));
  const z = new Float64Array(rows * classes);
  for (let t = 0; t < z.length; t++) {
    // Box–Muller on (0, 1] uniforms
    const u1 = 1 - u[2 * t]!;
    z[t] = 1.5 * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u[2 * t + 1]!);
  }
  const p = softmax(z, { shape: [rows, classes] });
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let c = 0;
    let acc = p[r * classes]!;
    const v = u[2 * rows * classes + r]!;
    while (acc <= v && c < classes - 1) acc += p[r * classes + ++c]!;
    labels[r] = c;
  }
  return {
    logits: z.map((v) => factor * v),
    labels,
    rows,
    classes,
    name: `example: ${rows} rows, ${classes} classes, overconfident ×${factor}`,
  };
}

/** Parse `label,logit1,logit2,…` lines (an optional header whose first field is not a number). */
export function parseCsv(text: string, name: string): Dataset {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length > 0 && !Number.isFinite(Number(lines[0]!.split(',')[0]))) lines.shift();
  if (lines.length === 0)
    throw new Error(`${name}: expected rows of label,logit1,logit2,…; got none`);
  const classes = lines[0]!.split(',').length - 1;
  if (classes < 2) throw new Error(`${name}: expected at least two logits per row, got ${classes}`);
  const logits = new Float64Array(lines.length * classes);
  const labels = new Int32Array(lines.length);
  lines.forEach((line, r) => {
    const f = line.split(',').map((s) => (s.trim() === '-inf' ? -Infinity : Number(s)));
    if (f.length !== classes + 1 || f.some((v) => Number.isNaN(v)))
      throw new Error(
        `${name}: line ${r + 1}: expected a label and ${classes} numbers, got "${line.slice(0, 60)}"`,
      );
    labels[r] = f[0]!;
    logits.set(f.slice(1), r * classes);
  });
  return { logits, labels, rows: lines.length, classes, name };
}

/** The figures of one dataset. */
export function analyse(d: Dataset, bins: number, seed: number) {
  const shape = [d.rows, d.classes];
  const fit = fitTemperature(d.logits, d.labels, { shape });
  const T = fit.temperature;
  const bootstrap = { samples: 200, seed };
  const before = calibrationError(softmax(d.logits, { shape }), d.labels, {
    shape,
    bins,
    bootstrap,
  });
  const after = calibrationError(softmax(d.logits, { shape, temperature: T }), d.labels, {
    shape,
    bins,
    bootstrap,
  });
  const msp = maxSoftmaxProbability(d.logits, { shape });
  const gap = margin(d.logits, { shape });
  const correct = new Uint8Array(d.rows);
  for (let r = 0; r < d.rows; r++) {
    let best = 0;
    for (let c = 1; c < d.classes; c++)
      if (d.logits[r * d.classes + c]! > d.logits[r * d.classes + best]!) best = c;
    correct[r] = best === d.labels[r] ? 1 : 0;
  }
  return {
    fit,
    before,
    after,
    rcMsp: riskCoverage(msp, correct),
    rcMargin: riskCoverage(gap, correct),
    accuracy: correct.reduce((a, b) => a + b, 0) / d.rows,
  };
}

function mount(panel: HTMLElement): void {
  let factor = 2.5;
  let bins = 15;
  let data = exampleData(factor, 7);
  const out = el('div', { id: 'calibration-results' });
  const status = el('p', { class: 'note', id: 'calibration-data', 'aria-live': 'polite' });

  function draw(): void {
    const a = analyse(data, bins, 11);
    const interval = (r: typeof a.before) =>
      r.interval ? ` (95% bootstrap ${fmt(r.interval.lower, 4)}–${fmt(r.interval.upper, 4)})` : '';
    status.textContent = `${data.name}. Accuracy ${fmt(100 * a.accuracy, 1)}%.`;
    const fitText = `fitted T = ${fmt(a.fit.temperature, 3)}; mean NLL ${fmt(a.fit.nllBefore, 4)} → ${fmt(a.fit.nll, 4)} (${a.fit.iterations} passes)`;
    const diagram = (name: string, r: typeof a.before, color: string) => {
      const text = `ECE ${fmt(r.ece, 4)}${interval(r)} · MCE ${fmt(r.mce, 4)} · ${bins} bins`;
      return figure(
        `reliability-${name}`,
        `${name} temperature scaling`,
        reliability(r.bins, {
          width: 300,
          color,
          description: text,
          label: `reliability diagram ${name} temperature scaling`,
        }),
        text,
        el('p', { class: 'values', hidden: true, 'data-ece': r.ece }),
      );
    };
    const rcText = `AURC: max softmax probability ${fmt(a.rcMsp.aurc, 4)}, margin ${fmt(a.rcMargin.aurc, 4)} (lower is better; a temperature does not reorder the rows)`;
    // thin the curves to ≤ 400 points for drawing
    const thin = (r: { coverage: Float64Array; risk: Float64Array }) => {
      const step = Math.max(1, Math.floor(r.coverage.length / 400));
      const keep = (_: number, i: number) => i % step === 0 || i === r.coverage.length - 1;
      return { x: r.coverage.filter(keep), y: r.risk.filter(keep) };
    };
    out.replaceChildren(
      el('p', { class: 'fit', 'data-temperature': a.fit.temperature }, fitText),
      el(
        'div',
        { class: 'grid wide' },
        diagram('before', a.before, '#ff725c'),
        diagram('after', a.after, '#4269d0'),
        figure(
          'risk-coverage',
          'risk–coverage',
          curves(
            [
              { name: 'max softmax probability', ...thin(a.rcMsp) },
              { name: 'margin', ...thin(a.rcMargin) },
            ],
            {
              width: 300,
              xLabel: 'coverage →',
              yLabel: '↑ risk (error rate)',
              description: rcText,
              label: 'risk–coverage curves',
            },
          ),
          rcText,
          el(
            'p',
            { class: 'note' },
            ...['max softmax probability', 'margin'].flatMap((name, i) => [
              el('span', { style: `color:${SERIES_COLORS[i]}` }, '━'),
              ` ${name}  `,
            ]),
          ),
        ),
      ),
    );
  }

  const file = el('input', {
    type: 'file',
    accept: '.csv,text/csv',
    id: 'csv-file',
    'data-control': 'csv',
  });
  const load = async (f: File) => {
    try {
      data = parseCsv(await f.text(), f.name);
      draw();
    } catch (e) {
      status.textContent = String((e as Error).message);
      status.classList.add('error');
    }
  };
  file.addEventListener('change', () => file.files?.[0] && load(file.files[0]));
  panel.addEventListener('dragover', (e) => e.preventDefault());
  panel.addEventListener('drop', (e) => {
    e.preventDefault();
    const f = e.dataTransfer?.files[0];
    if (f) load(f);
  });
  const exampleButton = el('button', { type: 'button' }, 'use the example');
  exampleButton.addEventListener('click', () => {
    data = exampleData(factor, 7);
    draw();
  });
  tabLayout(
    panel,
    [
      {
        title: 'Data',
        body: [
          slider(
            {
              label: 'overconfidence',
              name: 'overconfidence',
              min: 0.3,
              max: 5,
              step: 0.1,
              value: factor,
              hint: 'example: logits × F',
            },
            (v) => {
              factor = v;
              data = exampleData(factor, 7);
              draw();
            },
          ).row,
          slider({ label: 'bins', name: 'bins', min: 5, max: 30, step: 1, value: bins }, (v) => {
            bins = v;
            draw();
          }).row,
          el('div', { class: 'control' }, el('label', { for: 'csv-file' }, 'CSV file'), file),
          el('div', { class: 'buttons' }, exampleButton),
          el(
            'p',
            { class: 'note' },
            'Drop a CSV on the page or pick one: one row per line, label,logit1,logit2,… (a header line is skipped). The example draws labels from softmax(z) and reports F·z, so the best T is F.',
          ),
        ],
      },
    ],
    [status, out],
  );
  draw();
}

export const calibrationTab: Tab = { id: 'calibration', label: 'Calibration', mount };
