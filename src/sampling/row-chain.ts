/**
 * Where the sampling chain of one row stands (./chain.ts runs the steps): the row,
 * read in place, with the token edits of the steps before the first truncation kept
 * as overrides beside it; then the candidate list. Its top-k step takes the list
 * straight from the row — from a backend's batch top-k (the wasm SIMD kernel) when
 * there is one, else from the JavaScript selection pass — see {@link RowChain.topKFromRow}.
 */
import type { Backend } from '../kernels/backend.js';
import {
  type Candidates,
  gatherAtLeast,
  gatherFromBuffer,
  gatherRow,
  insertByIndex,
  keepWhere,
} from '../kernels/sampling-candidates.js';
import { kthValue } from '../kernels/sampling-select.js';
import { newTopKBatch, type TopKBatch, type TopKState, topKRow } from '../kernels/top-k.js';
import { SoftmaxKitError } from '../tensor/errors.js';
import { positiveInfinity } from './filter-rows.js';
import type { RowEdit } from './penalty-math.js';

/** Where the chain of one row stands; also the {@link RowEdit} the penalty steps write through. */
export class RowChain implements RowEdit {
  /** The row: a[o .. o + n). */
  a: ArrayLike<number> = [];
  o = 0;
  n = 0;
  row = 0;
  rows = 1;
  /** Whether the row has become the candidate list. */
  listed = false;
  /** Temperature 0 was applied: take the first maximum instead of drawing. */
  greedy = false;
  readonly overrides = new Map<number, number>();
  /** The backend whose batch top-k (if any) the top-k step uses. */
  backend: Backend | undefined;
  /** The raw row's top-k buffer computed ahead (a block of rows), and this row's place in it. */
  batch: TopKBatch | undefined;
  batchRow = 0;
  /** The one-row batch of an on-demand backend call. */
  private one: TopKBatch | undefined;

  constructor(
    readonly fn: string,
    readonly c: Candidates,
    readonly st: TopKState,
  ) {}

  get(t: number): number {
    if (!this.listed)
      return this.overrides.size === 0
        ? this.a[this.o + t]!
        : (this.overrides.get(t) ?? this.a[this.o + t]!);
    const j = this.find(t);
    return j < 0 ? Number.NEGATIVE_INFINITY : this.c.val[j]!;
  }

  set(t: number, v: number): void {
    if (!this.listed) this.overrides.set(t, v);
    else {
      const j = this.find(t);
      if (j >= 0) this.c.val[j] = v;
    }
  }

