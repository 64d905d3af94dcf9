/**
 * The playground in a real browser: the static build (playground/build.mjs, from
 * the built package in dist/) served by the plain static server
 * (playground/serve.mjs, cross-origin isolated), opened in headless Chromium.
 * Every tab loads with no console error; moving a control changes the numbers on
 * the page, and they equal the library's own results for those inputs, computed
 * here in Node; the Speed tab starts worker threads. A screenshot of each tab is
 * written to playground/dist/screenshots/ (the README's pictures are copies).
 *
 * Needs Chromium as browser.test.ts does: skipped without it, unless
 * REQUIRE_BROWSER is set (CI), where a missing browser fails.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import {
  attention,
  calibrationError,
  fitTemperature,
  minPFilter,
  normalizers,
  sample,
  softmax,
  topKFilter,
  topPFilter,
} from 'softmax-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlayground } from '../../playground/build.mjs';
import { servePlayground } from '../../playground/serve.mjs';
import { DIM, example } from '../../playground/src/attention.js';
import { exampleData } from '../../playground/src/calibration.js';
import { chromiumPath, launchChromium } from '../helpers/chromium.js';

const executablePath = chromiumPath;
const haveBrowser = existsSync(executablePath);
if (!haveBrowser && process.env.REQUIRE_BROWSER)
  throw new Error(`playground tests: expected Chromium at ${executablePath}, got none`);

const root = fileURLToPath(new URL('../../', import.meta.url));
const shots = `${root}playground/dist/screenshots`;

/** |a − b| ≤ 1e-12·max(1, |b|) elementwise (the same library code in two engines). */
function expectClose(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++)
    expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b[i]!)));
}

/** Move a control as a person would: set the input's value and fire its input event. */
async function setControl(page: Page, name: string, value: number): Promise<void> {
  await page.$eval(
    `[data-control="${name}"]`,
    (e, v) => {
      (e as HTMLInputElement).value = String(v);
      e.dispatchEvent(new Event('input'));
    },
    value,
  );
}

