/**
 * The playground's charts, drawn with Observable Plot (SVG, no canvas: sharp at
 * any zoom, readable by screen readers through aria-label / aria-description).
 * Each chart is wrapped in a <figure> whose <figcaption> is its text summary.
 */
import * as Plot from '@observablehq/plot';
import { el } from './ui.js';

/** Colours by kind of normalizer (Observable's 10-colour palette). */
export const FAMILY_COLOR = {
  dense: '#4269d0',
  sparse: '#ff725c',
  rectified: '#3ca951',
  stochastic: '#a463f2',
  other: '#9498a0',
} as const;
export type Family = keyof typeof FAMILY_COLOR;

const FONT = { fontSize: '11px', fontFamily: 'system-ui, sans-serif', overflow: 'visible' };

/** A chart in a <figure> with its summary as caption; `name` becomes data-chart. */
export function figure(
  name: string,
  heading: string,
  chart: Element,
  summary: string,
  extra?: Node,
): HTMLElement {
  const f = el('figure', { class: 'chart', 'data-chart': name });
  f.append(el('div', { class: 'chart-title' }, heading), chart);
  if (extra) f.append(extra);
  f.append(el('figcaption', {}, summary));
  return f;
}

export interface BarsOptions {
  title: string;
  color: string;
  width: number;
  height: number;
  /** Fixed y domain (else from the values, with 0 included). */
  yDomain?: [number, number];
  /** Write each bar's value above it. */
  labels?: boolean;
  description: string;
}

/** A chart with its scales (Plot's `plot.scale(name)`). */
export type Chart = SVGSVGElement & { scale(name: 'x' | 'y'): Plot.Scale | undefined };

/** One bar per entry, x = 1…n; −∞ entries are left out (no bar). */
export function bars(values: ArrayLike<number>, o: BarsOptions): Chart {
  const data = Array.from(values, (v, i) => ({ i: i + 1, v }));
  const finite = data.filter((d) => Number.isFinite(d.v));
  return Plot.plot({
    width: o.width,
    height: o.height,
    marginLeft: 38,
    marginTop: 22,
    marginBottom: 22,
    style: FONT,
    ariaLabel: o.title,
    ariaDescription: o.description,
    x: {
      type: 'band',
      domain: data.map((d) => d.i),
      label: null,
      padding: 0.15,
      // a long row: a tick every fifth entry
      ticks:
        data.length > 12
          ? data.filter((d) => d.i === 1 || d.i % 5 === 0).map((d) => d.i)
          : undefined,
    },
    y: { domain: o.yDomain, grid: true, nice: !o.yDomain, label: null, ticks: 4 },
    marks: [
      Plot.barY(finite, { x: 'i', y: 'v', fill: o.color }),
      Plot.ruleY([0], { stroke: '#333' }),
      // values above positive bars and below negative ones
      ...(o.labels
        ? [1, -1].map((sign) =>
            Plot.text(
              finite.filter((d) => (sign > 0 ? d.v >= 0 : d.v < 0)),
              {
                x: 'i',
                y: 'v',
                text: (d: { v: number }) => d.v.toFixed(2).replace('-', '−'),
                dy: -7 * sign,
                fontSize: 10,
                fill: '#222',
              },
            ),
          )
        : []),
    ],
  }) as Chart;
}

export interface HeatmapOptions {
  title: string;
  width: number;
  height: number;
  /** The colour domain's top (the bottom is 0). */
  max: number;
  description: string;
}

