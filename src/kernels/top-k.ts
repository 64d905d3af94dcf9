/**
 * Fused top-k + online normalizer over one contiguous row (Milakov & Gimelshein
 * 2018, arXiv:1805.02867, §4 "softmax + top-k"): a single pass keeps
 * - the k largest entries in a small buffer sorted descending, ties by the lower
 *   index (an entry enters only if strictly greater than the buffer's last, and
 *   is placed after the equal ones already there), and
 * - the online normalizer of the finite entries: Σ e^(x_i − ref) = sum + comp
 *   (Neumaier-compensated), the reference lagging the running max by up to 64 so
 *   the sum is rescaled only when new terms dwarf it by e^64 (as the 'online'
 *   fold of online-state.ts, whose ONLINE_LAG it shares).
 * So softmax(x)_i of any buffered entry is e^(x_i − ref) / (sum + comp) without a
 * second read of the row, and the vocabulary is never sorted: the pass costs
 * O(n) plus O(k) per entry that beats the current k-th (few, on real logits).
 *
 * Non-finite entries: NaN is counted (`nan`) and never buffered; +∞ is counted
 * (`posInf`) and buffered; −∞ is buffered only while the buffer is not full and
 * adds nothing to the sum. The caller applies the project's non-finite policy
 * (js/row-policy.ts): NaN row → NaN, +∞ entries share probability 1, a fully
 * masked row → zeros.
 *
 * Error: the sum is within ~2 ulp of the exact Σ e^(x_i − ref) (each term
 * e^(x_i − ref) by expDiff, < 1 ulp), so a probability from it is within ~4 ulp.
 */
import { expDiff, sumError } from './js/exact.js';
import { ONLINE_LAG } from './online-state.js';

/** The result buffer and running state of {@link topKRow}; reuse one per thread. */
export interface TopKState {
  /** The k largest entries, descending (first `count` valid). */
  readonly values: Float64Array;
  /** Their indices within the row (ties: lower index first). */
  readonly indices: Int32Array;
  /** How many entries the buffer holds: min(k, non-NaN entries). */
  count: number;
  /** Reference point of the sum (finite, ≥ max − 64), −∞ when the row has no finite entry. */
  ref: number;
  /** Σ e^(x_i − ref) over finite entries = sum + comp. */
  sum: number;
  comp: number;
  /** Number of NaN and of +∞ entries in the row. */
  nan: number;
  posInf: number;
}

/** A state with room for k entries. */
export function newTopKState(k: number): TopKState {
  return {
    values: new Float64Array(k),
    indices: new Int32Array(k),
    count: 0,
    ref: Number.NEGATIVE_INFINITY,
    sum: 0,
    comp: 0,
    nan: 0,
    posInf: 0,
  };
}

/**
 * One pass over x[o .. o + n): the k largest entries (k ≤ state's capacity)
 * into `st.values`/`st.indices` (indices relative to o), and the online
 * normalizer of the row into `st.ref`, `st.sum + st.comp`. With
 * `normalize = false` the normalizer is skipped (ref −∞, sum 0): a selection
 * pass with no exp, for callers that only need the k largest (the samplers'
 * top-k cut); `nan` and `posInf` are counted either way.
 */
export function topKRow(
  x: ArrayLike<number>,
  o: number,
  n: number,
  k: number,
  st: TopKState,
  normalize = true,
): void {
  if (!normalize) {
    topKSelect(x, o, n, k, st);
    return;
  }
  const { values, indices } = st;
  let count = 0;
  let ref = Number.NEGATIVE_INFINITY;
  let lagLimit = Number.NEGATIVE_INFINITY;
  let nan = 0;
  let posInf = 0;
  // the compensated sum in locals (not st's fields) so the loop stays in registers
  let sum = 0;
  let comp = 0;
  let last = k === 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY; // values[k − 1] once full
  for (let i = 0; i < n; i++) {
    const v = x[o + i]!;
    if (Number.isNaN(v)) {
      nan++;
      continue;
    }
    if (count < k || v > last) {
      count = insert(values, indices, count, k, v, i);
      if (count === k) last = values[k - 1]!;
    }
    if (v === Number.POSITIVE_INFINITY) {
      posInf++;
      continue;
    }
    if (v === Number.NEGATIVE_INFINITY) continue;
    if (v > lagLimit) {
      if (ref !== Number.NEGATIVE_INFINITY) {
        const f = expDiff(ref, v);
        sum *= f;
        comp *= f;
      }
      ref = v;
      lagLimit = v + ONLINE_LAG;
    }
    const e = expDiff(v, ref);
    const t = sum + e;
    comp += sumError(sum, e, t);
    sum = t;
  }
  st.sum = sum;
  st.comp = comp;
  st.count = count;
  st.ref = ref;
  st.nan = nan;
  st.posInf = posInf;
}

