/**
 * The Attention tab: a small q/k example (seeded random, or a pattern), and the
 * attention weights of each normalizer as heatmaps, with causal masking, a
 * sliding window, a sink logit, ALiBi and a forget gate as toggles.
 *
 * The weights are the library's own: `attention(q, k, v)` with v the identity
 * (valueDim = keys), so output row i is weight row i. With a sink (a virtual key
 * whose value is 0), the weights on the real keys sum to 1 − the sink's share.
 */
import { attention, uniform } from 'softmax-kit';
import { figure, heatmap } from './charts.js';
import type { Tab } from './main.js';
import { checkbox, el, fmt, select, slider, tabLayout } from './ui.js';

export type Pattern = 'random' | 'diagonal' | 'sink' | 'local';

/** The page's parameters. */
export interface AttentionParams {
  pattern: Pattern;
  seed: number;
  /** Queries = keys = n. */
  n: number;
  causal: boolean;
  window: number | null;
  sink: number | null;
  alibi: number | null;
  /** Forget gate f ∈ (0, 1]: logForget = log f at every key. */
  forget: number | null;
}

export const DIM = 8;

/** The attention normalizers shown; the first five are normalized online kinds (sinks apply). */
export const ATTENTION_NORMALIZERS = [
  'softmax',
  'ssmax',
  'softpick',
  'softplusNorm',
  'reluNorm',
  'sigmoid',
  'relu',
  'sparsemax',
  'entmax15',
] as const;
const TAKES_SINK = new Set(['softmax', 'ssmax', 'softpick', 'softplusNorm', 'reluNorm']);
const NORMALIZED = new Set([...TAKES_SINK, 'sparsemax', 'entmax15']);

/** q and k, each [n, DIM], for a pattern (deterministic from the seed). */
export function example(
  pattern: Pattern,
  seed: number,
  n: number,
): { q: Float64Array; k: Float64Array } {
  const z = uniform(seed, 0, new Float64Array(2 * n * DIM)).map(
    (u) => (u - 0.5) * 2 * Math.sqrt(3),
  );
  const q = z.slice(0, n * DIM).map((v) => 1.5 * v);
  const k = z.slice(n * DIM).map((v) => 1.5 * v);
  if (pattern === 'diagonal') for (let t = 0; t < n * DIM; t++) k[t] = q[t]! + 0.4 * k[t]!;
  if (pattern === 'sink')
    // key 0 points where every query roughly points: each query's best match
    for (let i = 0; i < n; i++)
      for (let d = 0; d < DIM; d++) {
        const common = d % 2 === 0 ? 1.2 : -1.2;
        q[i * DIM + d] = common + (0.6 * q[i * DIM + d]!) / 1.5;
        if (i === 0) k[d] = 1.5 * common;
      }
  if (pattern === 'local')
    // rotary-like positions: q_i · k_j depends on i − j only, largest at i = j
    for (let i = 0; i < n; i++)
      for (let d = 0; d < DIM / 2; d++) {
        const w = 0.9 / (1 + d);
        const amp = 2.2;
        q[i * DIM + 2 * d] = amp * Math.cos(w * i);
        q[i * DIM + 2 * d + 1] = amp * Math.sin(w * i);
        k[i * DIM + 2 * d] = amp * Math.cos(w * i);
        k[i * DIM + 2 * d + 1] = amp * Math.sin(w * i);
      }
  return { q, k };
}

/** The options the page passes to `attention` for a normalizer. */
export function attentionOptions(p: AttentionParams, normalizer: string) {
  return {
    dim: DIM,
    queries: p.n,
    keys: p.n,
    valueDim: p.n,
    normalizer,
    causal: p.causal,
    ...(p.window !== null ? { window: p.window } : {}),
    ...(p.sink !== null && TAKES_SINK.has(normalizer) ? { sinks: [p.sink] } : {}),
    ...(p.alibi !== null ? { alibiSlopes: [p.alibi] } : {}),
    ...(p.forget !== null ? { logForget: new Float64Array(p.n).fill(Math.log(p.forget)) } : {}),
  };
}

/** The weight matrix [n, n] of one normalizer: attention to the identity values. */
export function weights(p: AttentionParams, normalizer: string): Float64Array {
  const { q, k } = example(p.pattern, p.seed, p.n);
  const v = new Float64Array(p.n * p.n);
  for (let j = 0; j < p.n; j++) v[j * p.n + j] = 1;
  return attention(q, k, v, attentionOptions(p, normalizer)).out as Float64Array;
}

/** Each row's sum. */
export function rowSums(w: Float64Array, n: number): number[] {
  return Array.from({ length: n }, (_, i) =>
    w.subarray(i * n, (i + 1) * n).reduce((a, b) => a + b, 0),
  );
}

const DEFAULT: AttentionParams = {
  pattern: 'random',
  seed: 1,
  n: 8,
  causal: false,
  window: null,
  sink: null,
  alibi: null,
  forget: null,
};

