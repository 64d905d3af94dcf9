import { describe, expect, it } from 'vitest';
import { calibrationError } from '../../src/calibration/calibration-error.js';
import { reliabilityDiagram } from '../../src/calibration/reliability-diagram.js';
import { SoftmaxKitError } from '../../src/tensor/errors.js';

describe('reliabilityDiagram', () => {
  const probs = [0.9, 0.1, 0.8, 0.2, 0.3, 0.7, 0.6, 0.4, 0.55, 0.45];
  const labels = [0, 1, 1, 0, 1];
  it('draws one accuracy bar and one gap bar per non-empty bin, the ECE in the title', () => {
    const svg = reliabilityDiagram(probs, labels, { shape: [5, 2], bins: 5, title: 'Model <A>' });
    const r = calibrationError(probs, labels, { shape: [5, 2], bins: 5 });
    const full = r.bins.filter((b) => b.count > 0).length;
    expect((svg.match(/<title>/g) ?? []).length).toBe(full + 1); // the chart's own title first
    expect((svg.match(/fill="#e45756"/g) ?? []).length).toBe(full);
    expect(svg).toContain(`Model &#60;A&#62; — ECE ${(100 * r.ece).toFixed(2)}%`);
    expect(svg).toContain('stroke-dasharray'); // the diagonal
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).not.toMatch(/NaN|undefined/);
  });
  it('quantile bins and the l2 norm; options checked', () => {
    const svg = reliabilityDiagram(probs, labels, {
      shape: [5, 2],
      bins: 2,
      binning: 'quantile',
      norm: 'l2',
    });
    expect(svg).toContain('RMSCE');
    expect(() =>
      reliabilityDiagram(probs, labels, { shape: [5, 2], classwise: true } as never),
    ).toThrow(/reliabilityDiagram: unknown option 'classwise'/);
    expect(() => reliabilityDiagram(probs, labels, { shape: [5, 2], width: 10 })).toThrow(
      SoftmaxKitError,
    );
    expect(() => reliabilityDiagram([2, 0], [0])).toThrow(
      /reliabilityDiagram: expected probabilities/,
    );
  });
});