/**
 * The selection half of {@link topKRow} alone: the k largest of x[o .. o + n)
 * into `st.values`/`st.indices` (same buffer rules: descending, ties by lower
 * index, NaN and +∞ counted in `st.nan`/`st.posInf`), without the normalizer
 * (ref −∞, sum 0) — for rows that are already probabilities (a router's scores)
 * or callers that need only the k largest (the samplers' top-k cut). One compare
 * per entry against the buffer's last value while the buffer is full, so the pass
 * costs little more than reading the row.
 */
export function topKSelect(
  x: ArrayLike<number>,
  o: number,
  n: number,
  k: number,
  st: TopKState,
): void {
  const { values, indices } = st;
  let count = 0;
  let nan = 0;
  let posInf = 0;
  let last = k === 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY; // values[k − 1] once full
  for (let i = 0; i < n; i++) {
    const v = x[o + i]!;
    if (v < last && count === k) continue; // the common case: below the buffer
    if (Number.isNaN(v)) {
      nan++;
      continue;
    }
    if (v === Number.POSITIVE_INFINITY) posInf++;
    if (count < k || v > last) {
      count = insert(values, indices, count, k, v, i);
      if (count === k) last = values[k - 1]!;
    }
  }
  st.count = count;
  st.ref = Number.NEGATIVE_INFINITY;
  st.sum = 0;
  st.comp = 0;
  st.nan = nan;
  st.posInf = posInf;
}

/** Place v (index i, not NaN) into the sorted buffer after its equals; returns the new count. */
function insert(
  values: Float64Array,
  indices: Int32Array,
  count: number,
  k: number,
  v: number,
  i: number,
): number {
  let j = count < k ? count++ : count - 1;
  while (j > 0 && values[j - 1]! < v) {
    values[j] = values[j - 1]!;
    indices[j] = indices[j - 1]!;
    j--;
  }
  values[j] = v;
  indices[j] = i;
  return count;
}

/**
 * The top-k of many rows from one backend call (the wasm backend's
 * assembly/top-k.ts): per row the same buffer as {@link topKRow} / {@link topKSelect}
 * (values bit for bit, ties by the lower index), its normalizer against the row's max
 * (Float32 rows: f32 exponentials within 1.05 ulp summed in double, ≤ 2^−24 relative;
 * Float64: ≤ 1e−15 relative), and `ties`.
 */
export interface TopKBatch {
  /** Entries per row (the buffer's capacity k). */
  readonly k: number;
  /** [rows, k]: each row's k largest entries, descending, ties by the lower index. */
  readonly values: Float64Array;
  readonly indices: Int32Array;
  /**
   * [rows, 3]: the row's max; Σ e^(x − max) when normalizing (else 0); the entries left
   * out of the buffer that equal its last value (0: every entry ≥ the k-th is buffered).
   */
  readonly state: Float64Array;
  /** 1: the row was not computed (it holds NaN or +∞; normalizing, or is fully −∞): use {@link topKRow}. */
  readonly flags: Uint8Array;
}

/** A batch result with room for `rows` rows of k entries. */
export function newTopKBatch(rows: number, k: number): TopKBatch {
  return {
    k,
    values: new Float64Array(rows * k),
    indices: new Int32Array(rows * k),
    state: new Float64Array(rows * 3),
    flags: new Uint8Array(rows),
  };
}

/**
 * A backend's batch top-k (optional, see Backend.topKRows): rows r < `rows` of n
 * entries at x[first + r·stride …], the k largest of each (1 ≤ k ≤ n) into `out`
 * (its rows from 0), normalized when `normalize`. False, having done nothing: not taken.
 * `ready(r0, t)`, when given, is called as soon as rows [r0, r0 + t) of `out` are final
 * (with a worker pool, while the workers select the next rows); it must not throw nor
 * call the backend.
 */
export type TopKRowsKernel = (...args: TopKRowsArgs) => boolean;

/** The arguments of a {@link TopKRowsKernel}. */
export type TopKRowsArgs = [
  x: Float32Array | Float64Array,
  first: number,
  stride: number,
  rows: number,
  n: number,
  k: number,
  normalize: boolean,
  out: TopKBatch,
  ready?: (r0: number, t: number) => void,
];

/** Row r of a computed (unflagged) batch into `st`, as {@link topKRow} would leave it (ref = the max). */
export function batchRowInto(b: TopKBatch, r: number, st: TopKState): void {
  const { k } = b;
  st.values.set(b.values.subarray(r * k, (r + 1) * k));
  st.indices.set(b.indices.subarray(r * k, (r + 1) * k));
  st.count = k;
  st.ref = b.state[3 * r]!;
  st.sum = b.state[3 * r + 1]!;
  st.comp = 0;
  st.nan = 0;
  st.posInf = 0;
}
