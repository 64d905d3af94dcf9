/**
 * The Speed tab: softmax and crossEntropy on a batch of logits, and `sample`'s
 * default chain on one row of 32,000 logits, in this browser — plain JavaScript
 * (the loop a user would write; for the chain, penalties, a full sort and the
 * cumulative cuts), softmax-kit's JavaScript kernels, its WebAssembly SIMD
 * kernels on one thread and on several (the `configure({ threads })` pool; needs
 * a cross-origin-isolated page). Each figure is the median of several runs after
 * a warm-up; the page yields between runs.
 */
import { configure, crossEntropy, type SampleOptions, sample, softmax } from 'softmax-kit';
import { figure, hbars } from './charts.js';
import type { Tab } from './main.js';
import { el, fmt, select, tabLayout } from './ui.js';

/** softmax as plain JavaScript: max, exp and sum, divide; one row at a time. */
function plainSoftmax(x: Float32Array, rows: number, n: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let m = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) m = Math.max(m, x[o + i]!);
    let s = 0;
    for (let i = 0; i < n; i++) s += out[o + i] = Math.exp(x[o + i]! - m);
    for (let i = 0; i < n; i++) out[o + i]! /= s;
  }
}

/** Mean cross-entropy and its gradient (p − onehot) / rows as plain JavaScript. */
function plainCrossEntropy(
  x: Float32Array,
  t: Int32Array,
  rows: number,
  n: number,
  grad: Float32Array,
): number {
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let m = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) m = Math.max(m, x[o + i]!);
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.exp(x[o + i]! - m);
    const lse = m + Math.log(s);
    loss += lse - x[o + t[r]!]!;
    for (let i = 0; i < n; i++) grad[o + i] = Math.exp(x[o + i]! - lse) / rows;
    grad[o + t[r]!]! -= 1 / rows;
  }
  return loss / rows;
}

/** The default chain of the benchmarks: penalties over 64 tokens, top-k, top-p, min-p, temperature. */
const CHAIN = {
  repetition: 1.1,
  frequency: 0.1,
  presence: 0.1,
  topK: 40,
  topP: 0.95,
  minP: 0.05,
  temperature: 0.8,
};
const VOCABULARY = 32_000;

/**
 * The chain as plain JavaScript: penalties on a copy, a full sort, top-k (ties at
 * the k-th kept), top-p, min-p, temperature, one inverse-CDF draw with `u`.
 * Returns the kept tokens and the one drawn.
 */
function plainChain(x: Float32Array, history: readonly number[], u: number) {
  const l = Float64Array.from(x);
  const counts = new Map<number, number>();
  for (const t of history) counts.set(t, (counts.get(t) ?? 0) + 1);
  for (const [t, c] of counts) {
    const v = l[t]!;
    l[t] =
      (v > 0 ? v / CHAIN.repetition : v * CHAIN.repetition) - c * CHAIN.frequency - CHAIN.presence;
  }
  const order = Array.from(l, (_, i) => i).sort((a, b) => l[b]! - l[a]! || a - b);
  let k = CHAIN.topK;
  while (k < order.length && l[order[k]!] === l[order[k - 1]!]) k++;
  const probs = (ids: number[], t: number) => {
    const e = ids.map((i) => Math.exp((l[i]! - l[ids[0]!]!) / t));
    const z = e.reduce((a, v) => a + v, 0);
    return e.map((v) => v / z);
  };
  let ids = order.slice(0, k);
  let p = probs(ids, 1);
  let mass = 0;
  let cut = 0;
  while (cut < ids.length && mass < CHAIN.topP) mass += p[cut++]!; // keep while the mass before < p
  ids = ids.slice(0, cut);
  p = probs(ids, 1);
  ids = ids.filter((_, j) => p[j]! >= CHAIN.minP * p[0]!);
  p = probs(ids, CHAIN.temperature);
  let j = 0;
  for (let left = u; j < ids.length - 1 && left >= p[j]!; ) left -= p[j++]!;
  return { kept: ids, token: ids[j]! };
}

const SIZES = [
  { value: '16x32000', text: '16 × 32,000' },
  { value: '64x32000', text: '64 × 32,000' },
  { value: '256x4096', text: '256 × 4,096' },
] as const;

const pause = () => new Promise((r) => setTimeout(r, 0));

