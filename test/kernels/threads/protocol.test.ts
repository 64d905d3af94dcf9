import { describe, expect, it } from 'vitest';
import {
  countArg,
  JOB_HEADER,
  JOB_LENGTH,
  KERNELS,
  NODE_WORKER,
  SLOT,
  SLOTS,
  share,
  WEB_WORKER,
} from '../../../src/kernels/threads/protocol.js';

/** A job over `rows` rows: arguments (base + r0·stride), count entry at `at`, marks at `marks` (−1: none). */
function job(
  base: number[],
  stride: number[],
  at: number,
  unit: number,
  total: number,
  per: number,
  rows: number,
  marks = -1,
) {
  const j = new Float64Array(JOB_LENGTH);
  j.set([base.length, at, unit, total, per, rows, marks]);
  j.set(base, JOB_HEADER);
  j.set(stride, JOB_HEADER + base.length);
  return j;
}

describe('the worker protocol', () => {
  it('share claims every chunk once: arguments affine in the first row, the count entry clipped', () => {
    for (const [rows, per, unit, total] of [
      [10, 3, 1, 10], // rows: the last chunk has 1 row
      [7, 2, 1024, 6500], // key chunks: 7 chunks of 1024 keys, the last one short
    ] as const) {
      const ctrl = new Int32Array(new SharedArrayBuffer(8));
      const seen: number[][] = [];
      const fn = (...a: number[]) => {
        seen.push(a);
        return 1;
      };
      const calls = share(
        fn,
        job([100, 7, 0], [10, 0, 0], 2, unit, total, per, rows),
        ctrl,
        1,
        JOB_HEADER,
      );
      expect(calls).toBe(Math.ceil(rows / per));
      let covered = 0;
      for (const [i, a] of seen.entries()) {
        const r0 = i * per;
        expect(a[0]).toBe(100 + 10 * r0);
        expect(a[1]).toBe(7);
        const t = Math.min(per, rows - r0);
        expect(a[2]).toBe(Math.min(t * unit, total - r0 * unit));
        covered += a[2]!;
      }
      expect(covered).toBe(total);
      expect(share(fn, job([0], [0], 0, 1, rows, per, rows), ctrl, 1, JOB_HEADER)).toBe(0); // none left
    }
  });

  it('with marks, each chunk is marked done (1) as it finishes, and only its own mark', () => {
    const ctrl = new Int32Array(new SharedArrayBuffer(4 * 8)); // next at 1, marks at 2 …
    const order: number[] = [];
    const fn = (r0: number) => {
      order.push(Array.from(ctrl.subarray(2, 6)).filter((m) => m === 1).length);
      return r0;
    };
    expect(share(fn, job([0], [1], 1, 1, 10, 3, 10, 2), ctrl, 1, JOB_HEADER)).toBe(0 + 3 + 6 + 9);
    expect(order).toEqual([0, 1, 2, 3]); // chunk c runs with the c chunks before it marked
    expect(Array.from(ctrl.subarray(2))).toEqual([1, 1, 1, 1, 0, 0]);
  });

  it('one layout: distinct slots within SLOTS, each kernel with its count argument, the worker built from share', () => {
    const offsets = Object.values(SLOT);
    expect(new Set(offsets).size).toBe(offsets.length);
    for (const o of offsets) expect(o).toBeLessThan(SLOTS);
    expect(new Set(KERNELS).size).toBe(KERNELS.length);
    // Argument 0 is always an address (the rows' data), so the count is a later argument.
    for (const k of KERNELS) expect(countArg(k)).toBeGreaterThanOrEqual(1);
    for (const source of [NODE_WORKER, WEB_WORKER]) {
      expect(source).toContain(share.toString());
      expect(source).not.toMatch(/base \+ \d/); // slot offsets come from the data sent
    }
  });
});
