import { describe, expect, it } from 'vitest';
import { grid } from '../../src/plot/grid.js';
import { chart } from '../../src/plot/svg.js';

describe('grid', () => {
  const cell = (title: string) =>
    chart({ width: 200, height: 150, x: [0, 1], y: [0, 1], title }).toString();

  it('places each chart at its cell under the title band, in rows of `columns`', () => {
    const svg = grid([cell('a'), cell('b'), cell('c')], {
      columns: 2,
      width: 200,
      height: 150,
      title: 'three <charts>',
    });
    expect(svg).toMatch(
      /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]* width="400" height="334"/,
    );
    const at = [...svg.matchAll(/<svg x="(\d+)" y="(\d+)"/g)].map((m) => [+m[1]!, +m[2]!]);
    expect(at).toEqual([
      [0, 34],
      [200, 34],
      [0, 184],
    ]);
    expect(svg).toContain('three &#60;charts&#62;');
    expect(svg.endsWith('</svg>\n')).toBe(true);
  });
});
