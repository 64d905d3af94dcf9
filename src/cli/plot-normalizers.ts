/**
 * `softmax-kit plot normalizers`: every registered normalizer on x / T as a bar
 * chart with its sum, support size and entropy — the playground's Normalizers
 * picture as one SVG, drawn with src/plot/.
 */
import { entropy } from '../calibration/entropy.js';
import { type NormalizerName, normalizers } from '../normalizers/registry.js';
import { grid } from '../plot/grid.js';
import { chart } from '../plot/svg.js';

/** The parameters of `plot normalizers`, with their defaults. */
export const NORMALIZER_PARAMS = {
  temperature: 1,
  alpha: 1.5,
  k: 3,
  s: 1,
  eps: 1e-8,
  gamma: -0.03,
  seed: 7,
};
export type NormalizerParams = typeof NORMALIZER_PARAMS;

interface Shown {
  color: string;
  /** A probability row: drawn on [0, 1], with its entropy. */
  distribution: boolean;
  options(p: NormalizerParams, n: number): object;
}
const none = () => ({});
const DENSE = '#4269d0';
const SPARSE = '#ff725c';
const RECTIFIED = '#3ca951';
const OTHER = '#9498a0';
/** How each registered normalizer is drawn (a Record: a new one must be added here). */
const HOW: Record<NormalizerName, Shown> = {
  softmax: { color: DENSE, distribution: true, options: none },
  logSoftmax: { color: OTHER, distribution: false, options: none },
  sparsemax: { color: SPARSE, distribution: true, options: none },
  entmax15: { color: SPARSE, distribution: true, options: none },
  entmax: { color: SPARSE, distribution: true, options: (p) => ({ alpha: p.alpha }) },
  sparseSoftmax: {
    color: SPARSE,
    distribution: true,
    options: (p, n) => ({ k: Math.min(p.k, n) }),
  },
  gumbelSoftmax: {
    color: '#a463f2',
    distribution: true,
    options: (p) => ({ tau: 1, seed: p.seed }),
  },
  ssmax: { color: DENSE, distribution: true, options: (p) => ({ s: p.s }) },
  softpick: { color: RECTIFIED, distribution: false, options: (p) => ({ eps: p.eps }) },
  saSoftmax: { color: OTHER, distribution: false, options: none },
  softplusNorm: { color: RECTIFIED, distribution: true, options: none },
  reluNorm: { color: RECTIFIED, distribution: true, options: none },
  adaptiveTemperatureSoftmax: { color: DENSE, distribution: true, options: none },
  clippedSoftmax: { color: SPARSE, distribution: false, options: (p) => ({ gamma: p.gamma }) },
};

const W = 250;
const H = 190;

/** One normalizer's bar chart; its <title> holds the values (3 decimals) for readers and tests. */
function panel(name: string, y: Float64Array, s: Shown, note: string): string {
  const finite = Array.from(y).filter(Number.isFinite);
  const lo = s.distribution ? 0 : Math.min(0, ...finite);
  const hi = s.distribution ? 1 : Math.max(0, ...finite);
  const c = chart({
    width: W,
    height: H,
    margin: { top: 30, right: 12, bottom: 36, left: 44 },
    x: [0.5, y.length + 0.5],
    y: [lo, hi],
    title: `${name}${note}`,
  });
  const left = c.x.range[0];
  for (const t of s.distribution ? [0, 0.25, 0.5, 0.75, 1] : [lo, (lo + hi) / 2, hi]) {
    c.line(
      [
        [0.5, t],
        [y.length + 0.5, t],
      ],
      { stroke: '#e5e5e5' },
    );
    c.text(left - 5, c.y(t) + 4, String(+t.toFixed(3)), { size: 10, anchor: 'end' }, true);
  }
  // a −∞ (log-probability 0) has no bar
  c.bars(
    Array.from(y, (v, i) => ({ x0: i + 0.6, x1: i + 1.4, y: Number.isFinite(v) ? v : 0, y0: 0 })),
    { fill: s.color },
  );
  c.line(
    [
      [0.5, 0],
      [y.length + 0.5, 0],
    ],
    { stroke: '#333' },
  );
  for (let i = 0; i < y.length; i++) c.text(c.x(i + 1), H - 24, String(i + 1), { size: 10 }, true);
  let sum = 0;
  let support = 0;
  for (const v of y) {
    if (Number.isFinite(v)) sum += v;
    if (v !== 0 && v !== Number.NEGATIVE_INFINITY) support++;
  }
  const h = s.distribution ? ` · H ${entropy(y, { input: 'probabilities' })[0]!.toFixed(3)}` : '';
  const summary = `sum ${sum.toFixed(3)} · support ${support}/${y.length}${h}`;
  c.text(left, H - 6, summary, { size: 10, anchor: 'start' }, true);
  const values = Array.from(y, (v) => (Number.isFinite(v) ? v.toFixed(3) : String(v))).join(' ');
  return c.toString().replace(/<title>[^<]*<\/title>/, `<title>${name}: ${values}</title>`);
}

/** The SVG of every registered normalizer on x / T. */
export function normalizersPicture(logits: readonly number[], p: NormalizerParams): string {
  const x = Float64Array.from(logits, (v) => v / p.temperature);
  const charts = (Object.keys(normalizers) as NormalizerName[]).map((name) => {
    const s = HOW[name];
    const o = s.options(p, x.length);
    const y = (normalizers[name].forward as (x: Float64Array, o: object) => Float64Array)(x, o);
    const note = Object.entries(o)
      .map(([k, v]) => ` ${k}=${v}`)
      .join('');
    return panel(name, y, s, note);
  });
  const t = p.temperature === 1 ? '' : ` / ${p.temperature}`;
  return grid(charts, {
    columns: 4,
    width: W,
    height: H,
    title: `softmax-kit: every normalizer on (${logits.join(', ')})${t}`,
  });
}
