import { describe, expect, it } from 'vitest';
import {
  drawPosition,
  gatherRow,
  newCandidates,
  probabilities,
} from '../../src/kernels/sampling-candidates.js';
import { refSoftmax } from '../helpers/reference.js';

// The samplers' candidate buffer; tested end to end through test/sampling/*.test.ts.

describe('sampling candidates', () => {
  it('gathers a row, turns it into probabilities and draws by the inverse CDF', () => {
    const x = [0.5, 2, -1, 1];
    const c = newCandidates(4);
    gatherRow(c, x, 0, 4);
    expect(c.m).toBe(4);
    probabilities(c);
    const p = refSoftmax(x);
    for (let j = 0; j < 4; j++) expect(c.aux[j]).toBeCloseTo(p[j]!.toNumber(), 15);
    gatherRow(c, x, 0, 4);
    // cumulative p: 0.14, 0.76, 0.79, 1 → u = 0.5 lands on index 1
    expect(c.idx[drawPosition(c, 0.5)]).toBe(1);
  });
});