describe.skipIf(!haveBrowser)('the playground in headless Chromium', () => {
  let server: Server;
  let url = '';
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const requested: string[] = [];

  beforeAll(async () => {
    if (!existsSync(`${root}dist/index.js`))
      throw new Error('playground tests: expected the built package in dist/; run npm run build');
    const dir = await buildPlayground();
    await mkdir(shots, { recursive: true });
    ({ server, url } = await servePlayground(dir));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => requested.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(url);
    await page.waitForSelector('#status[data-ready]');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  async function open(tab: string): Promise<void> {
    await page.click(`[role="tab"][data-tab="${tab}"]`);
    expect(await page.getAttribute(`[data-tab="${tab}"]`, 'aria-selected')).toBe('true');
  }

  const values = async (name: string): Promise<number[]> =>
    JSON.parse(
      (await page.getAttribute(
        `#panel-normalizers [data-chart="${name}"] .values`,
        'data-values',
      ))!,
    );

  it('is cross-origin isolated from the static server, with its labelled tabs', async () => {
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
    const tabs = await page.$$eval('[role="tab"]', (b) => b.map((t) => t.textContent));
    expect(tabs).toEqual(['Normalizers', 'Attention', 'Sampling', 'Calibration', 'Speed']);
  });

  it('Normalizers: the outputs are the registry’s on x / T, and follow the controls', async () => {
    await open('normalizers');
    await page.screenshot({ path: `${shots}/normalizers.png`, fullPage: true });
    const shown = await page.$$eval('#normalizer-outputs figure', (f) =>
      f.map((e) => e.getAttribute('data-chart')),
    );
    expect(shown).toEqual(Object.keys(normalizers));
    const logits = [2.5, 1.8, 1.2, 0.3, -0.4, -1.0];
    const f = (name: keyof typeof normalizers, x: number[], o: object = {}) =>
      Array.from((normalizers[name].forward as (x: number[], o: object) => Float64Array)(x, o));
    expectClose(await values('softmax'), f('softmax', logits));
    expectClose(await values('sparsemax'), f('sparsemax', logits));
    const before = await values('entmax');
    expectClose(before, f('entmax', logits, { alpha: 1.5 }));

    // temperature 0.5 (its slider moves log10 T), then α = 2.5
    await setControl(page, 'temperature', Math.log10(0.5));
    expect(await page.inputValue('[data-control="temperature-number"]')).toBe('0.5');
    const x2 = logits.map((v) => v / 0.5);
    expectClose(await values('softmax'), f('softmax', x2));
    expectClose(await values('ssmax'), f('ssmax', x2, { s: 1 }));
    await setControl(page, 'alpha', 2.5);
    const after = await values('entmax');
    expect(after).not.toEqual(before);
    expectClose(after, f('entmax', x2, { alpha: 2.5 }));

    // typing a logit
    await page.fill('[data-control="logit-1"]', '4');
    const x3 = [4, ...logits.slice(1)].map((v) => v / 0.5);
    expectClose(await values('sparsemax'), f('sparsemax', x3));
    expectClose(await values('softpick'), f('softpick', x3, { eps: 1e-8 }));
    const caption = await page.textContent(
      '#panel-normalizers [data-chart="sparsemax"] figcaption',
    );
    const y = f('sparsemax', x3);
    expect(caption).toContain(`support ${y.filter((v) => v > 0).length} of 6`);
    // softmax's entropy in nats, −Σ p ln p
    const p = f('softmax', x3);
    const h = p.reduce((a, v) => a - v * Math.log(v), 0);
    expect(
      await page.textContent('#panel-normalizers [data-chart="softmax"] figcaption'),
    ).toContain(`entropy ${h.toFixed(3)} nats`);

    // dragging bar 2 to the top of the editor sets logit 2 to the chart's highest value
    const box = (await page.locator('[data-chart="logits"] svg').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.31, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.31, box.y + 4, { steps: 4 });
    await page.mouse.up();
    const dragged = +(await page.inputValue('[data-control="logit-2"]'));
    expect(dragged).toBeGreaterThan(4);
    const x4 = [4, dragged, ...logits.slice(2)].map((v) => v / 0.5);
    expectClose(await values('softmax'), f('softmax', x4));
  });

  it('Attention: the heatmaps are attention() with identity values, under each toggle', async () => {
    await open('attention');
    const n = 8;
    const { q, k } = example('random', 1, n);
    const v = new Float64Array(n * n);
    for (let j = 0; j < n; j++) v[j * n + j] = 1;
    const base = { dim: DIM, queries: n, keys: n, valueDim: n };
    const shown = async (name: string): Promise<number[]> =>
      JSON.parse(
        (await page.getAttribute(
          `#panel-attention [data-chart="${name}"] .values`,
          'data-weights',
        ))!,
      );
    const sums = async (name: string): Promise<number[]> =>
      JSON.parse(
        (await page.getAttribute(
          `#panel-attention [data-chart="${name}"] .values`,
          'data-row-sums',
        ))!,
      );
    expectClose(await shown('softmax'), attention(q, k, v, base).out);

    await page.check('[data-control="causal"]');
    const causal = await shown('softmax');
    expectClose(causal, attention(q, k, v, { ...base, causal: true }).out);
    expect(causal[1]).toBe(0); // query 0 cannot see key 1
    expectClose(
      await shown('sparsemax'),
      attention(q, k, v, { ...base, causal: true, normalizer: 'sparsemax' }).out,
    );

    // a sink of logit 1: the rows sum to 1 − the sink's share, as the library computes it
    await page.check('[data-control="sink-on"]');
    const withSink = attention(q, k, v, { ...base, causal: true, sinks: [1] }).out;
    expectClose(await shown('softmax'), withSink);
    const rowSums = await sums('softmax');
    for (const s of rowSums) expect(s).toBeLessThan(1);
    expect(await page.textContent('#panel-attention [data-chart="softmax"] figcaption')).toContain(
      "sink's share",
    );
    await page.screenshot({ path: `${shots}/attention.png`, fullPage: true });

    await page.check('[data-control="alibi-on"]');
    await page.check('[data-control="forget-on"]');
    expectClose(
      await shown('softpick'),
      attention(q, k, v, {
        ...base,
        causal: true,
        normalizer: 'softpick',
        sinks: [1],
        alibiSlopes: [0.5],
        logForget: new Float64Array(n).fill(Math.log(0.8)),
      }).out,
    );
  });

  it('Sampling: each step is the library’s filter, and the draws are sample()’s', async () => {
    await open('sampling');
    const stage = async (i: number): Promise<number[]> =>
      JSON.parse((await page.getAttribute(`[data-chart="stage-${i}"] .values`, 'data-probs'))!);
    // the Zipf row over 24 words, s = 1.1; the chain top-k 10, top-p 0.9, min-p 0.05, T 0.8
    const raw = Float64Array.from({ length: 24 }, (_, i) => -1.1 * Math.log(i + 1));
    const chain = async (k: number) => {
      const a = topKFilter(raw, { k });
      const b = topPFilter(a, { p: 0.9 });
      const c = minPFilter(b, { p: 0.05 });
      const d = c.map((v) => v / 0.8);
      for (const [i, l] of [raw, a, b, c, d].entries()) expectClose(await stage(i), softmax(l));
      return d;
    };
    await chain(10);
    await page.screenshot({ path: `${shots}/sampling.png`, fullPage: true });
    await setControl(page, 'step-1', 3);
    const final = await chain(3);
    expect((await stage(1)).filter((p) => p > 0).length).toBe(3);

    // 1,000 draws: one row each, the same seed; the page's counts are sample()'s
    await page.click('[data-control="sample"]');
    const counts: number[] = JSON.parse(
      (await page.getAttribute('[data-chart="histogram"] .values', 'data-counts'))!,
    );
    const tiled = new Float64Array(1000 * 24);
    for (let r = 0; r < 1000; r++) tiled.set(raw, r * 24);
    const { tokens } = sample(tiled, {
      shape: [1000, 24],
      seed: 2,
      order: ['topK', 'topP', 'minP', 'temperature'],
      topK: 3,
      topP: 0.9,
      minP: 0.05,
      temperature: 0.8,
    });
    const expected = new Array(24).fill(0);
    for (const t of tokens) expected[t]++;
    expect(counts).toEqual(expected);
    // and they follow the exact distribution: within 5 standard errors per token
    const p = softmax(final);
    for (let t = 0; t < 24; t++)
      expect(Math.abs(counts[t]! / 1000 - p[t]!)).toBeLessThanOrEqual(
        5 * Math.sqrt((p[t]! * (1 - p[t]!)) / 1000) + 1e-12,
      );
  });

  it('Calibration: the fitted T and the ECEs are the library’s, for the example and a CSV file', async () => {
    await open('calibration');
    const shownT = async () =>
      Number(await page.getAttribute('[data-temperature]', 'data-temperature'));
    const ece = async (which: string) =>
      Number(await page.getAttribute(`[data-chart="reliability-${which}"] .values`, 'data-ece'));
    const check = async (d: {
      logits: Float64Array;
      labels: Int32Array;
      rows: number;
      classes: number;
    }) => {
      const shape = [d.rows, d.classes];
      const fit = fitTemperature(d.logits, d.labels, { shape });
      expect(await shownT()).toBe(fit.temperature);
      const before = calibrationError(softmax(d.logits, { shape }), d.labels, { shape, bins: 15 });
      expect(await ece('before')).toBe(before.ece);
      // At T ≠ 1 the page's WebAssembly softmax may be the relaxed-SIMD build (Chromium), whose
      // fused multiply-adds round s·(x − m) differently from Node 20's plain SIMD build (both
      // within the 4-ulp contract): the ECE agrees to rounding, not bit for bit.
      const after = softmax(d.logits, { shape, temperature: fit.temperature });
      const afterEce = calibrationError(after, d.labels, { shape, bins: 15 }).ece;
      expect(Math.abs((await ece('after')) - afterEce)).toBeLessThanOrEqual(1e-13 * afterEce);
      return fit.temperature;
    };
    // the example is overconfident by 2.5: the fit finds about 2.5
    expect(Math.abs((await check(exampleData(2.5, 7))) - 2.5)).toBeLessThan(0.25);
    await page.screenshot({ path: `${shots}/calibration.png`, fullPage: true });
    await setControl(page, 'overconfidence', 1.5);
    expect(Math.abs((await check(exampleData(1.5, 7))) - 1.5)).toBeLessThan(0.2);

    // a CSV file: label,logit1,logit2,… with a header
    const rows = [
      [0, 3, 0, -1],
      [1, 2.5, 0.5, 0],
      [0, 4, 1, 0],
      [2, 0, 3, 0.5],
      [2, 1, 0, 2],
      [1, 0, 2.5, 1],
    ];
    const csv = `label,a,b,c\n${rows.map((r) => r.join(',')).join('\n')}\n`;
    await page.setInputFiles('[data-control="csv"]', {
      name: 'six.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await page.waitForFunction(() =>
      document.getElementById('calibration-data')?.textContent?.includes('six.csv'),
    );
    await check({
      logits: Float64Array.from(rows.flatMap((r) => r.slice(1))),
      labels: Int32Array.from(rows, (r) => r[0]!),
      rows: rows.length,
      classes: 3,
    });
  });

  it('Speed: runs every implementation, with worker threads started on the isolated page', async () => {
    await open('speed');
    await page.click('[data-control="run"]');
    await page.waitForSelector('#speed-state[data-done]', { timeout: 50_000 });
    expect(await page.getAttribute('#speed-state', 'data-threads')).toBe('2');
    expect(await page.textContent('#speed-state')).toContain('2 threads started and ran');
    expect(await page.textContent('#speed-state')).toMatch(
      /sample drew token \d+, one of the sort-based chain's kept tokens/,
    );
    for (const op of ['softmax', 'crossEntropy', 'sample']) {
      const ms = await page.$$eval(`table[data-op="${op}"] tr[data-ms]`, (r) =>
        r.map((t) => Number(t.getAttribute('data-ms'))),
      );
      // plain JavaScript, js, wasm, wasm on 2 threads (sample: js and wasm rows once it takes a backend)
      if (op === 'sample') expect(ms.length).toBeGreaterThanOrEqual(3);
      else expect(ms.length).toBe(4);
      for (const t of ms) expect(t).toBeGreaterThan(0);
    }
    await page.screenshot({ path: `${shots}/speed.png`, fullPage: true });
  }, 60_000);

  it('labels every control and summarizes every chart in text', async () => {
    const unlabelled = await page.$$eval('input, select, button', (all) =>
      all
        .filter((e) => {
          const id = e.getAttribute('id');
          const byFor = id !== null && document.querySelector(`label[for="${id}"]`) !== null;
          const text = e.tagName === 'BUTTON' && (e.textContent ?? '').trim() !== '';
          return !(byFor || e.closest('label') || e.getAttribute('aria-label') || text);
        })
        .map((e) => e.outerHTML),
    );
    expect(unlabelled).toEqual([]);
    const charts = await page.$$eval('figure.chart', (all) =>
      all.map((f) => ({
        caption: (f.querySelector('figcaption')?.textContent ?? '').trim(),
        aria: f.querySelector('svg')?.getAttribute('aria-label') ?? null,
      })),
    );
    expect(charts.length).toBeGreaterThanOrEqual(32);
    for (const c of charts) {
      expect(c.caption.length).toBeGreaterThan(10);
      expect(c.aria).not.toBeNull();
    }
  });

  it('logged no error and fetched nothing from elsewhere', () => {
    expect(errors).toEqual([]);
    expect(requested.length).toBeGreaterThan(0);
    for (const r of requested) expect(r.startsWith(url) || r.startsWith('blob:')).toBe(true);
  });
});
