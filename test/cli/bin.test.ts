/**
 * bin.ts is the installed command: it runs main.ts's `run` (tested in main.test.ts)
 * on the process's arguments and sets the exit code. Checked here by importing it
 * with a command line in process.argv.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

const argv = process.argv;
afterEach(() => {
  process.argv = argv;
  process.exitCode = undefined;
  vi.restoreAllMocks();
  vi.resetModules();
});

async function runBin(args: string[]): Promise<string[]> {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  process.argv = ['node', 'softmax-kit', ...args];
  await import('../../src/cli/bin.js');
  return lines;
}

describe('softmax-kit (bin)', () => {
  it('prints the result of the arguments and exits 0', async () => {
    expect(await runBin(['softmax', '0', '0'])).toEqual(['0.5 0.5']);
    expect(process.exitCode).toBe(0);
  });
  it('exits non-zero on an unknown command', async () => {
    await runBin(['nope']);
    expect(process.exitCode).toBe(1);
  });
});
