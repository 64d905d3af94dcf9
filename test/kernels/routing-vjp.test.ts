import { describe, expect, it } from 'vitest';
import {
  normalizedSigmoidVjpRows,
  scoresVjpRows,
  weightsVjpRows,
} from '../../src/kernels/routing-vjp.js';
import { fdVjp, gradError } from '../helpers/finite-difference.js';

describe('routing VJP kernels', () => {
  it('weightsVjpRows: renormalization against central differences; S = 0 gives 0', () => {
    const p = new Float64Array([0.3, 0.2, 0.1]);
    const dw = [1, -2, 0.5];
    const out = new Float64Array(3);
    weightsVjpRows(p, dw, undefined, 1, 3, true, 2, out);
    const fd = fdVjp((q) => Array.from(q, (v) => (2 * v) / (q[0]! + q[1]! + q[2]!)), p, dw);
    expect(gradError(out, fd)).toBeLessThan(1e-9);
    weightsVjpRows(new Float64Array(3), dw, undefined, 1, 3, true, 1, out);
    expect(Array.from(out)).toEqual([0, 0, 0]);
  });
  it('scoresVjpRows: a +∞ row gets 0; index −1 slots ignored', () => {
    const dx = new Float64Array(2);
    scoresVjpRows(
      [Infinity, 0],
      [1, 0],
      new Int32Array([0, -1]),
      new Float64Array([1, 5]),
      1,
      2,
      2,
      false,
      dx,
    );
    expect(Array.from(dx)).toEqual([0, 0]);
  });
  it('normalizedSigmoidVjpRows against central differences', () => {
    const x = new Float64Array([0.2, -1, 1.5]);
    const sg = (z: Float64Array) => Array.from(z, (v) => 1 / (1 + Math.exp(-v)));
    const g = new Float64Array([1, 0.5, -2]);
    const dx = new Float64Array(3);
    normalizedSigmoidVjpRows(sg(x), g, 1, 3, 0.7, dx);
    const fd = fdVjp(
      (z) => {
        const s = sg(z);
        const S = s[0]! + s[1]! + s[2]!;
        return s.map((v) => v / S);
      },
      x,
      Array.from(g, (v) => 0.7 * v),
    );
    expect(gradError(dx, fd)).toBeLessThan(1e-9);
  });
});
