import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calibrateCommand, parseCsv } from '../../src/cli/calibrate.js';
import { run } from '../../src/cli/main.js';
import { randomArray } from '../helpers/finite-difference.js';

const dir = mkdtempSync(join(tmpdir(), 'softmax-kit-calibrate-'));

function capture(argv: string[]) {
  const lines: string[] = [];
  const code = run(argv, (l) => lines.push(l));
  return { code, text: lines.join('\n') };
}

/** Over-confident logits: scale 6 on weak signal. */
function csv(rows: number, k: number): string {
  const z = randomArray(rows * k, 4, -1, 1);
  const lines = [`label,${Array.from({ length: k }, (_, c) => `class${c}`).join(',')}`];
  for (let r = 0; r < rows; r++) {
    const label = r % k;
    const row = Array.from({ length: k }, (_, c) =>
      (6 * (z[r * k + c]! + (c === label ? 0.5 : 0))).toFixed(4),
    );
    lines.push(`${label},${row.join(',')}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('softmax-kit calibrate', () => {
  it('prints before/after metrics with the fitted T and writes both diagrams', () => {
    const file = join(dir, 'logits.csv');
    writeFileSync(file, csv(300, 5));
    const out = join(dir, 'diag');
    const { code, text } = capture(['calibrate', file, '--out', out, '--bins', '10']);
    expect(code).toBe(0);
    const T = Number(/T = (\S+)/.exec(text)![1]);
    expect(T).toBeGreaterThan(1); // over-confident logits are softened
    const ece = /ECE\s+(\S+)\s+(\S+)/.exec(text)!;
    expect(Number(ece[2])).toBeLessThan(Number(ece[1]));
    const nll = /NLL\s+(\S+)\s+(\S+)/.exec(text)!;
    expect(Number(nll[2])).toBeLessThan(Number(nll[1]));
    expect(readFileSync(`${out}-before.svg`, 'utf8')).toMatch(/^<svg[^>]*>.*Before \(T = 1\)/s);
    expect(readFileSync(`${out}-after.svg`, 'utf8')).toContain('After (T = ');
  });
  it('reads JSON with probabilities', () => {
    const file = join(dir, 'probs.json');
    writeFileSync(
      file,
      JSON.stringify({
        labels: [0, 1, 1, 0],
        probabilities: [
          [0.9, 0.1],
          [0.2, 0.8],
          [0.6, 0.4],
          [0.7, 0.3],
        ],
      }),
    );
    const { code, text } = capture(['calibrate', file, '--out', join(dir, 'p')]);
    expect(code).toBe(0);
    expect(text).toContain('(probabilities)');
  });
  it('a malformed file names the line and what was expected', () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'label,a,b\n0,1,2\n1,3\n');
    expect(capture(['calibrate', file])).toMatchObject({
      code: 2,
      text: expect.stringMatching(/bad\.csv line 3: expected a label and 2 scores, got 1/),
    });
    writeFileSync(file, '0,1,2\n1,x,2\n');
    expect(capture(['calibrate', file]).text).toMatch(
      /line 2: expected a number in column 2, got 'x'/,
    );
    writeFileSync(file, '0,1,2\n7,1,2\n');
    expect(capture(['calibrate', file]).text).toMatch(/line 2: expected a class index below 2/);
    const json = join(dir, 'bad.json');
    writeFileSync(json, '{"labels": [0], "logits": [[1, "a"]]}');
    expect(capture(['calibrate', json]).text).toMatch(/expected row 0 to be an array of 2 numbers/);
    expect(capture(['calibrate', join(dir, 'missing.csv')]).code).toBe(2);
    expect(capture(['calibrate']).code).toBe(1);
  });
  it('shows a progress bar on stderr for large files', () => {
    const seen: number[] = [];
    parseCsv(csv(5000, 3), 'x.csv', false, (f) => seen.push(f));
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toBe(1);
    const chunks: string[] = [];
    const file = join(dir, 'small.csv');
    writeFileSync(file, csv(20, 3));
    calibrateCommand(
      [file, '--out', join(dir, 's')],
      () => {},
      (t) => chunks.push(t),
    );
    expect(chunks).toEqual([]); // small files stay quiet
  });
});
