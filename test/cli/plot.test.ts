import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calibrationError } from '../../src/calibration/calibration-error.js';
import { fitTemperature } from '../../src/calibration/temperature.js';
import { run } from '../../src/cli/main.js';
import { entmax } from '../../src/normalizers/entmax.js';
import { normalizers } from '../../src/normalizers/registry.js';
import { softmax } from '../../src/normalizers/softmax.js';
import { sparsemax } from '../../src/normalizers/sparsemax.js';

const dir = mkdtempSync(join(tmpdir(), 'softmax-kit-plot-'));

function capture(argv: string[]): { code: number; text: string } {
  const lines: string[] = [];
  const code = run(argv, (l) => lines.push(l));
  return { code, text: lines.join('\n') };
}

/** The values a panel's <title> lists (3 decimals), by normalizer name. */
function titles(svg: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const [, name, values] of svg.matchAll(/<title>(\w+): ([^<]*)<\/title>/g))
    m.set(name!, values!);
  return m;
}

const three = (y: ArrayLike<number>) => Array.from(y, (v) => v.toFixed(3)).join(' ');

describe('softmax-kit plot normalizers', () => {
  it('writes one SVG with a bar chart per normalizer, of the library’s values on x / T', () => {
    const out = join(dir, 'normalizers.svg');
    const { code, text } = capture([
      'plot',
      'normalizers',
      '2',
      '1',
      '0.5',
      '-1',
      '--temperature',
      '0.5',
      '--alpha',
      '1.25',
      '--out',
      out,
    ]);
    expect(code).toBe(0);
    expect(text).toBe(`wrote ${out}`);
    const svg = readFileSync(out, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const t = titles(svg);
    expect([...t.keys()]).toEqual(Object.keys(normalizers));
    const x = [4, 2, 1, -2];
    expect(t.get('softmax')).toBe(three(softmax(x)));
    expect(t.get('sparsemax')).toBe(three(sparsemax(x)));
    expect(t.get('entmax')).toBe(three(entmax(x, { alpha: 1.25 })));
    // softmax's entropy in nats, −Σ p ln p, in its panel's summary line
    const p = softmax(x);
    const h = p.reduce((a, v) => a - v * Math.log(v), 0);
    expect(svg).toContain(`support 4/4 · H ${h.toFixed(3)}`);
    // sparsemax of (4, 2, 1, −2) is (1, 0, 0, 0): one bar of full height, three of none
    expect(t.get('sparsemax')).toBe('1.000 0.000 0.000 0.000');
  });

  it('says what it expected for bad input', () => {
    expect(capture(['plot']).code).toBe(1);
    expect(capture(['plot', 'nope']).text).toContain("expected 'normalizers'");
    expect(capture(['plot', 'normalizers', '1', '2']).text).toContain('usage');
    expect(capture(['plot', 'normalizers', '1', '--alpah', '2', '--out', 'x.svg']).text).toContain(
      "unknown option '--alpah'",
    );
    const t0 = capture([
      'plot',
      'normalizers',
      '1',
      '2',
      '--temperature',
      '0',
      '--out',
      join(dir, 'x.svg'),
    ]);
    expect(t0).toMatchObject({ code: 2 });
    const bad = capture([
      'plot',
      'normalizers',
      '1',
      '2',
      '--alpha',
      '0.5',
      '--out',
      join(dir, 'y.svg'),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.text).toMatch(/entmax: expected alpha/);
  });
});

describe('softmax-kit plot calibration', () => {
  // 40 rows of 3 classes: the label is the largest logit's class, but every fifth row's is not
  const rows: number[][] = [];
  for (let r = 0; r < 40; r++) {
    const z = [Math.sin(r), Math.cos(1.3 * r), 0.5 * Math.sin(0.7 * r + 1)];
    rows.push([r % 5 === 0 ? (r + 1) % 3 : z.indexOf(Math.max(...z)), ...z.map((v) => 3 * v)]);
  }
  const file = join(dir, 'data.csv');
  writeFileSync(file, `label,a,b,c\n${rows.map((r) => r.join(',')).join('\n')}\n`);

  it('draws the diagrams before and after the fitted temperature, and the risk–coverage curve', () => {
    const out = join(dir, 'calibration.svg');
    const { code, text } = capture(['plot', 'calibration', file, '--bins', '5', '--out', out]);
    expect(text).toBe(`wrote ${out}`);
    expect(code).toBe(0);
    const svg = readFileSync(out, 'utf8');
    const shape = [40, 3];
    const logits = Float64Array.from(rows.flatMap((r) => r.slice(1)));
    const labels = Int32Array.from(rows, (r) => r[0]!);
    const fit = fitTemperature(logits, labels, { shape });
    expect(Number.isFinite(fit.temperature) && fit.temperature > 0).toBe(true);
    expect(svg).toContain(`After (T = ${fit.temperature.toPrecision(4)})`);
    const ece = (T: number) => {
      const p = softmax(
        logits.map((v) => v / T),
        { shape },
      );
      return calibrationError(p, labels, { shape, bins: 5 }).ece.toFixed(4);
    };
    expect(svg).toContain(`ECE ${ece(1)} → ${ece(fit.temperature)}`);
    expect(svg.match(/<svg /g)?.length).toBe(4); // the grid and its three charts
    expect(svg).toContain('Risk–coverage (AURC');
  });

  it('names a missing file and an unknown option', () => {
    const missing = capture([
      'plot',
      'calibration',
      join(dir, 'none.csv'),
      '--out',
      join(dir, 'n.svg'),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.text).toContain('none.csv');
    expect(capture(['plot', 'calibration', file, '--bin', '5', '--out', 'x.svg']).text).toContain(
      "unknown option '--bin'",
    );
    expect(capture(['plot', 'calibration', file]).text).toContain('expected --out');
  });
});
