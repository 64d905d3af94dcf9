#!/usr/bin/env node
/**
 * Build the WebAssembly kernels (src/kernels/wasm/assembly/index.ts) with
 * AssemblyScript and embed the bytes as base64 in src/kernels/wasm/gen/kernels.ts,
 * so the package loads them in Node and in a bundled page without a fetch.
 *
 * Four variants: plain SIMD or relaxed SIMD (FMA), each importing a plain or a
 * shared memory (shared: worker threads can use it, and growing it never detaches
 * views). asc is deterministic, so `npm run gen` reproduces the committed file
 * byte for byte (`node scripts/gen-wasm.mjs --check`). The file also records a
 * SHA-256 of the AssemblyScript sources, so a cheap test can tell that it is stale.
 *
 * Usage: node scripts/gen-wasm.mjs [--check | --hash]
 *   --check: exit 1 if the file would change; --hash: print the sources' SHA-256.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = 'src/kernels/wasm/assembly/index.ts';
const target = join(root, 'src/kernels/wasm/gen/kernels.ts');
const asc = join(root, 'node_modules/assemblyscript/bin/asc.js');

const common = ['-O3', '--noAssert', '--runtime', 'stub', '--importMemory', '--noExportMemory'];
const variants = [
  { name: 'SIMD', flags: ['--enable', 'simd'] },
  { name: 'RELAXED', flags: ['--enable', 'simd', '--enable', 'relaxed-simd'] },
  {
    name: 'SIMD_SHARED',
    flags: [
      '--enable',
      'simd',
      '--enable',
      'threads',
      '--sharedMemory',
      '--maximumMemory',
      '65536',
    ],
  },
  {
    name: 'RELAXED_SHARED',
    flags: [
      ...['--enable', 'simd', '--enable', 'relaxed-simd', '--enable', 'threads'],
      ...['--sharedMemory', '--maximumMemory', '65536'],
    ],
  },
];

/** SHA-256 of the AssemblyScript sources (file names and contents, in name order). */
export function sourceHash() {
  const dir = join(root, 'src/kernels/wasm/assembly');
  const h = createHash('sha256');
  for (const f of readdirSync(dir).sort()) h.update(f).update(readFileSync(join(dir, f)));
  return h.digest('hex');
}

export function generate() {
  const dir = mkdtempSync(join(tmpdir(), 'softmax-kit-wasm-'));
  try {
    const lines = [
      `// generated from ${source} by scripts/gen-wasm.mjs — do not edit`,
      '// AssemblyScript kernels as base64 WebAssembly modules (see scripts/gen-wasm.mjs).',
      '',
      `export const SOURCE_SHA256 = '${sourceHash()}';`,
      '',
    ];
    for (const v of variants) {
      const out = join(dir, `${v.name}.wasm`);
      execFileSync(process.execPath, [asc, source, ...common, ...v.flags, '-o', out], {
        cwd: root,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const b64 = readFileSync(out).toString('base64');
      lines.push(`export const KERNELS_${v.name} =`, `  '${b64}';`, '');
    }
    return lines.join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--hash')) {
    console.log(sourceHash());
    process.exit(0);
  }
  const text = generate();
  if (process.argv.includes('--check')) {
    const same = readFileSync(target, 'utf8') === text;
    if (!same) console.error(`${target} is out of date: run npm run gen`);
    process.exit(same ? 0 : 1);
  }
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
