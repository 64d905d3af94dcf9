/**
 * The CLI's strict argument reader: numbers as typed (inf, -inf, nan spelled out),
 * flags with values (lists, booleans, strings), unknown flags naming the nearest.
 */
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.js';
import { numberRule, shapeRule } from '../../src/tensor/options.js';
import { errorCode } from '../losses/class-loss-checks.js';

const RULES = { shape: shapeRule, temperature: numberRule({ default: 1 }) };

describe('parseArgs', () => {
  it('reads numbers in every spelling, and inf / -inf / nan words', () => {
    const { values } = parseArgs('softmax', ['1', '-2.5e-3', '0x10', 'inf', '-INF', 'nan'], RULES);
    expect(values).toEqual([1, -0.0025, 16, Infinity, -Infinity, Number.NaN]);
  });
  it('reads flag values: numbers, lists (shape always a list), booleans, strings', () => {
    const { options } = parseArgs(
      'f',
      [
        '--shape',
        '3',
        '--temperature',
        '0.5',
        '--hard',
        'true',
        '--algorithm',
        'online',
        '--k',
        '1,2',
      ],
      undefined,
    );
    expect(options).toEqual({
      shape: [3],
      temperature: 0.5,
      hard: true,
      algorithm: 'online',
      k: [1, 2],
    });
  });
  it('rejects a bad number, a missing value and an unknown flag (naming the nearest)', () => {
    expect(() => parseArgs('softmax', ['1', 'two'], RULES)).toThrow(
      /softmax: expected argument 2 to be a number, got "two"/,
    );
    expect(() => parseArgs('softmax', ['--shape', '2,x'], RULES)).toThrow(/--shape\[1\]/);
    expect(errorCode(() => parseArgs('softmax', ['--temperature'], RULES))).toBe(
      'INVALID_PARAMETER',
    );
    expect(() => parseArgs('softmax', ['--temprature', '2'], RULES)).toThrow(
      /unknown flag '--temprature' \(did you mean '--temperature'\?\)/,
    );
    expect(() => parseArgs('softmax', ['', '1'], RULES)).toThrow(/argument 1/);
  });
});
