/**
 * The losses' row softmax: p = softmax(x/T) and log p of one row in double,
 * against the 60-digit reference, including log p near 0 (p → 1) and masked entries.
 */
import { describe, expect, it } from 'vitest';
import { rowSoftmax, rowSoftmaxScratch } from '../../src/losses/row-softmax.js';
import { refLogSoftmax, refSoftmax, relError } from '../helpers/reference.js';

describe('rowSoftmax', () => {
  it('fills p and log p of x[o, o + n) within 2 ulp of the reference', () => {
    const x = new Float32Array([9, 9, 0.5, -1, 2, -Infinity, 3, 9]);
    const s = rowSoftmaxScratch(5);
    rowSoftmax(x, 2, 5, s);
    const row = Array.from(x.subarray(2, 7));
    const p = refSoftmax(row);
    const lp = refLogSoftmax(row);
    for (let j = 0; j < 5; j++) {
      if (j === 3) {
        expect(s.p[j]).toBe(0);
        expect(s.logp[j]).toBe(-Infinity);
        continue;
      }
      expect(relError(s.p[j]!, p[j]!)).toBeLessThan(5e-16);
      expect(relError(s.logp[j]!, lp[j]!)).toBeLessThan(5e-16);
    }
  });
  it('keeps log p relative accuracy as p → 1 (a margin of 40)', () => {
    const x = Float64Array.of(40, 0, 0);
    const s = rowSoftmaxScratch(3);
    rowSoftmax(x, 0, 3, s);
    const lp = refLogSoftmax(Array.from(x));
    expect(s.logp[0]).toBeLessThan(0); // −2e−17·…, not 0
    expect(relError(s.logp[0]!, lp[0]!)).toBeLessThan(5e-16);
  });
  it('divides by the temperature', () => {
    const x = Float64Array.of(1, 2, 3);
    const s = rowSoftmaxScratch(3);
    rowSoftmax(x, 0, 3, s, 0.5);
    const p = refSoftmax(Array.from(x), 0.5);
    for (let j = 0; j < 3; j++) expect(relError(s.p[j]!, p[j]!)).toBeLessThan(5e-16);
  });
});
