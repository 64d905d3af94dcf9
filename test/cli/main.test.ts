import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { softmax } from '../../src/normalizers/softmax.js';

function capture(argv: string[]): { code: number; text: string } {
  const lines: string[] = [];
  const code = run(argv, (l) => lines.push(l));
  return { code, text: lines.join('\n') };
}

describe('softmax-kit command', () => {
  it('demo shows every normalizer and the algorithms agreeing', () => {
    const { code, text } = capture(['demo']);
    expect(code).toBe(0);
    expect(text).toMatch(/softmax\s+0\.507/);
    const diff = Number(/between algorithms: (\S+)/.exec(text)![1]);
    expect(diff).toBeLessThanOrEqual(8.9e-16);
  });
  it('evaluates a normalizer with options', () => {
    const { code, text } = capture(['softmax', '1', '2', '-inf', '--temperature', '0.5']);
    expect(code).toBe(0);
    const y = text.split(' ').map(Number);
    expect(y[2]).toBe(0);
    expect(y[1]! / y[0]!).toBeCloseTo(Math.exp(2), 12);
  });
  it('reports bad input with the error code and a non-zero status', () => {
    expect(capture(['softmax', '1', '--axis', '4'])).toMatchObject({ code: 2 });
    expect(capture(['nope']).code).toBe(1);
    expect(capture(['help']).code).toBe(0);
  });
  it('regression (issue 15): a bad number is an error naming it, exit 2 (it printed NaN NaN NaN)', () => {
    const { code, text } = capture(['softmax', '1', '2', 'abc']);
    expect(code).toBe(2);
    expect(text).toMatch(/softmax: expected argument 3 to be a number, got "abc"/);
    expect(text).not.toMatch(/NaN/);
    expect(capture(['softmax', '1', '--shape', '1,x']).code).toBe(2);
    expect(capture(['softmax', '1', '--temperature']).code).toBe(2);
  });
  it('regression (issue 15): a misspelled flag names the nearest one, exit 2', () => {
    const { code, text } = capture(['softmax', '1', '2', '--temprature', '0.5']);
    expect(code).toBe(2);
    expect(text).toMatch(/unknown flag '--temprature' \(did you mean '--temperature'\?\)/);
    expect(capture(['sparseSoftmax', '1', '2', '--kk', '1']).text).toMatch(/did you mean '--k'/);
  });
  it('regression (issue 15): --shape 3 (no comma) is a shape of one dimension', () => {
    const { code, text } = capture(['softmax', '0', '0', '0', '--shape', '3']);
    expect(code).toBe(0);
    expect(text.split(' ').map(Number)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    const two = capture(['softmax', '0', '0', '5', '5', '--shape', '2,2', '--axis', '0']);
    expect(two.text.split(' ').map(Number)).toEqual(
      Array.from(softmax([0, 0, 5, 5], { shape: [2, 2], axis: 0 })),
    );
    expect(capture(['softmax', 'inf', '-inf', '1']).text).toBe('1 0 0');
  });
});
