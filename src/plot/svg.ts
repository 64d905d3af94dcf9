/**
 * SVG drawing of numbers: a small, dependency-free chart builder that knows
 * nothing of softmax-kit. A chart maps data coordinates to pixels through two
 * linear scales and collects marks (bars, lines, points, text, axes) into one
 * self-contained SVG string (no scripts, no external fonts or styles; a <title>
 * and aria-label for screen readers), readable in a browser and in GitHub's Markdown. Used by the reliability diagram, the
 * CLI and the playground.
 *
 * @example
 * const c = chart({ width: 320, height: 240, x: [0, 1], y: [0, 1], title: 'y = x²' });
 * c.axes({ xLabel: 'x', yLabel: 'y' });
 * c.line([[0, 0], [0.5, 0.25], [1, 1]], { stroke: '#1f77b4' });
 * c.bars([{ x0: 0, x1: 0.5, y: 0.3 }], { fill: '#aec7e8' });
 * const svg = c.toString(); // '<svg xmlns="http://www.w3.org/2000/svg" …'
 */

/** Escape text for SVG/XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** A number as a short SVG coordinate (at most 2 decimals; never "-0", NaN drawn as 0). */
export function num(v: number): string {
  if (!Number.isFinite(v)) return '0';
  const r = Math.round(v * 100) / 100;
  return String(r === 0 ? 0 : r);
}

/** Attribute values: strings are escaped, numbers shortened, undefined dropped. */
export type Attributes = Readonly<Record<string, string | number | undefined>>;

/** `<name a="…">children</name>` (self-closing without children). */
export function element(name: string, attributes: Attributes = {}, children?: string): string {
  const attrs = Object.entries(attributes)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? num(v) : escapeXml(v as string)}"`)
    .join('');
  return children === undefined ? `<${name}${attrs}/>` : `<${name}${attrs}>${children}</${name}>`;
}

/** A linear map from a data interval to a pixel interval. */
export interface Scale {
  (value: number): number;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
}

/** The linear scale domain → range (a zero-width domain maps to the range's middle). */
export function linearScale(
  domain: readonly [number, number],
  range: readonly [number, number],
): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  const f = (v: number) => (d1 === d0 ? (r0 + r1) / 2 : r0 + (v - d0) * k);
  return Object.assign(f, { domain, range });
}

/** `count + 1` evenly spaced ticks over the domain. */
export function ticks(domain: readonly [number, number], count = 5): number[] {
  const [a, b] = domain;
  return Array.from({ length: count + 1 }, (_, i) => a + ((b - a) * i) / count);
}

/** Presentation of a mark: SVG paint attributes. */
export interface Style {
  fill?: string;
  stroke?: string;
  strokeWidth?: number;
  opacity?: number;
  dash?: string;
}

/** Text presentation: size in px, anchor, weight, colour. */
export interface TextStyle {
  size?: number;
  anchor?: 'start' | 'middle' | 'end';
  weight?: 'normal' | 'bold';
  fill?: string;
  rotate?: number;
}

/** A bar from x0 to x1 (data units), from y0 (default the y domain's lower end) up to y. */
export interface Bar {
  x0: number;
  x1: number;
  y: number;
  y0?: number;
  /** Tooltip text (an SVG <title>). */
  title?: string;
}

/** Options of {@link chart}. */
export interface ChartOptions {
  width?: number;
  height?: number;
  /** Pixels around the plot area: top, right, bottom, left. */
  margin?: { top: number; right: number; bottom: number; left: number };
  /** The data domains of the axes. */
  x: readonly [number, number];
  y: readonly [number, number];
  title?: string;
  /** Background colour of the whole image. Default white. */
  background?: string;
}

/** A chart under construction: scales, mark methods, and the finished SVG. */
export interface Chart {
  readonly x: Scale;
  readonly y: Scale;
  readonly width: number;
  readonly height: number;
  /** Axes with ticks, tick labels, grid lines and axis labels. */
  axes(options?: { xLabel?: string; yLabel?: string; ticks?: number; grid?: boolean }): Chart;
  bars(bars: readonly Bar[], style?: Style): Chart;
  line(points: readonly (readonly [number, number])[], style?: Style): Chart;
  points(points: readonly (readonly [number, number])[], radius?: number, style?: Style): Chart;
  /** Text at a data position (or, with `pixels`, at a pixel position). */
  text(x: number, y: number, text: string, style?: TextStyle, pixels?: boolean): Chart;
  /** A raw SVG fragment (use {@link element} to build it). */
  add(fragment: string): Chart;
  toString(): string;
}

