/**
 * `softmax-kit demo` (also run through main.test.ts): a row per registered
 * normalizer with the library's own values, the batch table, and the three
 * algorithms' agreement within the promised 4 ulp.
 */
import { describe, expect, it } from 'vitest';
import { demoLines } from '../../src/cli/demo.js';
import { normalizers } from '../../src/normalizers/registry.js';
import { softmax } from '../../src/normalizers/softmax.js';

describe('demoLines', () => {
  const lines = demoLines();
  it('shows every registered normalizer on the example row', () => {
    for (const name of Object.keys(normalizers))
      expect(lines.some((l) => l.trimStart().startsWith(`${name} `))).toBe(true);
  });
  it("prints softmax's own values, the masked entry as 0, and sum 1", () => {
    const y = softmax([2.5, 1.8, 1.2, 0.3, -0.4, -1.0, -2.2, -Infinity]);
    const line = lines.find((l) => l.trimStart().startsWith('softmax '))!;
    const cells = line.split('│')[0]!.trim().split(/\s+/).slice(1);
    expect(cells).toEqual(Array.from(y, (v) => (v === 0 ? '0' : v.toFixed(3))));
    expect(line.split('│')[1]!.trim().split(/\s+/)[0]).toBe('1.0000');
  });
  it('reports the algorithms agreeing within 4 ulp', () => {
    const diff = Number(/between algorithms: (\S+)/.exec(lines.join('\n'))![1]);
    expect(diff).toBeLessThanOrEqual(8.9e-16);
  });
});
