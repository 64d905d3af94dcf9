/**
 * The calibration picture (its command is tested in plot.test.ts with logits).
 * Here, directly: a file of probabilities draws the same picture as one of their
 * logarithms as logits (softmax(log p) = p for normalized rows).
 */
import { describe, expect, it } from 'vitest';
import { calibrationPicture } from '../../src/cli/plot-calibration.js';

describe('calibrationPicture', () => {
  it('takes probabilities as the logs of them', () => {
    const rows = 30;
    const probs = new Float64Array(rows * 2);
    const labels = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      const p = 0.5 + 0.45 * Math.sin(r * 1.7) ** 2;
      probs[2 * r] = p;
      probs[2 * r + 1] = 1 - p;
      labels[r] = r % 4 === 0 ? 1 : 0;
    }
    const asProbs = calibrationPicture(
      { scores: probs, labels, rows, classes: 2, probabilities: true },
      5,
    );
    const asLogits = calibrationPicture(
      { scores: probs.map(Math.log), labels, rows, classes: 2, probabilities: false },
      5,
    );
    expect(asProbs).toBe(asLogits);
    expect(asProbs).toContain('30 rows × 2 classes: temperature scaling');
  });
});