/** A queries × keys map of weights (rows top to bottom), the weights written in the cells. */
export function heatmap(w: ArrayLike<number>, rows: number, cols: number, o: HeatmapOptions) {
  const data = Array.from({ length: rows * cols }, (_, t) => ({
    q: Math.floor(t / cols),
    k: t % cols,
    w: w[t]!,
  }));
  return Plot.plot({
    width: o.width,
    height: o.height,
    marginLeft: 30,
    marginTop: 34,
    marginBottom: 8,
    style: FONT,
    ariaLabel: o.title,
    ariaDescription: o.description,
    x: { type: 'band', axis: 'top', label: 'key →', tickSize: 0 },
    y: { type: 'band', label: 'query ↓', tickSize: 0 },
    color: { type: 'linear', scheme: 'blues', domain: [0, o.max] },
    marks: [
      Plot.cell(data, { x: 'k', y: 'q', fill: 'w', inset: 0.5 }),
      cols <= 10
        ? Plot.text(data, {
            x: 'k',
            y: 'q',
            text: (d: { w: number }) => (d.w === 0 ? '' : d.w.toFixed(2).replace(/^0/, '')),
            fill: (d: { w: number }) => (d.w > 0.55 * o.max ? 'white' : '#223'),
            fontSize: 9,
          })
        : null,
    ],
  }) as SVGSVGElement;
}

/** The corners of the probability simplex in the plane (e₁ bottom left, e₂ bottom right, e₃ top). */
const CORNERS = [
  [0, 0],
  [1, 0],
  [0.5, Math.sqrt(3) / 2],
] as const;

/** A point of the 2-simplex in the plane. */
export function simplexXY(p2: number, p3: number): [number, number] {
  return [p2 * CORNERS[1][0] + p3 * CORNERS[2][0], p3 * CORNERS[2][1]];
}

export const SUPPORT_COLOR = {
  domain: ['3 (interior)', '2 (edge)', '1 (corner)'],
  range: ['#4269d0', '#ff725c', '#3ca951'],
};

/**
 * Where a normalizer sends a grid of three-logit vectors: one dot per grid point,
 * coloured by its support size; `current` (the page's first three logits) ringed.
 */
export function simplex(
  points: { x: number; y: number; support: number }[],
  current: [number, number] | null,
  o: { title: string; width: number; description: string },
) {
  const outline = [...CORNERS, CORNERS[0]].map(([x, y]) => ({ x, y }));
  const labels = CORNERS.map(([x, y], i) => ({
    x,
    y: y + (i === 2 ? 0.07 : -0.07),
    t: `e${i + 1}`,
  }));
  const kind = (s: number) => SUPPORT_COLOR.domain[3 - s]!;
  return Plot.plot({
    width: o.width,
    height: o.width * 0.9,
    inset: 12,
    style: FONT,
    ariaLabel: o.title,
    ariaDescription: o.description,
    x: { axis: null, domain: [0, 1] },
    y: { axis: null, domain: [-0.07, Math.sqrt(3) / 2 + 0.07] },
    color: SUPPORT_COLOR,
    marks: [
      Plot.line(outline, { x: 'x', y: 'y', stroke: '#999' }),
      Plot.dot(
        points.filter((d) => d.support > 0),
        { x: 'x', y: 'y', r: 1.6, fill: (d: { support: number }) => kind(d.support) },
      ),
      Plot.text(labels, { x: 'x', y: 'y', text: 't', fontSize: 10 }),
      current
        ? Plot.dot([{ x: current[0], y: current[1] }], {
            x: 'x',
            y: 'y',
            r: 6,
            stroke: '#111',
            strokeWidth: 2,
          })
        : null,
    ],
  });
}

/** Horizontal bars with a value label, one per row of `data` (used for timings). */
export function hbars(
  data: { name: string; value: number; group: string }[],
  o: { title: string; width: number; label: string; description: string },
) {
  return Plot.plot({
    width: o.width,
    height: 40 + 26 * data.length,
    marginLeft: 190,
    marginRight: 70,
    style: FONT,
    ariaLabel: o.title,
    ariaDescription: o.description,
    x: { grid: true, label: o.label, nice: true },
    y: { label: null, domain: data.map((d) => d.name) },
    color: {
      legend: false,
      domain: ['plain JavaScript', 'softmax-kit js', 'softmax-kit wasm'],
      range: [FAMILY_COLOR.other, FAMILY_COLOR.rectified, FAMILY_COLOR.dense],
    },
    marks: [
      Plot.barX(data, { x: 'value', y: 'name', fill: 'group' }),
      Plot.text(data, {
        x: 'value',
        y: 'name',
        text: (d: { value: number }) => d.value.toPrecision(3),
        dx: 4,
        textAnchor: 'start',
      }),
      Plot.ruleX([0]),
    ],
  });
}