const FONT = 'font-family="Helvetica, Arial, sans-serif"';

/** Start a chart: pixel size, margins, the data domains and a title. */
export function chart(options: ChartOptions): Chart {
  const width = options.width ?? 400;
  const height = options.height ?? 320;
  const m = options.margin ?? { top: 36, right: 16, bottom: 48, left: 56 };
  const x = linearScale(options.x, [m.left, width - m.right]);
  const y = linearScale(options.y, [height - m.bottom, m.top]);
  const parts: string[] = [element('rect', { width, height, fill: options.background ?? 'white' })];
  if (options.title !== undefined)
    parts.push(textElement(width / 2, m.top / 2 + 6, options.title, { size: 14, weight: 'bold' }));
  const c: Chart = {
    x,
    y,
    width,
    height,
    axes(a = {}) {
      const n = a.ticks ?? 5;
      const [xl, xr] = x.range;
      const [yb, yt] = y.range;
      for (const t of ticks(options.x, n)) {
        if (a.grid !== false) parts.push(element('line', gridLine(x(t), yb, x(t), yt)));
        parts.push(textElement(x(t), yb + 16, label(t), { size: 11 }));
      }
      for (const t of ticks(options.y, n)) {
        if (a.grid !== false) parts.push(element('line', gridLine(xl, y(t), xr, y(t))));
        parts.push(textElement(xl - 6, y(t) + 4, label(t), { size: 11, anchor: 'end' }));
      }
      parts.push(
        element('rect', {
          x: xl,
          y: yt,
          width: xr - xl,
          height: yb - yt,
          fill: 'none',
          stroke: '#333',
        }),
      );
      if (a.xLabel !== undefined)
        parts.push(textElement((xl + xr) / 2, height - 10, a.xLabel, { size: 12 }));
      if (a.yLabel !== undefined)
        parts.push(textElement(16, (yb + yt) / 2, a.yLabel, { size: 12, rotate: -90 }));
      return c;
    },
    bars(bars, style = {}) {
      for (const b of bars) {
        const x0 = x(Math.min(b.x0, b.x1));
        const x1 = x(Math.max(b.x0, b.x1));
        const ya = y(b.y0 ?? options.y[0]);
        const yb = y(b.y);
        const attrs = {
          x: x0,
          y: Math.min(ya, yb),
          width: x1 - x0,
          height: Math.abs(ya - yb),
          ...paint(style),
        };
        parts.push(
          b.title === undefined
            ? element('rect', attrs)
            : element('rect', attrs, element('title', {}, escapeXml(b.title))),
        );
      }
      return c;
    },
    line(points, style = {}) {
      const d = points.map(([px, py], i) => `${i ? 'L' : 'M'}${num(x(px))},${num(y(py))}`).join('');
      // a line is never filled, and strokes #333 unless told (paint's undefined would drop both)
      const { fill: _fill, stroke, ...rest } = paint(style);
      parts.push(element('path', { d, fill: 'none', stroke: stroke ?? '#333', ...rest }));
      return c;
    },
    points(points, radius = 3, style = {}) {
      for (const [px, py] of points)
        parts.push(element('circle', { cx: x(px), cy: y(py), r: radius, ...paint(style) }));
      return c;
    },
    text(tx, ty, text, style = {}, pixels = false) {
      parts.push(textElement(pixels ? tx : x(tx), pixels ? ty : y(ty), text, style));
      return c;
    },
    add(fragment) {
      parts.push(fragment);
      return c;
    },
    toString() {
      const label = escapeXml(options.title ?? 'chart');
      return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${label}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}><title>${label}</title>${parts.join('')}</svg>\n`;
    },
  };
  return c;
}

function label(v: number): string {
  return String(Math.round(v * 1000) / 1000);
}

function gridLine(x1: number, y1: number, x2: number, y2: number): Attributes {
  return { x1, y1, x2, y2, stroke: '#e5e5e5', 'stroke-width': 1 };
}

function paint(s: Style): Attributes {
  return {
    fill: s.fill,
    stroke: s.stroke,
    'stroke-width': s.strokeWidth,
    opacity: s.opacity,
    'stroke-dasharray': s.dash,
  };
}

function textElement(x: number, y: number, text: string, s: TextStyle): string {
  return element(
    'text',
    {
      x,
      y,
      'font-size': s.size ?? 12,
      'text-anchor': s.anchor ?? 'middle',
      'font-weight': s.weight,
      fill: s.fill ?? '#222',
      transform: s.rotate === undefined ? undefined : `rotate(${s.rotate} ${num(x)} ${num(y)})`,
    },
    escapeXml(text),
  );
}
