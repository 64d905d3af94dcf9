/**
 * The Normalizers tab: editable logits (drag the bars or type), temperature and
 * each normalizer's parameter; every registered normalizer's output side by side
 * with its sum, support size and entropy; and the simplex view — where each
 * normalizer sends a grid of three-logit vectors.
 *
 * Every normalizer receives the logits divided by the temperature, x / T, and is
 * called through the library's registry (`normalizers[name].forward`).
 */
import { entropy, type NormalizerName, normalizers } from 'softmax-kit';
import {
  bars,
  FAMILY_COLOR,
  type Family,
  figure,
  SUPPORT_COLOR,
  simplex,
  simplexXY,
} from './charts.js';
import type { Tab } from './main.js';
import { el, fmt, slider, tabLayout } from './ui.js';

/** The page's parameters. */
export interface NormalizerParams {
  logits: number[];
  temperature: number;
  alpha: number;
  k: number;
  s: number;
  eps: number;
  gamma: number;
  seed: number;
}

interface Shown {
  name: NormalizerName;
  family: Family;
  /** A probability row (sum, support and entropy make sense). */
  distribution: boolean;
  /** The normalizer's options from the page's parameters (n: the row length). */
  options(p: NormalizerParams, n: number): Record<string, unknown>;
  /** Drawn in the simplex view. */
  simplex: boolean;
}

const none = () => ({});
/** How the page shows each registered normalizer (a Record: a new one must be added here). */
const HOW: Record<NormalizerName, Omit<Shown, 'name'>> = {
  softmax: { family: 'dense', distribution: true, options: none, simplex: true },
  logSoftmax: { family: 'other', distribution: false, options: none, simplex: false },
  sparsemax: { family: 'sparse', distribution: true, options: none, simplex: true },
  entmax15: { family: 'sparse', distribution: true, options: none, simplex: true },
  entmax: {
    family: 'sparse',
    distribution: true,
    options: (p) => ({ alpha: p.alpha }),
    simplex: true,
  },
  sparseSoftmax: {
    family: 'sparse',
    distribution: true,
    options: (p, n) => ({ k: Math.min(p.k, n) }),
    simplex: true,
  },
  gumbelSoftmax: {
    family: 'stochastic',
    distribution: true,
    options: (p) => ({ tau: 1, seed: p.seed }),
    simplex: false,
  },
  ssmax: { family: 'dense', distribution: true, options: (p) => ({ s: p.s }), simplex: true },
  softpick: {
    family: 'rectified',
    distribution: false,
    options: (p) => ({ eps: p.eps }),
    simplex: false,
  },
  saSoftmax: { family: 'other', distribution: false, options: none, simplex: false },
  softplusNorm: { family: 'rectified', distribution: true, options: none, simplex: true },
  reluNorm: { family: 'rectified', distribution: true, options: none, simplex: true },
  adaptiveTemperatureSoftmax: { family: 'dense', distribution: true, options: none, simplex: true },
  // clipping leaves a row that need not sum to 1
  clippedSoftmax: {
    family: 'sparse',
    distribution: false,
    options: (p) => ({ gamma: p.gamma }),
    simplex: false,
  },
};
/** Every registered normalizer, in the registry's order. */
export const SHOWN: Shown[] = (Object.keys(normalizers) as NormalizerName[]).map((name) => ({
  name,
  ...HOW[name],
}));

type Forward = (x: Float64Array, o: Record<string, unknown>) => Float64Array;
const forward = (name: NormalizerName) => normalizers[name].forward as unknown as Forward;

/** x / T, the input every normalizer gets. */
export function scaled(logits: readonly number[], temperature: number): Float64Array {
  return Float64Array.from(logits, (v) => v / temperature);
}

/** The output of normalizer `s` on the page's parameters. */
export function output(s: Shown, p: NormalizerParams): Float64Array {
  return forward(s.name)(scaled(p.logits, p.temperature), s.options(p, p.logits.length));
}

