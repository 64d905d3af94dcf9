/**
 * A minimal SVG chart for `softmax-kit plot` (linear scales, axes, bars, text),
 * written as the subset of the chart builder that src/plot/ is to provide, so the
 * command can move onto that module unchanged when it lands.
 */

/** Escape text for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** A coordinate with at most two decimals (never "-0"). */
const num = (v: number): string => String(Math.round(v * 100) / 100 || 0);

/** The linear map of a data interval onto a pixel interval. */
function linear(d: readonly [number, number], r: readonly [number, number]) {
  const k = d[1] === d[0] ? 0 : (r[1] - r[0]) / (d[1] - d[0]);
  return (v: number) => r[0] + (v - d[0]) * k;
}

export interface Bar {
  x0: number;
  x1: number;
  y: number;
  /** Bars start at this height (default the lower end of the y domain). */
  y0?: number;
}

export interface ChartOptions {
  width: number;
  height: number;
  margin?: { top: number; right: number; bottom: number; left: number };
  x: readonly [number, number];
  y: readonly [number, number];
  title?: string;
}

/** A chart under construction; `toString()` gives the SVG. */
export function chart(o: ChartOptions) {
  const m = o.margin ?? { top: 30, right: 12, bottom: 28, left: 44 };
  const x = linear(o.x, [m.left, o.width - m.right]);
  const y = linear(o.y, [o.height - m.bottom, m.top]);
  const parts: string[] = [`<rect width="${o.width}" height="${o.height}" fill="white"/>`];
  const text = (
    px: number,
    py: number,
    s: string,
    size = 11,
    anchor = 'middle',
    weight = 'normal',
  ) =>
    `<text x="${num(px)}" y="${num(py)}" font-size="${size}" text-anchor="${anchor}" font-weight="${weight}" fill="#222">${escapeXml(s)}</text>`;
  if (o.title !== undefined) parts.push(text(m.left, m.top / 2 + 4, o.title, 13, 'start', 'bold'));
  const c = {
    x,
    y,
    /** Horizontal grid lines with labels at `yTicks`, a baseline at 0, labels under x positions. */
    axes(yTicks: readonly number[], xLabels: readonly { at: number; text: string }[]) {
      for (const t of yTicks) {
        parts.push(
          `<line x1="${m.left}" x2="${o.width - m.right}" y1="${num(y(t))}" y2="${num(y(t))}" stroke="#e5e5e5"/>`,
          text(m.left - 5, y(t) + 4, String(+t.toFixed(3)), 10, 'end'),
        );
      }
      const base = y(Math.min(o.y[1], Math.max(o.y[0], 0)));
      parts.push(
        `<line x1="${m.left}" x2="${o.width - m.right}" y1="${num(base)}" y2="${num(base)}" stroke="#333"/>`,
      );
      for (const l of xLabels) parts.push(text(x(l.at), o.height - m.bottom + 14, l.text, 10));
      return c;
    },
    bars(bars: readonly Bar[], fill: string) {
      for (const b of bars) {
        const ya = y(b.y0 ?? o.y[0]);
        const yb = y(b.y);
        parts.push(
          `<rect x="${num(x(b.x0))}" y="${num(Math.min(ya, yb))}" width="${num(x(b.x1) - x(b.x0))}" height="${num(Math.abs(ya - yb))}" fill="${fill}"/>`,
        );
      }
      return c;
    },
    /** Text at a pixel position. */
    text(px: number, py: number, s: string, size = 11) {
      parts.push(text(px, py, s, size, 'start'));
      return c;
    },
    toString(): string {
      const label = escapeXml(o.title ?? 'chart');
      return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${label}" width="${o.width}" height="${o.height}" viewBox="0 0 ${o.width} ${o.height}" font-family="Helvetica, Arial, sans-serif"><title>${label}</title>${parts.join('')}</svg>`;
    },
  };
  return c;
}

/** Charts of equal size laid out in a grid of `columns`, as one SVG. */
export function grid(
  charts: readonly string[],
  columns: number,
  w: number,
  h: number,
  title: string,
): string {
  const rows = Math.ceil(charts.length / columns);
  const top = 34;
  const inner = charts
    .map((s, i) =>
      s.replace('<svg ', `<svg x="${(i % columns) * w}" y="${top + Math.floor(i / columns) * h}" `),
    )
    .join('');
  const W = columns * w;
  const H = top + rows * h;
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeXml(title)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif"><title>${escapeXml(title)}</title><rect width="${W}" height="${H}" fill="white"/><text x="12" y="22" font-size="15" font-weight="bold" fill="#222">${escapeXml(title)}</text>${inner}</svg>\n`;
}
