/**
 * The Sampling tab: a token distribution (a Zipf row over a small vocabulary of
 * words, or seeded random logits), the sampler chain as an ordered, editable
 * list — after each step the tokens it keeps and their probabilities, with the
 * entropy — and "sample 1,000": a histogram of `sample`'s draws against the
 * exact final distribution.
 *
 * Each step is the library's own filter on the previous step's logits (a
 * filter's probabilities are softmax of the logits it is given); temperature
 * divides them by T. `sample` with the same `order` runs the same chain inside.
 */
import {
  entropy,
  epsilonFilter,
  etaFilter,
  minPFilter,
  sample,
  softmax,
  topKFilter,
  topNSigmaFilter,
  topPFilter,
  typicalFilter,
  uniform,
} from 'softmax-kit';
import { bars, figure, histogram } from './charts.js';
import type { Tab } from './main.js';
import { el, fmt, select, slider, tabLayout } from './ui.js';

/** The vocabulary: common English words, most frequent first. */
export const WORDS = [
  'the',
  'of',
  'and',
  'to',
  'a',
  'in',
  'is',
  'it',
  'that',
  'was',
  'for',
  'on',
  'are',
  'with',
  'as',
  'I',
  'his',
  'they',
  'be',
  'at',
  'one',
  'have',
  'this',
  'from',
] as const;

/** The chain's steps the page offers (XTC draws its own randomness per row: left to `sample`). */
export const STEP_KINDS = {
  topK: {
    label: 'top-k',
    param: 'k',
    min: 1,
    max: WORDS.length,
    step: 1,
    value: 10,
    option: 'topK',
  },
  topP: { label: 'top-p', param: 'p', min: 0.01, max: 1, step: 0.01, value: 0.9, option: 'topP' },
  minP: { label: 'min-p', param: 'p', min: 0, max: 1, step: 0.01, value: 0.05, option: 'minP' },
  typical: {
    label: 'typical',
    param: 'p',
    min: 0.01,
    max: 1,
    step: 0.01,
    value: 0.9,
    option: 'typicalP',
  },
  epsilon: {
    label: 'ε',
    param: 'ε',
    min: 0,
    max: 0.2,
    step: 0.005,
    value: 0.02,
    option: 'epsilon',
  },
  eta: { label: 'η', param: 'η', min: 0, max: 0.2, step: 0.005, value: 0.02, option: 'eta' },
  topNSigma: {
    label: 'top-nσ',
    param: 'n',
    min: 0,
    max: 5,
    step: 0.1,
    value: 1.5,
    option: 'topNSigma',
  },
  temperature: {
    label: 'temperature',
    param: 'T',
    min: 0.05,
    max: 5,
    step: 0.05,
    value: 0.8,
    option: 'temperature',
  },
} as const;
export type StepKind = keyof typeof STEP_KINDS;
export interface Step {
  kind: StepKind;
  value: number;
}

/** The token logits: Zipf (l_i = −s·ln i, so p_i ∝ i^−s) or seeded random ones. */
export function tokenLogits(source: 'zipf' | 'random', s: number, seed: number): Float64Array {
  if (source === 'zipf') return Float64Array.from(WORDS, (_, i) => -s * Math.log(i + 1));
  return uniform(seed, 0, new Float64Array(WORDS.length)).map((u) => 6 * u);
}

/** One step of the chain, as the library computes it. */
export function applyStep(logits: Float64Array, step: Step): Float64Array {
  const v = step.value;
  switch (step.kind) {
    case 'topK':
      return topKFilter(logits, { k: v });
    case 'topP':
      return topPFilter(logits, { p: v });
    case 'minP':
      return minPFilter(logits, { p: v });
    case 'typical':
      return typicalFilter(logits, { p: v });
    case 'epsilon':
      return epsilonFilter(logits, { epsilon: v });
    case 'eta':
      return etaFilter(logits, { eta: v });
    case 'topNSigma':
      return topNSigmaFilter(logits, { n: v });
    case 'temperature':
      return logits.map((l) => l / v);
  }
}

/** `sample`'s options for the chain: each step's option and the order. */
export function sampleOptions(chain: readonly Step[]) {
  const o: Record<string, unknown> = { order: chain.map((s) => s.kind) };
  for (const s of chain) o[STEP_KINDS[s.kind].option] = s.value;
  return o;
}