function summary(y: Float64Array, distribution: boolean): string {
  let sum = 0;
  let support = 0;
  for (const v of y) {
    if (Number.isFinite(v)) sum += v;
    if (v !== 0 && v !== Number.NEGATIVE_INFINITY) support++;
  }
  const parts = [`sum ${fmt(sum, 4)}`, `support ${support} of ${y.length}`];
  if (distribution)
    parts.push(`entropy ${fmt(entropy(y, { input: 'probabilities' })[0]!, 3)} nats`);
  return parts.join(' · ');
}

const DEFAULT: NormalizerParams = {
  logits: [2.5, 1.8, 1.2, 0.3, -0.4, -1.0],
  temperature: 1,
  alpha: 1.5,
  k: 3,
  s: 1,
  eps: 1e-8,
  gamma: -0.03,
  seed: 7,
};
const LIMIT = 20;

function mount(panel: HTMLElement): void {
  const p: NormalizerParams = { ...DEFAULT, logits: [...DEFAULT.logits] };
  const editorBox = el('div', { class: 'editor', 'data-chart': 'logits' });
  const editorCaption = el('figcaption');
  const boxes = el('div', { class: 'logit-boxes' });
  const outputs = el('div', { class: 'grid', id: 'normalizer-outputs' });
  const simplexGrid = el('div', { class: 'grid' });
  let xScale: ((i: number) => number) | null = null;
  let band = 0;
  let yInvert: ((px: number) => number) | null = null;
  let domain: [number, number] = [-6, 6];

  function drawEditor(): void {
    const lo = Math.min(-6, ...p.logits);
    const hi = Math.max(6, ...p.logits);
    domain = [Math.floor(lo), Math.ceil(hi)];
    const svg = bars(p.logits, {
      title: 'logits (drag a bar)',
      color: '#5b6475',
      width: 310,
      height: 190,
      yDomain: domain,
      labels: true,
      description: `logits ${p.logits.map((v) => fmt(v, 2)).join(', ')}`,
    });
    const x = svg.scale('x') as { apply(v: unknown): number; bandwidth?: number };
    const y = svg.scale('y') as { invert?(v: number): number };
    xScale = (i) => x.apply(i + 1);
    band = x.bandwidth ?? 0;
    yInvert = y.invert ?? null;
    editorBox.replaceChildren(svg);
    editorCaption.textContent = `logits: ${p.logits.map((v) => fmt(v, 2)).join(', ')}`;
  }

  function drawBoxes(): void {
    boxes.replaceChildren(
      ...p.logits.map((v, i) => {
        const input = el('input', {
          type: 'number',
          step: 0.1,
          min: -LIMIT,
          max: LIMIT,
          value: v,
          'data-control': `logit-${i + 1}`,
        });
        input.addEventListener('input', () => {
          const t = +input.value;
          if (input.value === '' || !Number.isFinite(t) || Math.abs(t) > LIMIT) return;
          p.logits[i] = t;
          drawEditor();
          drawOutputs();
        });
        return el('label', {}, `logit ${i + 1}`, input);
      }),
    );
  }

  function drawOutputs(): void {
    outputs.replaceChildren(
      ...SHOWN.map((s) => {
        const y = output(s, p);
        const opts = s.options(p, p.logits.length);
        const text = summary(y, s.distribution);
        const optText = Object.entries(opts)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
        const chart = bars(y, {
          title: s.name,
          color: FAMILY_COLOR[s.family],
          width: 220,
          height: 130,
          yDomain: s.distribution ? [0, 1] : undefined,
          description: `${s.name}: ${Array.from(y, (v) => fmt(v)).join(', ')}; ${text}`,
        });
        const values = el(
          'p',
          {
            class: 'values',
            'data-values': JSON.stringify(
              Array.from(y, (v) => (Number.isFinite(v) ? v : String(v))),
            ),
          },
          Array.from(y, (v) => fmt(v)).join('  '),
        );
        return figure(s.name, optText ? `${s.name} (${optText})` : s.name, chart, text, values);
      }),
    );
  }

  function drawSimplex(): void {
    const steps = 25;
    const grid = new Float64Array(steps * steps * 3);
    for (let a = 0; a < steps; a++)
      for (let b = 0; b < steps; b++) {
        const t = (a * steps + b) * 3;
        grid[t] = (-3 + (6 * a) / (steps - 1)) / p.temperature;
        grid[t + 1] = (-3 + (6 * b) / (steps - 1)) / p.temperature;
        grid[t + 2] = -(grid[t]! + grid[t + 1]!);
      }
    const first3 = scaled(p.logits.slice(0, 3), p.temperature);
    simplexGrid.replaceChildren(
      ...SHOWN.filter((s) => s.simplex).map((s) => {
        const o = s.options(p, 3);
        const y = forward(s.name)(grid, { ...o, shape: [steps * steps, 3] });
        const points = [];
        const counts = [0, 0, 0, 0];
        for (let r = 0; r < steps * steps; r++) {
          const [p1, p2, p3] = [y[3 * r]!, y[3 * r + 1]!, y[3 * r + 2]!];
          const support = +(p1 > 0) + +(p2 > 0) + +(p3 > 0);
          counts[support]!++;
          const [x, yy] = simplexXY(p2, p3);
          points.push({ x, y: yy, support });
        }
        const c = forward(s.name)(first3, o);
        const zero = counts[0] ? `, ${counts[0]} all zero (not drawn)` : '';
        const text = `of ${steps * steps} grid points: ${counts[3]} inside, ${counts[2]} on an edge, ${counts[1]} at a corner${zero}; logits 1–3 go to (${Array.from(c, (v) => fmt(v, 2)).join(', ')})`;
        const chart = simplex(points, simplexXY(c[1]!, c[2]!), {
          title: `${s.name} on the simplex`,
          width: 200,
          description: text,
        });
        return figure(`simplex-${s.name}`, s.name, chart, text);
      }),
    );
  }

  function redraw(): void {
    drawEditor();
    drawBoxes();
    drawOutputs();
    drawSimplex();
  }

  // dragging a bar: the pointer's height sets that logit (listeners on the box, which outlives each redraw)
  let dragging = -1;
  function dragTo(e: PointerEvent): void {
    const svg = editorBox.querySelector('svg');
    if (!svg || !xScale || !yInvert) return;
    const r = svg.getBoundingClientRect();
    const sx = (e.clientX - r.left) * (svg.viewBox.baseVal.width / r.width);
    const sy = (e.clientY - r.top) * (svg.viewBox.baseVal.height / r.height);
    if (dragging < 0)
      dragging = p.logits.findIndex((_, i) => sx >= xScale!(i) && sx < xScale!(i) + band);
    if (dragging < 0) return;
    const v = Math.round(Math.min(domain[1], Math.max(domain[0], yInvert(sy))) * 10) / 10;
    if (v === p.logits[dragging]) return;
    p.logits[dragging] = v;
    drawEditor();
    const box = boxes.querySelectorAll('input')[dragging];
    if (box) box.value = String(v);
    drawOutputs();
  }
  editorBox.addEventListener('pointerdown', (e) => {
    dragging = -1;
    editorBox.setPointerCapture(e.pointerId);
    dragTo(e);
  });
  editorBox.addEventListener('pointermove', (e) => {
    if (editorBox.hasPointerCapture(e.pointerId)) dragTo(e);
  });
  editorBox.addEventListener('pointerup', () => {
    if (dragging >= 0) drawSimplex();
    dragging = -1;
  });

  const addButton = el('button', { type: 'button' }, 'add a logit');
  const removeButton = el('button', { type: 'button' }, 'remove the last');
  const resetButton = el('button', { type: 'button' }, 'reset');
  addButton.addEventListener('click', () => {
    if (p.logits.length < 12) p.logits.push(0);
    redraw();
  });
  removeButton.addEventListener('click', () => {
    if (p.logits.length > 3) p.logits.pop();
    redraw();
  });
  resetButton.addEventListener('click', () => {
    Object.assign(p, DEFAULT, { logits: [...DEFAULT.logits] });
    for (const [name, c] of Object.entries(controls)) c.set(p[name as keyof typeof controls]);
    redraw();
  });

  const on =
    (key: 'temperature' | 'alpha' | 'k' | 's' | 'eps' | 'gamma' | 'seed') => (v: number) => {
      p[key] = v;
      drawOutputs();
      if (key !== 'eps' && key !== 'seed' && key !== 'gamma') drawSimplex();
    };
  const controls = {
    temperature: slider(
      {
        label: 'temperature T',
        name: 'temperature',
        min: 0.05,
        max: 10,
        step: 0.01,
        value: p.temperature,
        log: true,
      },
      on('temperature'),
    ),
    alpha: slider(
      { label: 'α', name: 'alpha', min: 1.01, max: 4, step: 0.01, value: p.alpha, hint: 'entmax' },
      on('alpha'),
    ),
    k: slider(
      { label: 'k', name: 'k', min: 1, max: 12, step: 1, value: p.k, hint: 'sparseSoftmax' },
      on('k'),
    ),
    s: slider(
      { label: 's', name: 's', min: 0.1, max: 4, step: 0.05, value: p.s, hint: 'ssmax' },
      on('s'),
    ),
    eps: slider(
      {
        label: 'ε',
        name: 'eps',
        min: 1e-8,
        max: 1,
        step: 0.01,
        value: p.eps,
        log: true,
        hint: 'softpick',
      },
      on('eps'),
    ),
    gamma: slider(
      {
        label: 'γ',
        name: 'gamma',
        min: -0.3,
        max: 0,
        step: 0.01,
        value: p.gamma,
        hint: 'clippedSoftmax',
      },
      on('gamma'),
    ),
    seed: slider(
      {
        label: 'seed',
        name: 'seed',
        min: 0,
        max: 99,
        step: 1,
        value: p.seed,
        hint: 'gumbelSoftmax',
      },
      on('seed'),
    ),
  };

  const legend = el(
    'p',
    { class: 'note' },
    'Colours: ',
    ...(
      [
        ['dense', 'dense'],
        ['sparse', 'sparse (exact zeros)'],
        ['rectified', 'rectified'],
        ['stochastic', 'random (Gumbel)'],
        ['other', 'not a distribution'],
      ] as const
    ).flatMap(([f, t]) => [el('span', { style: `color:${FAMILY_COLOR[f]}` }, '■'), ` ${t}  `]),
  );

  tabLayout(
    panel,
    [
      {
        title: 'Logits',
        body: [
          el('figure', { class: 'chart bare' }, editorBox, editorCaption),
          boxes,
          el('div', { class: 'buttons' }, addButton, removeButton, resetButton),
        ],
      },
      {
        title: 'Parameters',
        body: [
          ...Object.values(controls).map((c) => c.row),
          el('p', { class: 'note' }, 'Every normalizer gets the logits divided by T.'),
        ],
      },
    ],
    [
      el('h2', {}, 'Every normalizer on these logits'),
      legend,
      outputs,
      el(
        'h2',
        { style: 'margin-top:1rem' },
        'The simplex: where each normalizer sends three logits',
      ),
      el(
        'p',
        { class: 'note' },
        'A grid of logits (a, b, −a − b), a and b from −3 to 3, divided by T, each sent by the normalizer into the triangle of distributions over three outcomes. Sparse normalizers reach the edges and corners (exact zeros); softmax never leaves the interior. The ring marks the first three logits above.',
      ),
      el(
        'p',
        { class: 'note' },
        'Support size: ',
        ...SUPPORT_COLOR.domain.flatMap((d, i) => [
          el('span', { style: `color:${SUPPORT_COLOR.range[i]}` }, '●'),
          ` ${d}  `,
        ]),
      ),
      simplexGrid,
    ],
  );
  redraw();
}

export const normalizersTab: Tab = { id: 'normalizers', label: 'Normalizers', mount };
