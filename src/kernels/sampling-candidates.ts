/**
 * The candidate list of one logit row: the tokens still in play, in index order,
 * with their (possibly penalized, tempered) logits. Every sampling filter and the
 * draw work on it, so after a top-k cut the rest of the chain touches k entries,
 * not the vocabulary. A removed token leaves the list; −∞ entries never enter.
 *
 * Probabilities are softmax over the list: w_j = e^(x_j − max) (so the top
 * weight is exactly 1), Z = Σ w_j in index order, p_j = w_j / Z.
 */

/** Candidates of one row (capacity ≥ the row length); reuse one per call. */
export interface Candidates {
  /** Token indices, ascending (first `m` valid). */
  readonly idx: Int32Array;
  /** Their logits (exact copies of the input's values until a step changes them). */
  readonly val: Float64Array;
  /** Per-candidate scratch aligned with idx (weights, probabilities, typicality). */
  readonly aux: Float64Array;
  /** Selection scratch (permuted freely). */
  readonly sk: Float64Array;
  readonly sw: Float64Array;
  m: number;
}

/** Candidates with room for n tokens. */
export function newCandidates(n: number): Candidates {
  return {
    idx: new Int32Array(n),
    val: new Float64Array(n),
    aux: new Float64Array(n),
    sk: new Float64Array(n),
    sw: new Float64Array(n),
    m: 0,
  };
}

/** `c` when it holds n tokens, else a bigger one. */
export function candidatesFor(c: Candidates | undefined, n: number): Candidates {
  return c !== undefined && c.idx.length >= n ? c : newCandidates(Math.max(n, 1));
}

/**
 * Gather the entries > −∞ of x[o .. o + n) (restricted to `allowed[a + i] ≠ 0`
 * when a mask is given) into c, in index order. Returns the index of the first
 * NaN, or −2 − (index of the first +∞), or −1 when the row is clean.
 */
export function gatherRow(
  c: Candidates,
  x: ArrayLike<number>,
  o: number,
  n: number,
  allowed?: ArrayLike<number | boolean>,
  a = 0,
): number {
  const { idx, val } = c;
  let m = 0;
  let bad = -1;
  for (let i = 0; i < n; i++) {
    const v = x[o + i]!;
    if (v > Number.NEGATIVE_INFINITY) {
      if (v === Number.POSITIVE_INFINITY) {
        if (bad === -1) bad = -2 - i;
      } else if (allowed === undefined || allowed[a + i]) {
        idx[m] = i;
        val[m++] = v;
      }
    } else if (v !== Number.NEGATIVE_INFINITY) return i; // NaN
  }
  c.m = m;
  return bad;
}

/**
 * Gather the entries ≥ t of x[o .. o + n) into c, in index order, leaving out
 * the tokens in `skip` (the caller adds them with their own values). One compare
 * per entry: the top-k collect pass.
 */
export function gatherAtLeast(
  c: Candidates,
  x: ArrayLike<number>,
  o: number,
  n: number,
  t: number,
  skip?: ReadonlyMap<number, number>,
): void {
  const { idx, val } = c;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = x[o + i]!;
    if (v >= t && (skip === undefined || !skip.has(i))) {
      idx[m] = i;
      val[m++] = v;
    }
  }
  c.m = m;
}

/** Keep the candidates with lo ≤ key[j] ≤ hi (key aligned with idx), preserving order. */
export function keepWhere(c: Candidates, key: Float64Array, lo: number, hi: number): void {
  const { idx, val, aux } = c;
  let w = 0;
  for (let j = 0; j < c.m; j++) {
    const k = key[j]!;
    if (k >= lo && k <= hi) {
      idx[w] = idx[j]!;
      val[w] = val[j]!;
      aux[w] = aux[j]!;
      if (key !== aux && key !== val) key[w] = k;
      w++;
    }
  }
  c.m = w;
}

/** Position of the first maximum of val (the lowest token index among ties). */
export function firstMax(c: Candidates): number {
  let best = 0;
  for (let j = 1; j < c.m; j++) if (c.val[j]! > c.val[best]!) best = j;
  return best;
}

/** aux[j] = w_j = e^(val_j − max); returns Z = Σ w_j (index order). */
export function weights(c: Candidates): number {
  const { val, aux, m } = c;
  const mx = val[firstMax(c)]!;
  let z = 0;
  for (let j = 0; j < m; j++) {
    const w = Math.exp(val[j]! - mx);
    aux[j] = w;
    z += w;
  }
  return z;
}

/** aux[j] = p_j = w_j / Z; returns Z. */
export function probabilities(c: Candidates): number {
  const z = weights(c);
  for (let j = 0; j < c.m; j++) c.aux[j] = c.aux[j]! / z;
  return z;
}

/**
 * Inverse-CDF draw on the candidates: the first j (in index order) whose
 * cumulative weight exceeds u·Z, u ∈ (0, 1), with aux holding the weights
 * w_j = e^(val_j − max) and z = Σ w_j (as {@link weights} leaves them).
 */
export function drawWeighted(c: Candidates, z: number, u: number): number {
  const target = u * z;
  let cum = 0;
  let last = 0;
  for (let j = 0; j < c.m; j++) {
    const w = c.aux[j]!;
    if (w > 0) last = j;
    cum += w;
    if (cum > target) return j;
  }
  return last; // u·Z rounded up to Z: the last token with weight
}

/** {@link drawWeighted} after computing the weights. */
export function drawPosition(c: Candidates, u: number): number {
  return drawWeighted(c, weights(c), u);
}

/**
 * The candidates ≥ t from a descending top-k buffer (values/indices from `at`, `count`
 * entries), leaving out the tokens in `skip`, put in index order: the top-k collect
 * step when the buffer is known to hold every entry ≥ t (no pass over the row).
 */
export function gatherFromBuffer(
  c: Candidates,
  values: Float64Array,
  indices: Int32Array,
  at: number,
  count: number,
  t: number,
  skip?: ReadonlyMap<number, number>,
): void {
  c.m = 0;
  for (let j = at; j < at + count && values[j]! >= t; j++) {
    const i = indices[j]!;
    if (!skip?.has(i)) insertByIndex(c, i, values[j]!); // the buffer is by value, the list by token
  }
}

/** Insert token `tok` with logit v into the list, keeping index order (a few tokens: insertion). */
export function insertByIndex(c: Candidates, tok: number, v: number): void {
  const { idx, val } = c;
  let j = c.m++;
  while (j > 0 && idx[j - 1]! > tok) {
    idx[j] = idx[j - 1]!;
    val[j] = val[j - 1]!;
    j--;
  }
  idx[j] = tok;
  val[j] = v;
}
