/**
 * The history penalties, logit bias, n-gram ban and DRY on a RowEdit, against
 * brute-force versions written from their definitions (DRY's repeat lengths by
 * direct suffix comparison, not the Z-algorithm).
 */
import { describe, expect, it } from 'vitest';
import {
  applyBias,
  applyDry,
  applyNgramBan,
  applyPenalties,
  lastTokens,
  type RowEdit,
} from '../../src/sampling/penalty-math.js';

function edit(row: number[]): RowEdit & { row: number[] } {
  return {
    row,
    get: (t) => row[t]!,
    set: (t, v) => {
      row[t] = v;
    },
  };
}

describe('lastTokens', () => {
  it('keeps the last `window` tokens, all of them without a window', () => {
    const h = Int32Array.of(1, 2, 3, 4);
    expect(Array.from(lastTokens(h, 2))).toEqual([3, 4]);
    expect(lastTokens(h, undefined)).toBe(h);
    expect(lastTokens(h, 9)).toBe(h);
  });
});

describe('applyPenalties and applyBias', () => {
  it('repetition divides positive and multiplies negative logits, then frequency·count + presence', () => {
    const e = edit([2, -1, 0.5, -Infinity]);
    applyPenalties(e, Int32Array.of(0, 1, 0, 3), {
      repetition: 2,
      frequency: 0.25,
      presence: 0.5,
      window: undefined,
    });
    expect(e.row).toEqual([2 / 2 - 2 * 0.25 - 0.5, -1 * 2 - 0.25 - 0.5, 0.5, -Infinity]);
  });
  it('counts the history again when it changes (in place, or another of the same length)', () => {
    const p = { repetition: 1, frequency: 1, presence: 0, window: undefined };
    const h = Int32Array.of(0, 0, 1);
    const run = (hist: Int32Array) => {
      const e = edit([0, 0, 0]);
      applyPenalties(e, hist, p);
      return e.row;
    };
    expect(run(h)).toEqual([-2, -1, 0]);
    expect(run(h)).toEqual([-2, -1, 0]); // counted once, reused
    h[1] = 2; // the same array, edited in place
    expect(run(h)).toEqual([-1, -1, -1]);
    expect(run(Int32Array.of(2, 2, 2))).toEqual([0, 0, -3]);
    expect(run(Int32Array.of(1))).toEqual([0, -1, 0]);
  });
  it('only the window counts; the neutral setting touches nothing', () => {
    const e = edit([1, 1, 1]);
    applyPenalties(e, Int32Array.of(0, 0, 2), {
      repetition: 1,
      frequency: 1,
      presence: 0,
      window: 1,
    });
    expect(e.row).toEqual([1, 1, 0]);
    applyPenalties(e, Int32Array.of(0), {
      repetition: 1,
      frequency: 0,
      presence: 0,
      window: undefined,
    });
    expect(e.row).toEqual([1, 1, 0]);
  });
  it('bias adds per token, −∞ bans', () => {
    const e = edit([1, 2, 3]);
    applyBias(e, { tokens: Int32Array.of(2, 0), values: Float64Array.of(-Infinity, 0.5) });
    expect(e.row).toEqual([1.5, 2, -Infinity]);
  });
});

describe('applyNgramBan', () => {
  /** Brute force: every earlier n-gram whose first n − 1 tokens end the history bans its last. */
  function banned(h: number[], n: number): Set<number> {
    const out = new Set<number>();
    const tail = h.slice(h.length - (n - 1));
    for (let i = 0; i + n - 1 < h.length; i++)
      if (h.slice(i, i + n - 1).every((t, j) => t === tail[j])) out.add(h[i + n - 1]!);
    return out;
  }
  it('bans exactly the completions of repeated n-grams', () => {
    const h = [1, 2, 3, 1, 2, 4, 1, 2];
    for (const n of [2, 3, 4]) {
      const e = edit(new Array(6).fill(0));
      applyNgramBan(e, Int32Array.from(h), n);
      const want = banned(h, n);
      expect(e.row.map((v) => v === -Infinity)).toEqual(e.row.map((_, t) => want.has(t)));
    }
    const e = edit([0, 0]);
    applyNgramBan(e, Int32Array.of(1), 3); // history shorter than n − 1: nothing
    expect(e.row).toEqual([0, 0]);
  });
});

describe('applyDry', () => {
  /** DRY from its definition: L(j) by comparing suffixes directly, capped at the last breaker. */
  function dry(row: number[], h: number[], m: number, base: number, allowed: number, br: number[]) {
    const out = row.slice();
    const len = h.length;
    let limit = len;
    for (let i = 0; i < len; i++)
      if (br.includes(h[len - 1 - i]!)) {
        limit = i;
        break;
      }
    const best = new Map<number, number>();
    for (let j = 0; j < len - 1; j++) {
      let L = 0;
      while (L <= j && h[j - L] === h[len - 1 - L]) L++;
      L = Math.min(L, limit);
      if (L >= allowed) best.set(h[j + 1]!, Math.max(best.get(h[j + 1]!) ?? 0, L));
    }
    for (const [t, L] of best) if (!br.includes(t)) out[t] = out[t]! - m * base ** (L - allowed);
    return out;
  }
  it('penalizes the token that would extend the longest repeat, stopping at breakers', () => {
    const cases: [number[], number[]][] = [
      [[1, 2, 3, 4, 1, 2, 3], []],
      [[5, 1, 2, 5, 1, 2, 3, 1, 2], []],
      [[1, 2, 3, 0, 1, 2, 3], [0]],
      [[2, 2, 2, 2, 2], []],
    ];
    for (const [h, breakers] of cases) {
      const row = [0.5, 1, 2, -1, 0, 3];
      const e = edit(row.slice());
      applyDry(e, Int32Array.from(h), {
        multiplier: 0.8,
        base: 1.75,
        allowedLength: 2,
        sequenceBreakers: Int32Array.from(breakers),
        window: undefined,
      });
      const want = dry(row, h, 0.8, 1.75, 2, breakers);
      for (let t = 0; t < row.length; t++) expect(e.row[t]).toBeCloseTo(want[t]!, 14);
    }
  });
  it('is off with multiplier 0 and caps the exponent as llama.cpp (a float32 penalty)', () => {
    const e = edit([0, 0]);
    const params = {
      base: 2,
      allowedLength: 1,
      sequenceBreakers: new Int32Array(0),
      window: undefined,
    };
    applyDry(e, Int32Array.of(1, 1, 1), { ...params, multiplier: 0 });
    expect(e.row).toEqual([0, 0]);
    const long = edit([0, 0]);
    applyDry(long, new Int32Array(300).fill(1), { ...params, multiplier: 1 });
    expect(long.row[1]).toBe(-(2 ** Math.floor(88.7228391 / Math.LN2)));
  });
});
