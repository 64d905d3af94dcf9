import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import v8 from 'node:v8';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { resolveBackend } from '../../../src/kernels/backend.js';
import { wasmBackend } from '../../../src/kernels/wasm/backend.js';
import { KERNELS_SIMD, SOURCE_SHA256 } from '../../../src/kernels/wasm/gen/kernels.js';
import { KERNELS_RELAXED } from '../../../src/kernels/wasm/gen/kernels-relaxed.js';
import {
  HEAP_BASE,
  initWasm,
  loadWasmSync,
  SCRATCH_BASE,
  wasmFeatures,
  wasmKernels,
  wasmReady,
} from '../../../src/kernels/wasm/load.js';
import { SoftmaxKitError } from '../../../src/tensor/errors.js';

const gen = 'src/kernels/wasm/gen/kernels.ts';
const genRelaxed = 'src/kernels/wasm/gen/kernels-relaxed.ts';

describe('loading the wasm kernels', () => {
  it('loads at import in Node (SIMD, shared memory) and registers the backend', async () => {
    const k = await wasmReady;
    expect(k).toBeDefined();
    expect(wasmFeatures().simd).toBe(true);
    expect(wasmFeatures().sharedMemory).toBe(true);
    expect(resolveBackend('f', 'wasm', 10, true)).toBe(wasmBackend);
  });

  it("'auto' picks wasm from 32 elements on (measured crossover), JS below", () => {
    expect(resolveBackend('f', 'auto', 32, true).name).toBe('wasm');
    expect(resolveBackend('f', 'auto', 31, false).name).toBe('js');
  });

  it("keeps the module's constants below the per-thread scratch, and the scratch below the heap", () => {
    const k = loadWasmSync({ sharedMemory: false });
    const bytes = new Uint8Array(k.memory.buffer);
    // data segments are written at instantiation: the last nonzero byte is the constants' end
    let end = SCRATCH_BASE;
    while (end > 0 && bytes[end - 1] === 0) end--;
    expect(end).toBeGreaterThan(1024);
    expect(bytes.subarray(SCRATCH_BASE, HEAP_BASE).every((b) => b === 0)).toBe(true);
    loadWasmSync();
  });

  it('initWasm resolves to the live instance, or loads the build asked for', async () => {
    const live = await initWasm();
    expect(live).toBe(wasmKernels());
    const plain = await initWasm({ sharedMemory: false, relaxedSimd: false });
    expect(plain.sharedMemory).toBe(false);
    expect(plain.memory.buffer).toBeInstanceOf(ArrayBuffer);
    expect(wasmKernels()).toBe(plain);
    loadWasmSync();
  });

  it('refuses a relaxed-SIMD build on an engine without it (BACKEND_UNAVAILABLE)', () => {
    if (wasmFeatures().relaxedSimd) return; // this process has the flag (another file set it)
    expect(() => loadWasmSync({ relaxedSimd: true })).toThrow(SoftmaxKitError);
    try {
      loadWasmSync({ relaxedSimd: true });
    } catch (e) {
      expect((e as SoftmaxKitError).code).toBe('BACKEND_UNAVAILABLE');
    }
  });

  it('loads the relaxed build synchronously only once initWasm has imported its module', async () => {
    if (!wasmFeatures().relaxedSimd) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    // this file has not imported it yet: the sync load says how to get it
    expect(() => loadWasmSync({ relaxedSimd: true })).toThrow(
      /await initWasm\(\{ relaxedSimd: true \}\)/,
    );
    const k = await initWasm({ relaxedSimd: true });
    expect(k.relaxedSimd).toBe(true);
    expect(loadWasmSync({ relaxedSimd: true }).relaxedSimd).toBe(true);
    loadWasmSync({ relaxedSimd: false });
  });

  it('the generated module is current: header, and the recorded hash of the sources', () => {
    const text = readFileSync(gen, 'utf8');
    expect(
      text.startsWith(
        '// generated from src/kernels/wasm/assembly/index.ts by scripts/gen-wasm.mjs — do not edit',
      ),
    ).toBe(true);
    const hash = execFileSync(process.execPath, ['scripts/gen-wasm.mjs', '--hash'], {
      encoding: 'utf8',
    }).trim();
    expect(SOURCE_SHA256).toBe(hash);
  });

  it('the relaxed-SIMD build runs under node --experimental-wasm-relaxed-simd (4 ulp)', () => {
    // A separate engine with the flag: the relaxed build validates, and its softmax of
    // 1000 values in [90, 100] is within 4 ulp of the double-precision softmax.
    const script = `
      import { readFileSync } from 'node:fs';
      const src = readFileSync('${genRelaxed}', 'utf8');
      const b64 = src.match(/KERNELS_RELAXED =\\n  '([^']+)'/)[1];
      const bytes = Buffer.from(b64, 'base64');
      if (!WebAssembly.validate(bytes)) throw new Error('relaxed build does not validate');
      const memory = new WebAssembly.Memory({ initial: 40 });
      const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
      const n = 1000, x = 65536, y = x + 4 * n, flags = y + 4 * n;
      const xs = new Float32Array(memory.buffer, x, n);
      for (let i = 0; i < n; i++) xs[i] = 90 + ((i * 0.618034) % 1) * 10;
      e.softmax_f32(x, y, 1, n, 0, 1, 0, flags);
      const ys = new Float32Array(memory.buffer, y, n);
      let m = -Infinity, d = 0, worst = 0;
      for (const v of xs) m = Math.max(m, v);
      for (const v of xs) d += Math.exp(v - m);
      for (let i = 0; i < n; i++) {
        const ref = Math.exp(xs[i] - m) / d;
        const ulp = 2 ** (Math.floor(Math.log2(Math.fround(ref))) - 23);
        worst = Math.max(worst, Math.abs(ys[i] - ref) / ulp);
      }
      console.log(worst);`;
    const out = execFileSync(
      process.execPath,
      ['--experimental-wasm-relaxed-simd', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    expect(Number(out.trim())).toBeLessThanOrEqual(4);
  });

  it('a bundle of the default import embeds one build; the relaxed build is a chunk reached by import()', async () => {
    const out = await build({
      entryPoints: { index: 'src/index.ts' },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      outdir: 'out',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const text = (name: string) => out.outputFiles.find((f) => f.path.endsWith(name))?.text ?? '';
    const outputs = Object.entries(out.metafile.outputs);
    const [entryName, entry] = outputs.find(([, o]) => o.entryPoint === 'src/index.ts')!;
    const [chunkName] = outputs.find(([, o]) =>
      Object.keys(o.inputs).includes('src/kernels/wasm/gen/kernels-relaxed.ts'),
    )!;
    expect(chunkName).not.toBe(entryName);
    expect(text(entryName)).toContain(KERNELS_SIMD.slice(0, 64));
    expect(text(entryName)).not.toContain(KERNELS_RELAXED.slice(0, 64));
    // the entry loads nothing else statically; the chunk only through import()
    expect(entry.imports.filter((i) => i.kind === 'import-statement')).toEqual([]);
    expect(entry.imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path)).toEqual([
      chunkName,
    ]);
  });

  it.skipIf(!existsSync('dist/index.js'))(
    'with relaxed SIMD, the relaxed build takes over after import over the same memory (dist)',
    () => {
      // A fresh engine with the flag: at import the SIMD build is live (an array taken
      // at once is in its memory); wasmReady brings the relaxed build over that memory.
      const script = `
        const kit = await import('./dist/index.js');
        const x = kit.wasmArray(Float32Array, 4096);
        for (let i = 0; i < x.length; i++) x[i] = Math.sin(i);
        const k = await kit.wasmReady;
        const y = kit.softmax(x, { backend: 'wasm', out: x });
        console.log(JSON.stringify({
          relaxed: k.relaxedSimd, shared: k.sharedMemory,
          sameMemory: x.buffer === k.memory.buffer, inPlace: y === x,
          sum: Array.from(y).reduce((a, b) => a + b, 0),
        }));`;
      const out = JSON.parse(
        execFileSync(
          process.execPath,
          ['--experimental-wasm-relaxed-simd', '--input-type=module', '-e', script],
          { encoding: 'utf8' },
        ),
      );
      expect(out).toMatchObject({ relaxed: true, shared: true, sameMemory: true, inPlace: true });
      expect(out.sum).toBeCloseTo(1, 5);
    },
  );
});
