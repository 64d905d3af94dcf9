/**
 * The floor rule of ARCHITECTURE.md is enforced by dependency-cruiser
 * (.dependency-cruiser.cjs, run by `npm test` as `npm run check:arch`). This test
 * checks that the rules can fail: an upward import and a cycle are both caught.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cruise } from 'dependency-cruiser';
import { afterAll, describe, expect, it } from 'vitest';

const config = createRequire(import.meta.url)('../../.dependency-cruiser.cjs') as {
  forbidden: unknown[];
};
const root = mkdtempSync(join(process.cwd(), '.floors-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, 't-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, 'src', name, '..'), { recursive: true });
    writeFileSync(join(dir, 'src', name), text);
  }
  return dir;
}

async function violations(dir: string): Promise<string[]> {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const r = await cruise(
      ['src'],
      {
        validate: true,
        ruleSet: { forbidden: config.forbidden },
        tsPreCompilationDeps: true,
      } as never,
      { extensions: ['.ts', '.js'] } as never,
    );
    const out = r.output as { summary: { violations: { rule: { name: string } }[] } };
    return out.summary.violations.map((v) => v.rule.name).sort();
  } finally {
    process.chdir(cwd);
  }
}

describe('the floor rule', () => {
  it('allows downward imports', async () => {
    const dir = tree({
      'tensor/a.ts': 'export const a = 1;\n',
      'kernels/k.ts': "import { a } from '../tensor/a';\nexport const k = a;\n",
      'losses/l.ts': "import { k } from '../kernels/k';\nexport const l = k;\n",
    });
    expect(await violations(dir)).toEqual([]);
  });
  it('catches an upward import, a room importing a room, and a cycle', async () => {
    const dir = tree({
      'kernels/k.ts': "import { l } from '../losses/l';\nexport const k = l;\n",
      'losses/l.ts': 'export const l = 1;\n',
      'sampling/s.ts': "import { l } from '../losses/l';\nexport const s = l;\n",
      'tensor/x.ts': "import { y } from './y';\nexport const x = y;\n",
      'tensor/y.ts': "import { x } from './x';\nexport const y = () => x;\n",
    });
    expect(await violations(dir)).toEqual(['floor-2', 'no-circular', 'room-sampling']);
  });
});
