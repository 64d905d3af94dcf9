/**
 * A long row's fused top-k + normalizer from its parts: the batch kernel
 * (wasm/assembly/top-k.ts) may cut a row into P parts of `part` entries so that the
 * workers share one row; each part leaves its k largest (descending, ties by the lower
 * index), its max m_p, its Σ_p = Σ e^(x − m_p) and its ties. The row's result is
 *
 * - the buffer: a P-way merge of the parts' buffers, taking the lower part at equal
 *   values (its indices are lower), so it is the whole row's buffer bit for bit;
 * - m = max_p m_p and Σ = Σ_p Σ_p·e^(m_p − m), the parts in order (e^(m_p − m) on the
 *   exact difference, expDiff: ≤ 1 ulp of double), so the sum keeps the parts' relative
 *   error (2^−24 for Float32 rows) plus ~2^−52 per part;
 * - the ties left out at the row's k-th value v: every part's last value is ≤ v (a part
 *   whose k entries all beat v would put k + 1 entries at or above the k-th), so they are
 *   the ties of the parts whose last value is v plus the parts' untaken entries equal to v.
 *
 * The cut depends on n and k only, never on the thread count: the result is the same
 * bit for bit on any number of threads.
 *
 * @example
 * // not called directly: the wasm backend's topKRows merges a cut row's parts with it
 */
import { expDiff } from './js/exact.js';
import type { TopKBatch } from './top-k.js';

/** Rows of a normalizing call longer than this are cut into parts (≈ 128 KiB of Float32: L2-resident). */
const PART = 1 << 15;

/**
 * Entries per part for rows of n (k largest each, normalized or not): n (one part) for
 * a row of at most PART entries, a selection pass alone (cheap, nothing to share) or a
 * last part shorter than k; else ⌈n / P⌉ with P = ⌈n / PART⌉.
 */
export function partLength(n: number, k: number, normalize: boolean): number {
  if (!normalize || n <= PART) return n;
  const parts = Math.ceil(n / PART);
  const part = Math.ceil(n / parts);
  return n - (parts - 1) * part >= k ? part : n;
}

/** Each part's next buffer entry during a merge, reused across rows and calls. */
let heads = new Int32Array(16);

/**
 * Row r of `out` from the `parts` units of `src` starting at unit u (part p at unit
 * u + p, its indices within the part of `part` entries). A part flagged (NaN, +∞) flags
 * the row; so does a row whose parts are all −∞ when normalizing.
 */
export function mergeTopKParts(
  src: TopKBatch,
  u: number,
  parts: number,
  part: number,
  normalize: boolean,
  out: TopKBatch,
  r: number,
): void {
  const { k } = out;
  const { values, indices, state, flags } = src;
  let m = Number.NEGATIVE_INFINITY;
  for (let p = u; p < u + parts; p++) {
    if (flags[p]) {
      out.flags[r] = 1;
      return;
    }
    m = Math.max(m, state[3 * p]!);
  }
  if (normalize && !(m > Number.NEGATIVE_INFINITY)) {
    out.flags[r] = 1;
    return;
  }
  let sum = 0;
  for (let p = u; p < u + parts; p++) {
    const mp = state[3 * p]!;
    if (mp > Number.NEGATIVE_INFINITY) sum += state[3 * p + 1]! * expDiff(mp, m);
  }
  if (heads.length < parts) heads = new Int32Array(parts);
  const head = heads.fill(0, 0, parts); // next entry of each part's buffer
  const o = r * k;
  for (let j = 0; j < k; j++) {
    let best = 0;
    let bv = Number.NaN;
    for (let p = 0; p < parts; p++) {
      if (head[p]! === k) continue;
      const v = values[(u + p) * k + head[p]!]!;
      if (!(v <= bv)) {
        best = p;
        bv = v;
      }
    }
    out.values[o + j] = bv;
    out.indices[o + j] = indices[(u + best) * k + head[best]!]! + best * part;
    head[best]!++;
  }
  const v = out.values[o + k - 1]!;
  let ties = 0;
  for (let p = 0; p < parts; p++) {
    const at = (u + p) * k;
    if (values[at + k - 1] === v) ties += state[3 * (u + p) + 2]!;
    for (let j = head[p]!; j < k; j++) if (values[at + j] === v) ties++;
  }
  out.state[3 * r] = m;
  out.state[3 * r + 1] = sum;
  out.state[3 * r + 2] = ties;
  out.flags[r] = 0;
}
