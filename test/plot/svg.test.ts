import { describe, expect, it } from 'vitest';
import { chart, element, escapeXml, linearScale, num, ticks } from '../../src/plot/svg.js';

describe('svg primitives', () => {
  it('escapes text and attributes', () => {
    expect(escapeXml(`a<b & "c" 'd'>`)).toBe('a&#60;b &#38; &#34;c&#34; &#39;d&#39;&#62;');
    expect(element('text', { x: 1.005, title: '<x>' }, 'hi')).toBe(
      '<text x="1" title="&#60;x&#62;">hi</text>',
    );
    expect(element('rect', { width: 3, fill: undefined })).toBe('<rect width="3"/>');
  });
  it('numbers are short and never -0 or NaN', () => {
    expect([num(1 / 3), num(-0), num(Number.NaN), num(-1e-9), num(12)]).toEqual([
      '0.33',
      '0',
      '0',
      '0',
      '12',
    ]);
  });
  it('scales map domains to ranges (flipped for y), ticks are even', () => {
    const y = linearScale([0, 1], [300, 20]);
    expect([y(0), y(1), y(0.5)]).toEqual([300, 20, 160]);
    expect(linearScale([2, 2], [0, 10])(2)).toBe(5);
    expect(ticks([0, 1], 4)).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });
});

describe('chart', () => {
  it('draws a line unfilled and dark unless given a stroke (a curve was filled black)', () => {
    const pts: [number, number][] = [
      [0, 0],
      [0.5, 1],
      [1, 0.2],
    ];
    const plain = chart({ x: [0, 1], y: [0, 1] })
      .line(pts)
      .toString();
    expect(plain).toMatch(/<path d="[^"]+" fill="none" stroke="#333"\/>/);
    const blue = chart({ x: [0, 1], y: [0, 1] }).line(pts, { stroke: 'blue', strokeWidth: 2 });
    expect(blue.toString()).toMatch(
      /<path d="[^"]+" fill="none" stroke="blue" stroke-width="2"\/>/,
    );
  });

  it('builds a self-contained SVG with the marks asked for', () => {
    const c = chart({ width: 200, height: 100, x: [0, 1], y: [0, 1], title: 'A & B' });
    c.axes({ xLabel: 'x', yLabel: 'y' })
      .bars([{ x0: 0, x1: 0.5, y: 0.5, title: 'bar <1>' }], { fill: 'red' })
      .line(
        [
          [0, 0],
          [1, 1],
        ],
        { dash: '2 2' },
      )
      .points([[0.5, 0.5]])
      .text(0.5, 0.5, 'mid');
    const svg = c.toString();
    expect(
      svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="A &#38; B"'),
    ).toBe(true);
    expect(svg).toContain('width="200" height="100"');
    expect(svg).toContain('><title>A &#38; B</title>');
    expect(svg).toContain('A &#38; B');
    expect(svg).toContain('<title>bar &#60;1&#62;</title>');
    expect(svg).toContain('stroke-dasharray="2 2"');
    expect(svg).not.toMatch(/NaN|undefined|<script|href=/);
    // balanced tags
    const open = (svg.match(/<[a-z]+[^>]*[^/]>/g) ?? []).length;
    const close = (svg.match(/<\/[a-z]+>/g) ?? []).length;
    expect(open).toBe(close);
  });
});
