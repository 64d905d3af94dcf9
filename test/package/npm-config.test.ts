/**
 * The repository's own npm configuration: no npm command in it warns (npm 11 warns
 * "Unknown project config" for keys it does not know in a project .npmrc, as the old
 * `onnxruntime-node-install=skip` was), and onnxruntime-node's install script (a
 * download of CUDA libraries that are not in its npm package) stays denied through
 * package.json's allowScripts, npm's own field for it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

describe("the repository's npm configuration", () => {
  it('an npm command in the repository prints no warning about the project config', () => {
    const r = spawnSync('npm', ['pkg', 'get', 'name'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('"softmax-kit"');
    expect(r.stderr).not.toMatch(/project config/i);
  });

  it("denies onnxruntime-node's install script by name", () => {
    const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
    expect(pkg.allowScripts).toMatchObject({ 'onnxruntime-node': false });
  });
});