/** Probabilities of the logits (softmax), −∞ → 0. */
const probs = (l: Float64Array) => softmax(l);
/** Shannon entropy (nats) of a probability row, 0·ln 0 = 0. */
function entropyOf(p: Float64Array): number {
  return entropy(p, { input: 'probabilities' })[0]!;
}

interface State {
  source: 'zipf' | 'random';
  s: number;
  seed: number;
  chain: Step[];
  sampleSeed: number;
}

const DEFAULT_CHAIN: Step[] = [
  { kind: 'topK', value: 10 },
  { kind: 'topP', value: 0.9 },
  { kind: 'minP', value: 0.05 },
  { kind: 'temperature', value: 0.8 },
];

/** The logits after each step: [raw, after step 1, …]. */
export function chainStages(logits: Float64Array, chain: readonly Step[]): Float64Array[] {
  const out = [logits];
  for (const s of chain) out.push(applyStep(out[out.length - 1]!, s));
  return out;
}

/** `n` draws of `sample` on the row (one row per draw, the same seed: draws differ by row). */
export function draws(
  logits: Float64Array,
  chain: readonly Step[],
  n: number,
  seed: number,
): Int32Array {
  const tiled = new Float64Array(n * logits.length);
  for (let r = 0; r < n; r++) tiled.set(logits, r * logits.length);
  return sample(tiled, { ...sampleOptions(chain), shape: [n, logits.length], seed }).tokens;
}

