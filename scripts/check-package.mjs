#!/usr/bin/env node
/**
 * The published package's checks, run by `npm test` after the build:
 * - publint --strict: package.json's fields (exports, bin, files, types) agree with the
 *   files `npm pack` puts in the tarball;
 * - arethetypeswrong on the packed tarball: every entry point's types resolve like its
 *   JavaScript. Profile esm-only: softmax-kit ships ES modules only, so the two
 *   resolutions it does not serve are left out — node10 (TypeScript's pre-exports
 *   `moduleResolution: node`, blind to the subpaths) and node16-from-CommonJS, whose
 *   "ESM (dynamic import only)" predates require(esm): Node ≥ 20.19 / 22.12 loads the
 *   package with require() (its module graph has no top-level await), which
 *   test/package/tarball.test.ts checks on the real tarball.
 *
 * Usage: node scripts/check-package.mjs (dist/ must be built).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules/.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

run(bin('publint'), ['--strict']);
const dir = mkdtempSync(join(tmpdir(), 'softmax-kit-pack-'));
try {
  const packed = execFileSync(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', dir],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  const tarball = join(dir, JSON.parse(packed)[0].filename);
  run(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'table-flipped']);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
