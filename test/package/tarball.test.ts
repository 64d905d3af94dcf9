/**
 * The package as a user gets it: `npm pack` (the files package.json "files" ships),
 * installed offline into a fresh project (it has no runtime dependencies, so no
 * registry is needed), then used the four ways a user does — an ES module import,
 * CommonJS `require` (Node ≥ 20.19 loads the ES build with require(esm)), TypeScript
 * (`tsc --strict`, module nodenext, result types without casts, from an ES module and
 * from a CommonJS file) and the installed `softmax-kit` command.
 *
 * Needs dist/ (`npm run build`; `npm test` builds first).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');

describe('the packed tarball, installed in a fresh project', () => {
  let dir = '';
  let project = '';
  const node = (args: string[]) =>
    execFileSync(process.execPath, args, { cwd: project, encoding: 'utf8' });

  beforeAll(() => {
    if (!existsSync(join(root, 'dist/index.js')))
      throw new Error('tarball test: expected dist/index.js; run npm run build');
    dir = mkdtempSync(join(tmpdir(), 'softmax-kit-tarball-'));
    const packed = execFileSync(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', dir],
      { cwd: root, encoding: 'utf8' },
    );
    const tarball = join(dir, JSON.parse(packed)[0].filename);
    project = join(dir, 'project');
    execFileSync('mkdir', [project]);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'user-project', private: true, type: 'module' }),
    );
    execFileSync(
      'npm',
      ['install', tarball, '--offline', '--no-audit', '--no-fund', '--ignore-scripts'],
      { cwd: project, encoding: 'utf8' },
    );
  }, 60_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships dist, the README and the changelog, and no sources or tests', () => {
    const pkg = join(project, 'node_modules/softmax-kit');
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/cli/bin.js', 'README.md'])
      expect(existsSync(join(pkg, f))).toBe(true);
    for (const f of ['src', 'test', 'bench', 'node_modules'])
      expect(existsSync(join(pkg, f))).toBe(false);
  });

  it('imports as an ES module, with its subpaths', () => {
    const out = node([
      '--input-type=module',
      '-e',
      `import { softmax } from 'softmax-kit';
       import { crossEntropy } from 'softmax-kit/losses';
       import { attention } from 'softmax-kit/attention';
       const y = softmax(new Float32Array([0, 0]));
       console.log(y.constructor.name, y.join(' '), typeof crossEntropy, typeof attention);`,
    ]);
    expect(out.trim()).toBe('Float32Array 0.5 0.5 function function');
  });

  it('loads with require() from CommonJS, with its subpaths', () => {
    const out = node([
      '--input-type=commonjs',
      '-e',
      `const { softmax } = require('softmax-kit');
       const { crossEntropy } = require('softmax-kit/losses');
       const { attention } = require('softmax-kit/attention');
       const y = softmax([0, 0]);
       console.log(y.constructor.name, y.join(' '), typeof crossEntropy, typeof attention);`,
    ]);
    expect(out.trim()).toBe('Float64Array 0.5 0.5 function function');
  });

  it('type-checks with tsc --strict, module nodenext: Float32Array in, Float32Array out, no casts', () => {
    writeFileSync(
      join(project, 'esm.ts'),
      `import { softmax } from 'softmax-kit';
       import { crossEntropy } from 'softmax-kit/losses';
       const y: Float32Array = softmax(new Float32Array(3));
       const z: Float64Array = softmax([1, 2, 3]);
       export const used = [y, z, crossEntropy];`,
    );
    writeFileSync(
      join(project, 'cjs.cts'),
      `import { softmax } from 'softmax-kit';
       const y: Float32Array = softmax(new Float32Array(3));
       export = y;`,
    );
    // and a wrong annotation, so the check can fail: exactly that line is an error
    writeFileSync(
      join(project, 'wrong.ts'),
      `import { softmax } from 'softmax-kit';
       export const y: Float64Array = softmax(new Float32Array(3));`,
    );
    const args = ['--strict', '--module', 'nodenext', '--noEmit', 'esm.ts', 'cjs.cts', 'wrong.ts'];
    let stdout = '';
    try {
      execFileSync(process.execPath, [tsc, ...args], { cwd: project, encoding: 'utf8' });
    } catch (e) {
      stdout = (e as { stdout: string }).stdout;
    }
    const errors = stdout.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^wrong\.ts\(2,\d+\): error TS2322/);
  });

  it('runs the installed bin: npx softmax-kit demo prints the demo', () => {
    const out = execFileSync('npx', ['--offline', '--no', 'softmax-kit', 'demo'], {
      cwd: project,
      encoding: 'utf8',
    });
    expect(out).toMatch(/^softmax-kit demo/);
    expect(out.split('\n').length).toBeGreaterThan(5);
    // the .bin link itself (what npx runs), with a computation
    const one = execFileSync(
      join(project, 'node_modules/.bin/softmax-kit'),
      ['softmax', '0', '0'],
      {
        cwd: project,
        encoding: 'utf8',
      },
    );
    expect(one.trim()).toBe('0.5 0.5');
  });
});
