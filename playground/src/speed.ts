/**
 * The Speed tab: softmax and crossEntropy on a batch of logits in this browser —
 * plain JavaScript (the loop a user would write), softmax-kit's JavaScript
 * kernels, its WebAssembly SIMD kernels on one thread and on several (the
 * `configure({ threads })` pool; needs a cross-origin-isolated page). Each figure
 * is the median of several runs after a warm-up; the page yields between runs.
 */
import { configure, crossEntropy, softmax } from 'softmax-kit';
import { figure, hbars } from './charts.js';
import type { Tab } from './main.js';
import { el, fmt, select } from './ui.js';

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

const SIZES = [
  { value: '16x32000', text: '16 × 32,000' },
  { value: '64x32000', text: '64 × 32,000' },
  { value: '256x4096', text: '256 × 4,096' },
] as const;

const pause = () => new Promise((r) => setTimeout(r, 0));

/** Median milliseconds of `runs` calls after one warm-up call. */
async function time(f: () => void, runs: number): Promise<number> {
  f();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    await pause();
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(runs / 2)]!;
}

interface Figure {
  op: 'softmax' | 'crossEntropy';
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
      figures.push({ op, name, group, ms: await time(f, runs) });
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
    // the results agree: plain JavaScript's softmax against the library's
    plainSoftmax(x, rows, n, out);
    const w = softmax(x, { shape, backend: 'wasm' });
    let worst = 0;
    for (let i = 0; i < w.length; i++)
      if (out[i]! > 0) worst = Math.max(worst, Math.abs(w[i]! - out[i]!) / out[i]!);
    const threadText = isolated ? `${threads} threads started and ran; ` : '';
    state.textContent = `Done: ${rows} × ${n} Float32, median of ${runs} runs each. ${threadText}the softmax outputs differ from plain JavaScript's by at most ${worst.toExponential(1)} relative.`;
    state.setAttribute('data-done', 'true');
    for (const op of ['softmax', 'crossEntropy'] as const) {
      const mine = figures.filter((f) => f.op === op);
      const base = mine[0]!.ms;
      const bytes = rows * n * 4 * 2;
      const table = el(
        'table',
        { class: 'figures', 'data-op': op },
        el(
          'tr',
          {},
          el('th', {}, 'implementation'),
          el('th', {}, 'ms'),
          el('th', {}, 'GB/s (read + write)'),
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
      const heading = `${op} on ${rows} × ${n} Float32 logits`;
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

  panel.append(
    el(
      'div',
      { class: 'layout' },
      el(
        'div',
        { class: 'panel' },
        el('h2', {}, 'Run in this browser'),
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
          'softmax: y = softmax(x) per row. crossEntropy: mean loss and its gradient. "plain JavaScript" is the loop a user would write; the library computes the same numbers (Float32, within a few ulp). Timings in a browser tab vary; the committed benchmarks (npm run bench) are the figures to quote.',
        ),
      ),
      el('div', {}, state, results),
    ),
  );
}

export const speedTab: Tab = { id: 'speed', label: 'Speed', mount };
