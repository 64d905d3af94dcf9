/**
 * The normalizers picture (its command is tested in plot.test.ts). Here, directly:
 * one panel per registered normalizer, titled with the library's values on x / T.
 */
import { describe, expect, it } from 'vitest';
import { NORMALIZER_PARAMS, normalizersPicture } from '../../src/cli/plot-normalizers.js';
import { normalizers } from '../../src/normalizers/registry.js';
import { softmax } from '../../src/normalizers/softmax.js';

describe('normalizersPicture', () => {
  it('draws every normalizer, softmax with its values on x / T', () => {
    const svg = normalizersPicture([1, 0, -1], { ...NORMALIZER_PARAMS, temperature: 2 });
    const titles = [...svg.matchAll(/<title>([A-Za-z0-9]+): ([^<]*)<\/title>/g)]; // the panels (not the grid)
    expect(titles.map((m) => m[1])).toEqual(Object.keys(normalizers));
    const y = softmax([0.5, 0, -0.5]);
    expect(titles[0]![2]).toBe(Array.from(y, (v) => v.toFixed(3)).join(' '));
    expect(svg).toContain('every normalizer on (1, 0, -1) / 2');
  });
});