  /** Position of token t in the (index-ordered) list, or −1. */
  private find(t: number): number {
    const { idx, m } = this.c;
    let lo = 0;
    let hi = m;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (idx[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo < m && idx[lo] === t ? lo : -1;
  }

  /** Turn the row (masked, with its overrides) into the candidate list. */
  list(allowed: ArrayLike<number | boolean> | undefined, maskAt: number): void {
    if (this.listed) return;
    const bad = gatherRow(this.c, this.a, this.o, this.n, allowed, maskAt);
    this.check(bad);
    this.listed = true;
    if (this.overrides.size > 0) {
      for (const [t, v] of this.overrides) this.set(t, v);
      this.dropRemoved();
    }
  }

  /** Remove candidates whose logit became −∞. */
  dropRemoved(): void {
    keepWhere(this.c, this.c.val, -Number.MAX_VALUE, Number.POSITIVE_INFINITY);
  }

  private check(bad: number): void {
    if (bad >= 0)
      throw new SoftmaxKitError(
        'INVALID_INPUT',
        `${this.fn}: expected row ${this.row} to hold no NaN, got NaN at index ${bad}`,
      );
    if (bad < -1) throw positiveInfinity(this.fn, this.row, -2 - bad);
  }

  /**
   * Top-k straight from the row: the k + h largest raw entries (h = overridden
   * tokens) hold the k largest of the edited row, so one selection pass finds
   * the k-th value t, and one compare pass collects every entry ≥ t (ties
   * kept) in index order — or none, when a backend's buffer is known to hold them
   * all. False when the fast path does not apply.
   */
  topKFromRow(k: number): boolean {
    const h = this.overrides.size;
    const kk = k + h;
    if (kk >= this.n) return false;
    const b = this.backendTopK(k, h);
    if (b === undefined && this.st.values.length < kk) return false;
    const { a, o, n, st, c, overrides } = this;
    if (b === undefined) {
      topKRow(a, o, n, kk, st, false);
      if (st.nan > 0 || st.posInf > 0) return false; // the general path names the index
    }
    const values = b?.batch.values ?? st.values;
    const indices = b?.batch.indices ?? st.indices;
    const K = b?.batch.k ?? kk;
    const at = b === undefined ? 0 : b.row * K;
    let m = 0;
    for (let j = at; j < at + K; j++) {
      const v = values[j]!;
      if (v > Number.NEGATIVE_INFINITY && !overrides.has(indices[j]!)) c.aux[m++] = v;
    }
    // ≥ k unedited entries are ≥ the buffer's last: an edited value below it is below the k-th
    const last = values[at + K - 1]!;
    let sorted = true; // the buffer's entries alone: aux is descending
    for (const v of overrides.values())
      if (v > Number.NEGATIVE_INFINITY && v >= last) {
        c.aux[m++] = v;
        sorted = false;
      }
    if (m < k) return false;
    const t = sorted ? c.aux[k - 1]! : kthValue(c.aux, m, k, c.sk, c.sw, -1);
    const skip = h > 0 ? overrides : undefined;
    // every entry ≥ t is buffered when t beats the buffer's last or nothing left out ties it
    if (b !== undefined && (t > values[at + K - 1]! || b.batch.state[3 * b.row + 2] === 0))
      gatherFromBuffer(c, values, indices, at, K, t, skip);
    else gatherAtLeast(c, a, o, n, t, skip);
    this.listed = true;
    if (h > 0) this.mergeOverrides(t);
    return true;
  }

  /**
   * A buffer of the raw row's largest entries holding at least k that no edit changed
   * (entries outside it are ≤ its last and unedited, so the k-th of the edited row is
   * among its unedited entries and the edited values): the block's batch when it holds
   * k + h per row, or k + (the edited tokens it holds); else one backend call on this
   * row for k + h. Undefined when there is no such kernel, the row is not a float
   * array, or the kernel flagged it (NaN or +∞).
   */
  private backendTopK(k: number, h: number): { batch: TopKBatch; row: number } | undefined {
    const { batch, batchRow } = this;
    if (batch !== undefined && batch.k >= k) {
      if (batch.flags[batchRow]) return undefined;
      if (batch.k >= k + h || this.unedited(batch, batchRow) >= k) return { batch, row: batchRow };
    }
    const kk = k + h;
    const run = this.backend?.topKRows;
    const a = this.a;
    if (run === undefined || !(a instanceof Float32Array || a instanceof Float64Array))
      return undefined;
    if (this.one === undefined || this.one.k !== kk) this.one = newTopKBatch(1, kk);
    if (!run(a, this.o, this.n, 1, this.n, kk, false, this.one) || this.one.flags[0])
      return undefined;
    return { batch: this.one, row: 0 };
  }

  /** How many of row r's buffered tokens no edit changed. */
  private unedited(b: TopKBatch, r: number): number {
    let m = 0;
    for (let j = r * b.k; j < (r + 1) * b.k; j++) if (!this.overrides.has(b.indices[j]!)) m++;
    return m;
  }

  /** Insert the overridden tokens whose value is ≥ t, keeping index order. */
  private mergeOverrides(t: number): void {
    for (const [tok, v] of this.overrides) if (v >= t) insertByIndex(this.c, tok, v);
  }
}
