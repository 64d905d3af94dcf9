/**
 * `softmax-kit plot normalizers <logits…> [--temperature T] [--alpha α] [--k k]
 * [--s s] [--eps ε] [--gamma γ] [--seed n] --out file.svg`: every registered normalizer on
 * x / T as a bar chart, in one SVG file — the playground's Normalizers picture.
 * Thin: it parses, calls the library (the registry) and lays the charts out.
 */
import { writeFileSync } from 'node:fs';
import { entropy } from '../calibration/entropy.js';
import { type NormalizerName, normalizers } from '../normalizers/registry.js';
import { SoftmaxKitError } from '../tensor/errors.js';
import { chart, grid } from './svg.js';

/** The parameters of `plot normalizers`, with their defaults. */
const PARAMS = { temperature: 1, alpha: 1.5, k: 3, s: 1, eps: 1e-8, gamma: -0.03, seed: 7 };
type Params = typeof PARAMS;

interface Shown {
  color: string;
  /** A probability row: drawn on [0, 1], with its entropy. */
  distribution: boolean;
  options(p: Params, n: number): object;
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
function panel(
  name: string,
  y: Float64Array,
  color: string,
  distribution: boolean,
  note: string,
): string {
  const finite = Array.from(y).filter(Number.isFinite);
  const lo = distribution ? 0 : Math.min(0, ...finite);
  const hi = distribution ? 1 : Math.max(0, ...finite);
  const values = Array.from(y, (v) => (Number.isFinite(v) ? v.toFixed(3) : String(v))).join(' ');
  const c = chart({
    width: W,
    height: H,
    x: [0.5, y.length + 0.5],
    y: [lo, hi],
    title: `${name}${note}`,
    margin: { top: 30, right: 12, bottom: 36, left: 44 },
  });
  const ticks = distribution ? [0, 0.25, 0.5, 0.75, 1] : [lo, (lo + hi) / 2, hi];
  c.axes(
    ticks,
    Array.from(y, (_, i) => ({ at: i + 1, text: String(i + 1) })),
  );
  // a −∞ (log-probability 0) has no bar
  c.bars(
    Array.from(y, (v, i) => ({ x0: i + 0.6, x1: i + 1.4, y: Number.isFinite(v) ? v : 0, y0: 0 })),
    color,
  );
  let sum = 0;
  let support = 0;
  for (const v of y) {
    if (Number.isFinite(v)) sum += v;
    if (v !== 0 && v !== Number.NEGATIVE_INFINITY) support++;
  }
  const h = distribution ? ` · H ${entropy(y, { input: 'probabilities' })[0]!.toFixed(3)}` : '';
  c.text(44, H - 4, `sum ${sum.toFixed(3)} · support ${support}/${y.length}${h}`, 10);
  return c.toString().replace(/<title>[^<]*<\/title>/, `<title>${name}: ${values}</title>`);
}

/** The SVG of every normalizer on x / T. */
export function normalizersPicture(logits: readonly number[], p: Params): string {
  const x = Float64Array.from(logits, (v) => v / p.temperature);
  const charts = (Object.keys(normalizers) as NormalizerName[]).map((name) => {
    const s = HOW[name];
    const o = s.options(p, x.length);
    const y = (normalizers[name].forward as (x: Float64Array, o: object) => Float64Array)(x, o);
    const note = Object.entries(o)
      .map(([k, v]) => ` ${k}=${v}`)
      .join('');
    return panel(name, y, s.color, s.distribution, note);
  });
  const t = p.temperature === 1 ? '' : ` / ${p.temperature}`;
  return grid(charts, 4, W, H, `softmax-kit: every normalizer on (${logits.join(', ')})${t}`);
}

/** `softmax-kit plot …`: returns the exit status. */
export function plotCommand(args: readonly string[], print: (line: string) => void): number {
  const [kind, ...rest] = args;
  if (kind !== 'normalizers') {
    print(
      `softmax-kit plot: expected 'normalizers', got ${kind === undefined ? 'nothing' : `'${kind}'`}`,
    );
    return 1;
  }
  const p = { ...PARAMS };
  const logits: number[] = [];
  let out: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--out') out = rest[++i];
    else if (a.startsWith('--')) {
      const key = a.slice(2);
      if (!Object.hasOwn(PARAMS, key)) {
        print(
          `softmax-kit plot normalizers: unknown option '${a}' (options: --${Object.keys(PARAMS).join(', --')}, --out)`,
        );
        return 1;
      }
      p[key as keyof Params] = Number(rest[++i]);
    } else logits.push(a === '-inf' ? Number.NEGATIVE_INFINITY : Number(a));
  }
  if (out === undefined || logits.length === 0 || logits.some(Number.isNaN)) {
    print(
      'usage: softmax-kit plot normalizers <logits…> [--temperature T] [--alpha α] [--k k] [--s s] [--eps ε] [--gamma γ] [--seed n] --out file.svg',
    );
    return 1;
  }
  if (!(p.temperature > 0 && Number.isFinite(p.temperature))) {
    print(
      `softmax-kit plot normalizers: expected --temperature to be finite and > 0, got ${p.temperature}`,
    );
    return 2;
  }
  try {
    writeFileSync(out, normalizersPicture(logits, p));
  } catch (e) {
    if (!(e instanceof SoftmaxKitError)) throw e;
    print(`softmax-kit plot: ${e.message} (${e.code})`);
    return 2;
  }
  print(`wrote ${out}`);
  return 0;
}