/** A reliability diagram from a bins table: accuracy bars over the confidence bins, the diagonal. */
export function reliability(
  bins: readonly {
    lower: number;
    upper: number;
    count: number;
    confidence: number;
    accuracy: number;
  }[],
  o: { width: number; color: string; description: string; label: string },
) {
  const full = bins.filter((b) => b.count > 0);
  return Plot.plot({
    width: o.width,
    height: o.width,
    marginLeft: 44,
    marginBottom: 40,
    style: FONT,
    ariaLabel: o.label,
    ariaDescription: o.description,
    x: { domain: [0, 1], label: 'confidence →', grid: true },
    y: { domain: [0, 1], label: '↑ accuracy', grid: true },
    marks: [
      Plot.rectY(full, {
        x1: 'lower',
        x2: 'upper',
        y: 'accuracy',
        fill: o.color,
        fillOpacity: 0.8,
        inset: 0.5,
      }),
      // the gap from the bin's mean confidence to its accuracy
      Plot.link(full, {
        x1: (b) => (b.lower + b.upper) / 2,
        x2: (b) => (b.lower + b.upper) / 2,
        y1: 'accuracy',
        y2: 'confidence',
        stroke: '#b3261e',
        strokeWidth: 2,
      }),
      Plot.line(
        [
          [0, 0],
          [1, 1],
        ],
        { stroke: '#555', strokeDasharray: '4,3' },
      ),
    ],
  });
}

/** The colours of {@link curves}' series, in order. */
export const SERIES_COLORS = [FAMILY_COLOR.dense, FAMILY_COLOR.sparse, FAMILY_COLOR.rectified];

/** Lines y(x) for a few named series (risk–coverage curves), coloured by SERIES_COLORS. */
export function curves(
  series: { name: string; x: ArrayLike<number>; y: ArrayLike<number> }[],
  o: { width: number; xLabel: string; yLabel: string; description: string; label: string },
) {
  const data = series.flatMap((s) => Array.from(s.x, (x, i) => ({ name: s.name, x, y: s.y[i]! })));
  return Plot.plot({
    width: o.width,
    height: o.width,
    marginLeft: 44,
    marginBottom: 40,
    style: FONT,
    ariaLabel: o.label,
    ariaDescription: o.description,
    x: { domain: [0, 1], label: o.xLabel, grid: true },
    y: { label: o.yLabel, grid: true, nice: true, zero: true },
    color: { domain: series.map((s) => s.name), range: SERIES_COLORS },
    marks: [Plot.line(data, { x: 'x', y: 'y', stroke: 'name', strokeWidth: 2 }), Plot.ruleY([0])],
  });
}

/** Drawn frequencies (bars) against exact probabilities (dots), one per token. */
export function histogram(
  drawn: readonly number[],
  exact: readonly number[],
  labels: readonly string[],
  o: { width: number; description: string },
) {
  const data = labels.map((t, i) => ({ t, drawn: drawn[i]!, exact: exact[i]! }));
  return Plot.plot({
    width: o.width,
    height: 230,
    marginLeft: 44,
    marginBottom: 44,
    style: FONT,
    ariaLabel: 'drawn frequencies against exact probabilities',
    ariaDescription: o.description,
    x: { type: 'band', domain: [...labels], label: null, tickRotate: -45, padding: 0.15 },
    y: { grid: true, label: 'probability', nice: true },
    marks: [
      Plot.barY(data, { x: 't', y: 'drawn', fill: FAMILY_COLOR.dense, fillOpacity: 0.75 }),
      Plot.dot(
        data.filter((d) => d.exact > 0),
        { x: 't', y: 'exact', r: 4, fill: '#111' },
      ),
      Plot.ruleY([0]),
    ],
  });
}
