/**
 * The samplers' bridge to a backend's batch top-k (also tested through
 * test/sampling/sample-backend.test.ts and softmax-top-k.test.ts): the block size,
 * the decline paths, and each row's buffer against a sort of the row.
 */
import { describe, expect, it } from 'vitest';
import { jsBackend } from '../../src/kernels/backend.js';
import { wasmBackend } from '../../src/kernels/wasm/index.js';
import { blockRows, blockTopK } from '../../src/sampling/batch-top-k.js';
import { LogitRows } from '../../src/sampling/rows.js';

/** The k largest (value, index) of a row by a full sort: descending values, ties by the lower index. */
function sortedTopK(row: ArrayLike<number>, k: number): [number, number][] {
  return Array.from(row, (v, i) => [v, i] as [number, number])
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k);
}

describe('blockRows', () => {
  it('is ⌊2^23 / n⌋ rows, at least one', () => {
    expect(blockRows(1)).toBe(2 ** 23);
    expect(blockRows(128_256)).toBe(Math.floor(2 ** 23 / 128_256));
    expect(blockRows(2 ** 24)).toBe(1);
  });
});

describe('blockTopK', () => {
  const n = 300;
  const rows = 5;
  const x = new Float32Array(rows * n);
  for (let i = 0; i < x.length; i++) x[i] = Math.round(Math.sin(i * 12.9898) * 20) / 4; // many ties
  const logits = new LogitRows('test', x, [rows, n], -1);

  it('returns undefined where the backend has no batch top-k (the JS reference runs row by row)', () => {
    expect(blockTopK(jsBackend, logits, 8, true, 0, rows)).toBeUndefined();
  });
  it('gives each row its k largest entries, ties by the lower index, as a sort does', () => {
    const k = 8;
    const b = blockTopK(wasmBackend, logits, k, true, 1, 3);
    expect(b).toBeDefined();
    for (let r = 0; r < 3; r++) {
      const row = x.subarray((r + 1) * n, (r + 2) * n);
      const want = sortedTopK(row, k);
      expect(Array.from(b!.values.subarray(r * k, r * k + k))).toEqual(want.map((p) => p[0]));
      expect(Array.from(b!.indices.subarray(r * k, r * k + k))).toEqual(want.map((p) => p[1]));
      expect(b!.state[3 * r]).toBe(Math.max(...row));
      const sum = Array.from(row).reduce((s, v) => s + Math.exp(v - Math.max(...row)), 0);
      expect(b!.state[3 * r + 1]).toBeCloseTo(sum, 4);
      // the entries left out that tie the buffer's last value
      const last = want[k - 1]![0];
      const ties =
        Array.from(row).filter((v) => v === last).length - want.filter((p) => p[0] === last).length;
      expect(b!.state[3 * r + 2]).toBe(ties);
    }
  });
  it('reuses a batch that is big enough for the same k, else makes a new one', () => {
    const first = blockTopK(wasmBackend, logits, 4, false, 0, rows)!;
    expect(blockTopK(wasmBackend, logits, 4, false, 0, 2, first)).toBe(first);
    expect(blockTopK(wasmBackend, logits, 5, false, 0, 2, first)).not.toBe(first);
  });
});
