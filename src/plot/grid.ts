/**
 * Several SVG charts of one size laid out in a grid under a title, as one
 * self-contained SVG (each chart nested as an <svg> at its cell's position).
 *
 * @example
 * const a = chart({ width: 200, height: 150, x: [0, 1], y: [0, 1], title: 'a' }).toString();
 * const b = chart({ width: 200, height: 150, x: [0, 1], y: [0, 1], title: 'b' }).toString();
 * grid([a, b], { columns: 2, width: 200, height: 150, title: 'two charts' }); // 400 × 184
 */
import { escapeXml } from './svg.js';

/** Options of {@link grid}: columns, each cell's size, the title above. */
export interface GridOptions {
  columns: number;
  width: number;
  height: number;
  title: string;
}

/** Height of the title band above the cells. */
const TOP = 34;

/** The charts (SVG strings from `chart(…).toString()`) in rows of `columns`. */
export function grid(charts: readonly string[], o: GridOptions): string {
  const W = o.columns * o.width;
  const H = TOP + Math.ceil(charts.length / o.columns) * o.height;
  const cells = charts
    .map((svg, i) => {
      const x = (i % o.columns) * o.width;
      const y = TOP + Math.floor(i / o.columns) * o.height;
      return svg.trim().replace(/^<svg /, `<svg x="${x}" y="${y}" `);
    })
    .join('');
  const t = escapeXml(o.title);
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${t}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif"><title>${t}</title><rect width="${W}" height="${H}" fill="white"/><text x="12" y="23" font-size="15" font-weight="bold" fill="#222">${t}</text>${cells}</svg>\n`;
}