function mount(panel: HTMLElement): void {
  const st: State = {
    source: 'zipf',
    s: 1.1,
    seed: 3,
    chain: DEFAULT_CHAIN.map((c) => ({ ...c })),
    sampleSeed: 1,
  };
  const list = el('ol', { class: 'chain', 'aria-label': 'sampler chain, in order' });
  const stages = el('div', { class: 'grid', id: 'sampling-stages' });
  const hist = el('div', { id: 'sampling-histogram' });
  const addSelect = el('select', { id: 'add-step', 'data-control': 'add-step' });

  function drawList(): void {
    list.replaceChildren(
      ...st.chain.map((s, i) => {
        const k = STEP_KINDS[s.kind];
        const ctl = slider(
          {
            label: `${i + 1}. ${k.label} ${k.param}`,
            name: `step-${i + 1}`,
            min: k.min,
            max: k.max,
            step: k.step,
            value: s.value,
          },
          (v) => {
            s.value = v;
            drawStages();
          },
        );
        const button = (text: string, label: string, act: () => void, disabled = false) => {
          const b = el('button', { type: 'button', 'aria-label': label, disabled }, text);
          b.addEventListener('click', () => {
            act();
            redraw();
          });
          return b;
        };
        const swap = (j: number) => {
          [st.chain[i], st.chain[j]] = [st.chain[j]!, st.chain[i]!];
        };
        return el(
          'li',
          {},
          ctl.row,
          el(
            'div',
            { class: 'buttons small' },
            button('↑', `move ${k.label} up`, () => swap(i - 1), i === 0),
            button('↓', `move ${k.label} down`, () => swap(i + 1), i === st.chain.length - 1),
            button('remove', `remove ${k.label}`, () => st.chain.splice(i, 1)),
          ),
        );
      }),
    );
    const unused = (Object.keys(STEP_KINDS) as StepKind[]).filter(
      (k) => !st.chain.some((s) => s.kind === k),
    );
    addSelect.replaceChildren(
      el('option', { value: '' }, 'add a step…'),
      ...unused.map((k) => el('option', { value: k }, STEP_KINDS[k].label)),
    );
  }
  addSelect.addEventListener('change', () => {
    const k = addSelect.value as StepKind;
    if (k) st.chain.push({ kind: k, value: STEP_KINDS[k].value });
    redraw();
  });

  function drawStages(): void {
    const all = chainStages(tokenLogits(st.source, st.s, st.seed), st.chain);
    stages.replaceChildren(
      ...all.map((l, i) => {
        const p = probs(l);
        const kept = p.filter((v) => v > 0).length;
        const name =
          i === 0
            ? 'the raw distribution'
            : `after ${i}. ${STEP_KINDS[st.chain[i - 1]!.kind].label}`;
        const h = entropyOf(p);
        const top = Array.from(p)
          .map((v, t) => [v, t] as const)
          .filter(([v]) => v > 0)
          .sort((a, b) => b[0] - a[0])
          .slice(0, 3)
          .map(([v, t]) => `“${WORDS[t]}” ${fmt(v, 3)}`)
          .join(', ');
        const text = `kept ${kept} of ${WORDS.length} · entropy ${fmt(h, 3)} nats · most probable: ${top}`;
        const chart = bars(p, {
          title: name,
          color: i === 0 ? '#9498a0' : '#4269d0',
          width: 260,
          height: 130,
          yDomain: [0, Math.max(0.2, ...p)],
          description: text,
        });
        const values = el('p', {
          class: 'values',
          hidden: true,
          'data-probs': JSON.stringify(Array.from(p)),
        });
        return figure(`stage-${i}`, name, chart, text, values);
      }),
    );
  }

  function drawHistogram(): void {
    const logits = tokenLogits(st.source, st.s, st.seed);
    const all = chainStages(logits, st.chain);
    const exact = probs(all[all.length - 1]!);
    const n = 1000;
    const tokens = draws(logits, st.chain, n, st.sampleSeed);
    const counts = new Array(WORDS.length).fill(0);
    for (const t of tokens) counts[t]++;
    let tv = 0;
    for (let t = 0; t < WORDS.length; t++) tv += Math.abs(counts[t] / n - exact[t]!) / 2;
    const text = `${n} draws of sample (seed ${st.sampleSeed}); total variation from the exact distribution ${fmt(tv, 3)}`;
    const chart = histogram(
      counts.map((c) => c / n),
      Array.from(exact),
      WORDS,
      { width: 700, description: text },
    );
    hist.replaceChildren(
      figure(
        'histogram',
        'sample 1,000: drawn (bars) against exact (dots)',
        chart,
        text,
        el('p', { class: 'values', hidden: true, 'data-counts': JSON.stringify(counts) }),
      ),
    );
  }

  function redraw(): void {
    drawList();
    drawStages();
    drawHistogram();
  }

  const sampleButton = el(
    'button',
    { type: 'button', class: 'primary', 'data-control': 'sample' },
    'sample 1,000',
  );
  sampleButton.addEventListener('click', () => {
    st.sampleSeed++;
    drawHistogram();
  });
  const sources = [
    { value: 'zipf', text: 'Zipf: p ∝ rank^−s' },
    { value: 'random', text: 'random logits (seeded)' },
  ] as const;

  tabLayout(
    panel,
    [
      {
        title: 'Token distribution',
        body: [
          select('distribution', 'source', sources, st.source, (v) => {
            st.source = v;
            redraw();
          }),
          slider(
            { label: 'Zipf exponent s', name: 'zipf', min: 0.2, max: 3, step: 0.05, value: st.s },
            (v) => {
              st.s = v;
              redraw();
            },
          ).row,
          slider(
            {
              label: 'seed',
              name: 'logits-seed',
              min: 0,
              max: 999,
              step: 1,
              value: st.seed,
              hint: 'random logits',
            },
            (v) => {
              st.seed = v;
              redraw();
            },
          ).row,
          el('p', { class: 'note' }, `A vocabulary of ${WORDS.length} words.`),
        ],
      },
      {
        title: 'The sampler chain, in order',
        body: [
          list,
          el(
            'div',
            { class: 'control' },
            el('label', { for: 'add-step' }, 'add a step'),
            addSelect,
          ),
          el(
            'p',
            { class: 'note' },
            'Each step is the library’s filter on the logits the previous step left (its probabilities are softmax of those); temperature divides them by T. sample() runs the same chain with this order.',
          ),
        ],
      },
    ],
    [
      el('h2', {}, 'After each step: the tokens kept and their probabilities'),
      stages,
      el('h2', { style: 'margin-top:1rem' }, 'Draws against the exact distribution'),
      el('div', { class: 'buttons' }, sampleButton),
      hist,
    ],
  );
  redraw();
}

export const samplingTab: Tab = { id: 'sampling', label: 'Sampling', mount };
