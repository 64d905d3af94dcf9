/**
 * The tree's two shape rules of ARCHITECTURE.md, checked on every `npm test`:
 * test/ mirrors src/ file for file (each module `src/X.ts` has `test/X.test.ts`;
 * a module tested only through another says so in that file), and no hand-written
 * source file is over 450 lines (one concept per file). The AssemblyScript under
 * src/kernels/wasm/assembly/ is tested through the module it compiles to
 * (test/kernels/wasm/), and src/kernels/wasm/gen/ is generated.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(process.cwd(), 'src');
const GENERATED_OR_ASSEMBLY = /^kernels\/wasm\/(gen|assembly)\//;

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return modules(path);
    return e.name.endsWith('.ts') ? [relative(SRC, path)] : [];
  });
}

const handWritten = modules(SRC).filter((m) => !/^kernels\/wasm\/gen\//.test(m));

describe('the tree', () => {
  it('has a test file for every module of src/', () => {
    const missing = handWritten
      .filter((m) => !GENERATED_OR_ASSEMBLY.test(m))
      .filter((m) => !existsSync(join('test', m.replace(/\.ts$/, '.test.ts'))));
    expect(missing).toEqual([]);
  });
  it('has no hand-written source file over 450 lines', () => {
    const long = handWritten
      .map((m) => [m, readFileSync(join(SRC, m), 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 450);
    expect(long).toEqual([]);
  });
});
