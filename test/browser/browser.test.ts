/**
 * softmax-kit in a real browser: the built package (dist/, as published, with its
 * package.json `sideEffects`) bundled by esbuild with code splitting as a user's
 * bundler would: the SIMD build is embedded in the bundle; the relaxed-SIMD build is
 * a chunk the page fetches only where the engine has relaxed SIMD (Chromium has),
 * loaded in headless Chromium (Debian's, driven by playwright-core) from a local
 * server, once cross-origin isolated (COOP/COEP: shared memory, the Web Worker
 * pool) and once not (plain memory, one thread).
 *
 * Needs Chromium at $CHROMIUM_PATH (default /usr/bin/chromium; `apt-get install
 * chromium`). Without it the suite is skipped, unless REQUIRE_BROWSER is set (as
 * CI does), where a missing browser fails it.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium } from '../helpers/chromium.js';
import type { PageResult } from './page.js';

const executablePath = chromiumPath;
const haveBrowser = existsSync(executablePath);
if (!haveBrowser && process.env.REQUIRE_BROWSER)
  throw new Error(`browser tests: expected Chromium at ${executablePath}, got none`);

const HTML = '<!doctype html><meta charset="utf-8"><script type="module" src="bundle.js"></script>';
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const root = fileURLToPath(new URL('../../', import.meta.url));

/** page.ts imports the sources for its types; the bundle takes the built files instead. */
const fromDist: Plugin = {
  name: 'from-dist',
  setup(b) {
    b.onResolve({ filter: /\/src\// }, (a) => {
      const src = resolve(a.resolveDir, a.path);
      const path = src.replace(`${root}src/`, `${root}dist/`);
      if (!existsSync(path)) throw new Error(`browser tests: expected ${path}; run npm run build`);
      return { path };
    });
  },
};

describe.skipIf(!haveBrowser)('in headless Chromium', () => {
  let server: Server;
  let browser: Browser;
  let origin = '';
  const requested: string[] = [];
  let relaxedSeen = false;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('./page.ts', import.meta.url))],
      bundle: true,
      format: 'esm',
      splitting: true,
      outdir: 'out',
      entryNames: 'bundle',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
      plugins: [fromDist],
    });
    const scripts = new Map(bundle.outputFiles.map((f) => [basename(f.path), f.text]));
    server = createServer((req, res) => {
      const url = req.url ?? '/';
      requested.push(url);
      const headers = url.startsWith('/isolated/') ? { ...ISOLATION } : {};
      const script = scripts.get(basename(url));
      if (script !== undefined)
        res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript' }).end(script);
      else if (url.endsWith('/'))
        res.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end(HTML);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  async function run(path: string): Promise<PageResult> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${origin}${path}`);
    await page.waitForFunction(() => 'checks' in globalThis);
    const r = await page.evaluate(() =>
      (globalThis as unknown as { checks(): Promise<PageResult> }).checks(),
    );
    await page.close();
    expect(errors).toEqual([]);
    // the build in use: relaxed SIMD exactly where the engine has it
    expect(r.relaxedSimd).toBe(r.features.relaxedSimd);
    relaxedSeen ||= r.features.relaxedSimd;
    return r;
  }

  it('cross-origin isolated: shared memory, and 2 threads give the 1-thread results bit for bit', async () => {
    const r = await run('/isolated/');
    expect(r.crossOriginIsolated).toBe(true);
    expect(r.features.simd).toBe(true);
    expect(r.sharedMemory).toBe(true);
    expect(r.wasmVsJs).toBeLessThan(4 * 2 ** -24 * 2); // ≤ 4 ulp of each, Float32
    expect(r.configure).toBe('ok');
    expect(r.workers).toBe(1);
    expect(r.threadedIdentical).toBe(true);
    expect(r.workersAfterOff).toBe(0);
  }, 60_000);

  it('not isolated: plain memory, the kernels still load; threads are refused clearly', async () => {
    const r = await run('/plain/');
    expect(r.crossOriginIsolated).toBe(false);
    expect(r.sharedMemory).toBe(false);
    expect(r.wasmVsJs).toBeLessThan(4 * 2 ** -24 * 2);
    expect(r.configure).toBe('BACKEND_UNAVAILABLE');
  }, 60_000);

  it('fetches the page, its bundle, and the relaxed-SIMD chunk only where the engine has relaxed SIMD', () => {
    const asked = requested.filter((u) => u !== '/favicon.ico');
    const chunk = /\/kernels-relaxed-[\w-]+\.js$/;
    expect(asked.every((u) => u.endsWith('/') || u.endsWith('/bundle.js') || chunk.test(u))).toBe(
      true,
    );
    expect(requested.some((u) => u.includes('.wasm'))).toBe(false);
    expect(asked.some((u) => chunk.test(u))).toBe(relaxedSeen);
  });
});