/** Median milliseconds per call of `runs` timings of `reps` calls each, after one warm-up call. */
async function time(f: () => void, runs: number, reps = 1): Promise<number> {
  f();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    await pause();
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) f();
    ms.push((performance.now() - t0) / reps);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(runs / 2)]!;
}

interface Figure {
  op: 'softmax' | 'crossEntropy' | 'sample';
  name: string;
  group: string;
  ms: number;
}

function mount(panel: HTMLElement): void {
  let size: string = SIZES[0].value;
  const cores = navigator.hardwareConcurrency || 2;
  const threadChoices = [...new Set([2, 4, Math.min(8, cores)])]
    .filter((t) => t >= 2)
    .map((t) => ({ value: String(t), text: `${t} threads` }));
  let threads = threadChoices[0]!.value;
  const isolated = globalThis.crossOriginIsolated === true;
  const run = el('button', { type: 'button', class: 'primary', 'data-control': 'run' }, 'Run');
  const state = el('p', { class: 'note', id: 'speed-state', 'aria-live': 'polite' });
  const results = el('div', { id: 'speed-results' });
  state.textContent = isolated
    ? `This page is cross-origin isolated: up to ${cores} threads (navigator.hardwareConcurrency).`
    : 'This page is not cross-origin isolated: threads are unavailable (serve it with COOP/COEP, as npm run playground does).';

  async function measure(): Promise<void> {
    run.disabled = true;
    results.replaceChildren();
    const [rows, n] = size.split('x').map(Number) as [number, number];
    const x = new Float32Array(rows * n);
    for (let i = 0; i < x.length; i++) x[i] = 8 * Math.sin(i * 12.9898) * Math.cos(i * 0.0137);
    const t = Int32Array.from({ length: rows }, (_, r) => (r * 7919) % n);
    const out = new Float32Array(rows * n);
    const shape = [rows, n];
    const runs = 7;
    const figures: Figure[] = [];
    const step = async (op: Figure['op'], name: string, group: string, f: () => void) => {
      state.textContent = `running ${op}: ${name}…`;
      figures.push({ op, name, group, ms: await time(f, runs, op === 'sample' ? 20 : 1) });
    };
    for (const op of ['softmax', 'crossEntropy'] as const) {
      const lib = (backend: 'js' | 'wasm') =>
        op === 'softmax'
          ? () => softmax(x, { shape, backend })
          : () => crossEntropy(x, t, { shape, backend });
      await step(op, 'plain JavaScript', 'plain JavaScript', () =>
        op === 'softmax' ? plainSoftmax(x, rows, n, out) : plainCrossEntropy(x, t, rows, n, out),
      );
      await step(op, 'softmax-kit js', 'softmax-kit js', lib('js'));
      await step(op, 'softmax-kit wasm, 1 thread', 'softmax-kit wasm', lib('wasm'));
      if (isolated) {
        await configure({ threads: +threads });
        state.setAttribute('data-threads', threads);
        await step(op, `softmax-kit wasm, ${threads} threads`, 'softmax-kit wasm', lib('wasm'));
        await configure({ threads: 1 });
      }
    }
    // the sampler chain on one row of the vocabulary's size
    const row = x.length >= VOCABULARY ? x.subarray(0, VOCABULARY) : new Float32Array(VOCABULARY);
    const history = Array.from({ length: 64 }, (_, i) => (i * 7919) % VOCABULARY);
    const { repetition, frequency, presence, ...cuts } = CHAIN;
    const chain = (backend?: 'js' | 'wasm'): SampleOptions => ({
      seed: 1,
      penalties: { tokens: history, repetition, frequency, presence },
      ...cuts,
      ...(backend === undefined ? {} : { backend }),
    });
    // sample takes a backend option where its kernels have a WebAssembly twin; else 'auto' only
    let backends: ('js' | 'wasm' | undefined)[] = ['js', 'wasm'];
    try {
      sample(row, chain('js'));
    } catch {
      backends = [undefined];
    }
    await step('sample', 'plain JavaScript (sort)', 'plain JavaScript', () =>
      plainChain(row, history, 0.5),
    );
    for (const backend of backends)
      await step(
        'sample',
        backend === undefined
          ? 'softmax-kit, 1 thread'
          : `softmax-kit ${backend}${backend === 'wasm' ? ', 1 thread' : ''}`,
        `softmax-kit ${backend ?? 'wasm'}`,
        () => sample(row, chain(backend)),
      );
    if (isolated) {
      await configure({ threads: +threads });
      const last = backends[backends.length - 1];
      const name = `softmax-kit${last === undefined ? '' : ` ${last}`}, ${threads} threads`;
      await step('sample', name, 'softmax-kit wasm', () => sample(row, chain(last)));
      await configure({ threads: 1 });
    }
    const drawn = sample(row, chain()).tokens[0]!;
    const inChain = plainChain(row, history, 0.5).kept.includes(drawn);
    // the results agree: plain JavaScript's softmax against the library's
    plainSoftmax(x, rows, n, out);
    const w = softmax(x, { shape, backend: 'wasm' });
    let worst = 0;
    for (let i = 0; i < w.length; i++)
      if (out[i]! > 0) worst = Math.max(worst, Math.abs(w[i]! - out[i]!) / out[i]!);
    const threadText = isolated ? `${threads} threads started and ran; ` : '';
    const chainText = `sample drew token ${drawn}, ${inChain ? 'one' : 'NOT one'} of the sort-based chain's kept tokens.`;
    state.textContent = `Done: ${rows} × ${n} Float32, median of ${runs} runs each. ${threadText}the softmax outputs differ from plain JavaScript's by at most ${worst.toExponential(1)} relative; ${chainText}`;
    state.setAttribute('data-done', 'true');
    for (const op of ['softmax', 'crossEntropy', 'sample'] as const) {
      const mine = figures.filter((f) => f.op === op);
      const base = mine[0]!.ms;
      const [opRows, opN] = op === 'sample' ? [1, VOCABULARY] : [rows, n];
      const bytes = opRows * opN * 4 * (op === 'sample' ? 1 : 2);
      const table = el(
        'table',
        { class: 'figures', 'data-op': op },
        el(
          'tr',
          {},
          el('th', {}, 'implementation'),
          el('th', {}, 'ms'),
          el('th', {}, op === 'sample' ? 'GB/s (read)' : 'GB/s (read + write)'),
          el('th', {}, 'vs plain JS'),
        ),
        ...mine.map((f) =>
          el(
            'tr',
            { 'data-ms': f.ms },
            el('td', {}, f.name),
            el('td', {}, fmt(f.ms, 2)),
            el('td', {}, fmt(bytes / f.ms / 1e6, 2)),
            el('td', {}, `${fmt(base / f.ms, 2)}×`),
          ),
        ),
      );
      const chart = hbars(
        mine.map((f) => ({ name: f.name, value: f.ms, group: f.group })),
        {
          title: `${op} time`,
          width: 640,
          label: 'milliseconds (shorter is faster) →',
          description: mine.map((f) => `${f.name} ${fmt(f.ms, 2)} ms`).join('; '),
        },
      );
      const summary = mine.map((f) => `${f.name} ${fmt(f.ms, 2)} ms`).join(' · ');
      const what = op === 'sample' ? 'sample (default chain)' : op;
      const heading = `${what} on ${opRows} × ${opN} Float32 logits`;
      results.append(
        el('div', { class: 'panel' }, figure(`speed-${op}`, heading, chart, summary), table),
      );
    }
    run.disabled = false;
  }
  run.addEventListener('click', () => {
    measure().catch((e: unknown) => {
      state.textContent = `failed: ${String(e)}`;
      state.classList.add('error');
      run.disabled = false;
    });
  });

  tabLayout(
    panel,
    [
      {
        title: 'Run in this browser',
        body: [
          select('logits', 'size', SIZES, size as (typeof SIZES)[number]['value'], (v) => {
            size = v;
          }),
          isolated
            ? select('threads', 'threads', threadChoices, threads, (v) => {
                threads = v;
              })
            : el('p', { class: 'note' }, 'threads: 1 (not isolated)'),
          el('div', { class: 'buttons' }, run),
          el(
            'p',
            { class: 'note' },
            'softmax: y = softmax(x) per row. crossEntropy: mean loss and its gradient. sample: penalties over 64 tokens, top-k 40, top-p 0.95, min-p 0.05, temperature 0.8 and a draw, on one row of 32,000 logits. "plain JavaScript" is the loop a user would write; the library computes the same numbers (Float32, within a few ulp). Timings in a browser tab vary; the committed benchmarks (npm run bench) are the figures to quote.',
          ),
        ],
      },
    ],
    [state, results],
  );
}

export const speedTab: Tab = { id: 'speed', label: 'Speed', mount };
