/**
 * Robustness of the command line (issue 15): arbitrary argument lists → a printed
 * answer with status 0, 1 (usage) or 2 (a SoftmaxKitError, printed with its code);
 * never an exception, never NaN printed for arguments that are all numbers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { normalizers } from '../../src/normalizers/registry.js';
import { check } from '../helpers/robust.js';

const token = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -50, max: 50, noNaN: true }).map(String) },
  fc.constantFrom(
    '-inf',
    'inf',
    'nan',
    'abc',
    '',
    '1e400',
    '0x10',
    '--shape',
    '--axis',
    '--temperature',
    '--temprature',
    '--k',
    '--alpha',
    '3',
    '2,2',
    '1,x',
    'true',
    '--',
    '-1',
  ),
);
const argv = fc.tuple(
  fc.constantFrom(...Object.keys(normalizers), 'nope', 'help'),
  fc.array(token, { maxLength: 8 }),
);

describe('robustness: cli (issue 15)', () => {
  it('every argument list gets an answer and a status in {0, 1, 2}', () => {
    check(
      argv,
      ([command, rest]) => {
        const lines: string[] = [];
        const code = run([command, ...rest], (l) => lines.push(l));
        expect([0, 1, 2]).toContain(code);
        expect(lines.length).toBeGreaterThan(0);
        if (code === 2) expect(lines.join('\n')).toMatch(/^softmax-kit: .*\([A-Z_]+\)$/s);
      },
      1300,
    );
  });
});