function mount(panel: HTMLElement): void {
  const p: AttentionParams = { ...DEFAULT };
  const maps = el('div', { class: 'grid wide', id: 'attention-maps' });
  const memory = { window: 3, sink: 1, alibi: 0.5, forget: 0.8 };

  function draw(): void {
    maps.replaceChildren(
      ...ATTENTION_NORMALIZERS.map((name) => {
        let w: Float64Array;
        try {
          w = weights(p, name);
        } catch (e) {
          return figure(
            name,
            name,
            el('p', { class: 'error' }, String((e as Error).message)),
            'not computed',
          );
        }
        const sums = rowSums(w, p.n);
        const max = NORMALIZED.has(name) ? 1 : Math.max(1e-12, ...w);
        let best = 0;
        for (let t = 1; t < w.length; t++) if (w[t]! > w[best]!) best = t;
        const sinkOn = p.sink !== null && TAKES_SINK.has(name);
        const share = sums.map((s) => 1 - s);
        const meanSum = sums.reduce((a, b) => a + b, 0) / p.n;
        const text = [
          `row sums ${sums.map((s) => fmt(s, 2)).join(' ')}`,
          sinkOn ? `sink's share: mean ${fmt(share.reduce((a, b) => a + b, 0) / p.n, 3)}` : null,
          `largest weight ${fmt(w[best]!, 3)} (query ${Math.floor(best / p.n)}, key ${best % p.n})`,
          NORMALIZED.has(name) ? null : `colour scale 0 to ${fmt(max, 2)} (not normalized)`,
        ]
          .filter(Boolean)
          .join(' · ');
        const chart = heatmap(w, p.n, p.n, {
          title: `${name} attention weights`,
          width: 280,
          height: 34 + 26 * p.n,
          max,
          description: `${name}: ${text}`,
        });
        const data = el('p', {
          class: 'values',
          hidden: true,
          'data-weights': JSON.stringify(Array.from(w)),
          'data-row-sums': JSON.stringify(sums),
          'data-mean-row-sum': meanSum,
        });
        const note = sinkOn || p.sink === null ? '' : ' (no sink: not a normalized online kind)';
        return figure(name, `${name}${note}`, chart, text, data);
      }),
    );
  }

  const patterns = [
    { value: 'random', text: 'random (seeded)' },
    { value: 'diagonal', text: 'diagonal: each query finds its key' },
    { value: 'sink', text: 'sink: key 0 matches every query' },
    { value: 'local', text: 'local: positions (rotary-like)' },
  ] as const;
  type Optional = 'window' | 'sink' | 'alibi' | 'forget';
  /** A toggle with a slider for its value (the value remembered while off). */
  const toggled = (key: Optional, label: string, spec: Parameters<typeof slider>[0]) => {
    const s = slider({ ...spec, value: memory[key] }, (v) => {
      memory[key] = v;
      if (p[key] !== null) {
        p[key] = v;
        draw();
      }
    });
    s.enable(false);
    const c = checkbox(label, `${key}-on`, false, (on) => {
      p[key] = on ? memory[key] : null;
      s.enable(on);
      draw();
    });
    return el('div', { class: 'toggle' }, c, s.row);
  };

  tabLayout(
    panel,
    [
      {
        title: 'Queries and keys',
        body: [
          select('pattern', 'pattern', patterns, p.pattern, (v) => {
            p.pattern = v;
            draw();
          }),
          slider(
            { label: 'seed', name: 'attention-seed', min: 0, max: 999, step: 1, value: p.seed },
            (v) => {
              p.seed = v;
              draw();
            },
          ).row,
          slider(
            {
              label: 'length n',
              name: 'length',
              min: 2,
              max: 16,
              step: 1,
              value: p.n,
              hint: 'queries = keys',
            },
            (v) => {
              p.n = v;
              draw();
            },
          ).row,
          el(
            'p',
            { class: 'note' },
            `q, k: [n, ${DIM}], scale 1/√${DIM}; v is the identity, so each output row is a row of weights.`,
          ),
        ],
      },
      {
        title: 'Masks and biases',
        body: [
          checkbox('causal', 'causal', false, (on) => {
            p.causal = on;
            draw();
          }),
          toggled('window', 'sliding window', {
            label: 'window w',
            name: 'window',
            min: 1,
            max: 16,
            step: 1,
            value: 3,
            hint: 'window',
          }),
          toggled('sink', 'sink logit', {
            label: 'sink',
            name: 'sink',
            min: -4,
            max: 6,
            step: 0.1,
            value: 1,
            hint: 'sinks',
          }),
          toggled('alibi', 'ALiBi', {
            label: 'slope',
            name: 'alibi',
            min: 0,
            max: 2,
            step: 0.05,
            value: 0.5,
            hint: 'alibiSlopes',
          }),
          toggled('forget', 'forget gate', {
            label: 'forget f',
            name: 'forget',
            min: 0.05,
            max: 1,
            step: 0.01,
            value: 0.8,
            hint: 'logForget = ln f',
          }),
          el(
            'p',
            { class: 'note' },
            'A sink is a virtual key with value 0 that only normalized online kinds take; its share is 1 − the row sum. ALiBi adds −slope·|i − j|; the forget gate adds (i − j)·ln f.',
          ),
        ],
      },
    ],
    [el('h2', {}, 'Attention weights per normalizer'), maps],
  );
  draw();
}

export const attentionTab: Tab = { id: 'attention', label: 'Attention', mount };
