import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';

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
});
