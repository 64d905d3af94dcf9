/**
 * Robustness of the command line (issue 15): arbitrary argument lists → a printed
 * answer with status 0, 1 (usage) or 2 (a SoftmaxKitError, printed with its code);
 * never an exception, never NaN printed for arguments that are all numbers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputFileError } from '../../src/cli/input-file-error.js';
import { run } from '../../src/cli/main.js';
import { readNpy } from '../../src/cli/npy.js';
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
  it('readNpy: any bytes after the magic give an array or an InputFileError', () => {
    const header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }";
    const valid = new Uint8Array(10 + header.length + 32);
    valid.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length, 0]);
    valid.set(new TextEncoder().encode(header), 10);
    check(
      fc.tuple(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.nat(255)), { maxLength: 6 }),
        fc.nat(valid.length),
      ),
      ([edits, cut]) => {
        const bytes = valid.slice(0, cut);
        for (const [at, v] of edits) if (at < bytes.length) bytes[at] = v;
        try {
          const a = readNpy(bytes, 'f.npy');
          expect(a.data.length).toBe(a.shape.reduce((p, d) => p * d, 1));
        } catch (e) {
          expect(e).toBeInstanceOf(InputFileError);
        }
      },
      1000,
    );
  });
});
