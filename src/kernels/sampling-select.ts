/**
 * Weighted selection: the threshold of a cumulative cut without sorting.
 *
 * Given keys k_j with weights w_j ≥ 0 (j < m) and a target mass T, find
 *   v* = min { v ∈ keys : Σ_{k_j ≤ v} w_j ≥ T }     (the largest key when the total < T).
 * This is the cut that a sort + cumulative sum finds — the nucleus (keys −p,
 * weights p, T = p_top), the typical set (keys |−ln p − H|, weights p), the k-th
 * largest (keys −x, weights 1, T = k) — found by quickselect (Hoare 1961) with
 * masses: a three-way partition of the live segment around a median-of-three
 * pivot sums the weights below and equal to the pivot, and only the side that
 * holds the cut is kept. Expected O(m), never a full sort; ties form one group,
 * so the cut never splits equal keys (ties are kept together, as in HF's warpers
 * where the cut is by value).
 *
 * Rounding: the masses are summed in partition order, not in sorted order, so a
 * cut that falls within a few ulp of T may differ from a sort-based cumulative
 * sum; everywhere else the result is the same key (tested against a sort on
 * random rows in test/kernels/sampling-select.test.ts).
 */

/**
 * v* as above over keys[0..m), weights[0..m) (both permuted in place: pass
 * scratch copies). Requires m ≥ 1 and finite keys.
 */
export function weightedSelect(
  keys: Float64Array,
  weights: Float64Array,
  m: number,
  target: number,
): number {
  let lo = 0;
  let hi = m;
  let below = 0; // mass of the keys left of [lo, hi): all smaller than any key in it
  for (;;) {
    const pivot = median3(keys[lo]!, keys[(lo + hi) >>> 1]!, keys[hi - 1]!);
    let lt = lo;
    let i = lo;
    let gt = hi;
    let massLess = 0;
    let massEq = 0;
    while (i < gt) {
      const k = keys[i]!;
      if (k < pivot) {
        swap(keys, weights, lt, i);
        massLess += weights[lt]!;
        lt++;
        i++;
      } else if (k > pivot) {
        gt--;
        swap(keys, weights, i, gt);
      } else {
        massEq += weights[i]!;
        i++;
      }
    }
    if (lt > lo && below + massLess >= target) {
      hi = lt;
      continue;
    }
    if (gt === hi || below + massLess + massEq >= target) return pivot;
    below += massLess + massEq;
    lo = gt;
  }
}

/**
 * The k-th largest (`order` −1) or k-th smallest (`order` 1) of x[0..m)
 * (1 ≤ k ≤ m), ties counted: the k-th smallest of order·x, times order (exact:
 * multiplying by ±1 only sets the sign). Scratch `keys`, `ones` (length ≥ m).
 */
export function kthValue(
  x: ArrayLike<number>,
  m: number,
  k: number,
  keys: Float64Array,
  ones: Float64Array,
  order: 1 | -1,
): number {
  for (let j = 0; j < m; j++) {
    keys[j] = order * x[j]!;
    ones[j] = 1;
  }
  return order * weightedSelect(keys, ones, m, k);
}

function median3(a: number, b: number, c: number): number {
  if (a < b) return b < c ? b : a < c ? c : a;
  return a < c ? a : b < c ? c : b;
}

function swap(keys: Float64Array, weights: Float64Array, i: number, j: number): void {
  const k = keys[i]!;
  keys[i] = keys[j]!;
  keys[j] = k;
  const w = weights[i]!;
  weights[i] = weights[j]!;
  weights[j] = w;
}
