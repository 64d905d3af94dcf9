#!/usr/bin/env node
/**
 * Build the WebAssembly kernels (src/kernels/wasm/assembly/index.ts) with
 * AssemblyScript and embed the bytes as base64 in src/kernels/wasm/gen/, so the
 * package loads them in Node and in a bundled page without a fetch.
 *
 * Four variants: plain SIMD or relaxed SIMD (FMA), each importing a plain or a
 * shared memory (shared: worker threads can use it, and growing it never detaches
 * views). Only the two plain-memory builds are embedded, each in its own module:
 * kernels.ts (SIMD, in every bundle) and kernels-relaxed.ts (reached by a dynamic
 * import() only where the engine has relaxed SIMD, so bundlers split it off). The
 * shared builds differ only in the memory import's limits and are derived at load
 * time (src/kernels/wasm/shared-memory.ts); shared-builds.ts records the SHA-256 of
 * asc's own shared builds so the tests can check the derivation byte for byte.
 * asc is deterministic, so `npm run gen` reproduces the committed files byte for
 * byte (`node scripts/gen-wasm.mjs --check`). kernels.ts also records a SHA-256 of
 * the AssemblyScript sources, so a cheap test can tell that it is stale.
 *
 * Usage: node scripts/gen-wasm.mjs [--check | --hash]
 *   --check: exit 1 if the file would change; --hash: print the sources' SHA-256.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = 'src/kernels/wasm/assembly/index.ts';
const genDir = join(root, 'src/kernels/wasm/gen');
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

/** The generated files: name → text. */
export function generate() {
  const dir = mkdtempSync(join(tmpdir(), 'softmax-kit-wasm-'));
  try {
    const build = (v) => {
      const out = join(dir, `${v.name}.wasm`);
      execFileSync(process.execPath, [asc, source, ...common, ...v.flags, '-o', out], {
        cwd: root,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      return readFileSync(out);
    };
    const bytes = Object.fromEntries(variants.map((v) => [v.name, build(v)]));
    const header = (what) => [
      `// generated from ${source} by scripts/gen-wasm.mjs — do not edit`,
      `// ${what} (see scripts/gen-wasm.mjs).`,
      '',
    ];
    const embed = (name) => [
      `export const KERNELS_${name} =`,
      `  '${bytes[name].toString('base64')}';`,
      '',
    ];
    const sha = (name) => createHash('sha256').update(bytes[name]).digest('hex');
    return {
      'kernels.ts': [
        ...header('The AssemblyScript kernels, SIMD build, as a base64 WebAssembly module'),
        `export const SOURCE_SHA256 = '${sourceHash()}';`,
        '',
        ...embed('SIMD'),
      ].join('\n'),
      'kernels-relaxed.ts': [
        ...header('The relaxed-SIMD (FMA) build, as a base64 WebAssembly module'),
        ...embed('RELAXED'),
      ].join('\n'),
      'shared-builds.ts': [
        ...header(
          "SHA-256 of asc's shared-memory builds, which load.ts derives from the plain ones",
        ),
        `export const SIMD_SHARED_SHA256 = '${sha('SIMD_SHARED')}';`,
        `export const RELAXED_SHARED_SHA256 = '${sha('RELAXED_SHARED')}';`,
        '',
      ].join('\n'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--hash')) {
    console.log(sourceHash());
    process.exit(0);
  }
  const files = generate();
  if (process.argv.includes('--check')) {
    const stale = Object.keys(files).filter(
      (name) =>
        !existsSync(join(genDir, name)) || readFileSync(join(genDir, name), 'utf8') !== files[name],
    );
    for (const name of stale)
      console.error(`${join(genDir, name)} is out of date: run npm run gen`);
    process.exit(stale.length === 0 ? 0 : 1);
  }
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(genDir, name), text);
    console.log(`wrote ${join(genDir, name)}`);
  }
}
