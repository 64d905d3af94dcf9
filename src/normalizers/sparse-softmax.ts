/**
 * sparseSoftmax(x; k)_i = e^(x_i) / Σ_{j∈K} e^(x_j) for i ∈ K, 0 elsewhere, where
 * K holds the k largest entries of the row: softmax over the top-k only, as in
 * top-k attention (Gupta et al. 2021, arXiv:2106.06899) and top-k-then-softmax
 * gating (Shazeer et al. 2017, arXiv:1701.06538).
 *
 * Ties at the k-th largest value: the lowest indices win. K is every entry
 * greater than the k-th largest value t, then the entries equal to t in index
 * order until |K| = k, so |K| = k always and the result does not depend on
 * the sort.
 *
 * Stability: the k selected values go through the softmax kernel (shift by
 * their max, exact difference, compensated sum), so the bound is softmax's.
 *
 * VJP: softmax's restricted to the support: dx_K = y_K ⊙ (dy_K − ⟨y_K, dy_K⟩),
 * dx = 0 off K (K is piecewise constant in x; at a tie the selection above).
 *
 * Error bound: as softmax — Float64 ≤ 4 ulp for outputs that are not subnormal,
 * Float32 ≤ 1 ulp; tested against 60-digit references in
 * test/normalizers/sparse-softmax.test.ts.
 *
 * Non-finite policy: −∞ entries get 0 and gradient 0 (they are selected only
 * when fewer than k entries are finite); a fully masked row gives zeros; +∞
 * entries in K share probability 1 (softmax's limit); NaN makes its whole row
 * NaN (the top-k of a row holding NaN is undefined) and touches no other row.
 *
 * @example
 * sparseSoftmax([1, 3, 2, 0], { k: 2 }); // Float64Array [0, 0.7310…, 0.2689…, 0]
 * sparseSoftmax([1, 1, 1], { k: 2 });    // Float64Array [0.5, 0.5, 0] (lowest indices win)
 */
import { type Backend, resolveBackend } from '../kernels/backend.js';
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import { type Resolved, ROW_RULES, rule } from '../tensor/options.js';
import type { ArrayInput, FloatArray, ResultOf, RowOptions } from '../tensor/types.js';
import type { NormalizerEntry } from './entry.js';
import { mapRows, mapRowsVjp, type Prepared, prepareRows } from './row-map.js';

/** Options of sparseSoftmax. */
export interface SparseSoftmaxOptions extends RowOptions {
  /** How many of the largest entries of each row keep probability: an integer in [1, n]. Required. */
  k?: number;
}

/** `k`: required, an integer ≥ 1 (its upper bound, the axis length, is checked with the layout). */
const kRule = rule((fn, name, v) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new SoftmaxKitError(
      'K_OUT_OF_RANGE',
      `${fn}: expected ${name} to be an integer >= 1, got ${describe(v)}`,
    );
  return v;
});

/** The option rules of sparseSoftmax and its vjp. */
const SPARSE_SOFTMAX_RULES = { ...ROW_RULES, k: kRule } as const;

interface ResolvedTopK {
  readonly k: number;
  readonly backend: Backend;
}

function resolve(fn: string, p: Prepared, o: Resolved<typeof SPARSE_SOFTMAX_RULES>): ResolvedTopK {
  const { k } = o;
  const n = p.layout.n;
  if (k === undefined || k > n)
    throw new SoftmaxKitError(
      'K_OUT_OF_RANGE',
      `${fn}: expected k to be an integer in [1, ${n}], got ${describe(k)}`,
    );
  return { k, backend: resolveBackend(fn, o.backend, p.x.length, false) };
}

/** Scratch for one row: the sorted copy, the support and its compact rows. */
interface Support {
  readonly sorted: Float64Array;
  readonly index: Int32Array;
  readonly values: Float64Array;
  readonly a: Float64Array;
  readonly b: Float64Array;
}

function newSupport(n: number, k: number): Support {
  const f = () => new Float64Array(k);
  return { sorted: new Float64Array(n), index: new Int32Array(k), values: f(), a: f(), b: f() };
}

/**
 * Select the top-k support of the row at offset o (ties: lowest index) into
 * s.index (ascending) and s.values. Returns false when the row holds NaN.
 */
function selectTopK(x: FloatArray, o: number, n: number, k: number, s: Support): boolean {
  const { sorted, index, values } = s;
  for (let i = 0; i < n; i++) {
    const v = x[o + i]!;
    if (Number.isNaN(v)) return false;
    sorted[i] = v;
  }
  let t = -Infinity;
  let greater = 0;
  if (k < n) {
    sorted.sort();
    t = sorted[n - k]!;
    for (let i = 0; i < n; i++) if (x[o + i]! > t) greater++;
  }
  let ties = k - greater;
  let j = 0;
  for (let i = 0; i < n && j < k; i++) {
    const v = x[o + i]!;
    if (k === n || v > t || (v === t && ties-- > 0)) {
      index[j] = i;
      values[j++] = v;
    }
  }
  return true;
}

/** Softmax over the top-k of each row, 0 elsewhere. See the module doc for the math. */
export function sparseSoftmax<X extends ArrayInput>(
  x: X,
  options?: SparseSoftmaxOptions,
): ResultOf<X> {
  const { p, o } = prepareRows('sparseSoftmax', x, options, SPARSE_SOFTMAX_RULES);
  const { k, backend } = resolve('sparseSoftmax', p, o);
  return mapRows('sparseSoftmax', p, o.out, (a, y, rows, n) => {
    const s = newSupport(n, k);
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      if (!selectTopK(a, o, n, k, s)) {
        y.fill(Number.NaN, o, o + n);
        continue;
      }
      backend.softmax({
        x: s.values,
        y: s.a,
        rows: 1,
        n: k,
        algorithm: 'three-pass',
        s: 1,
        log: false,
      });
      y.fill(0, o, o + n);
      for (let j = 0; j < k; j++) y[o + s.index[j]!] = s.a[j]!;
    }
  }) as ResultOf<X>;
}

/** dx = J_sparseSoftmax(x)ᵀ·dy: softmax's vjp on the top-k support, 0 elsewhere. */
export function sparseSoftmaxVjp<X extends ArrayInput>(
  x: X,
  dy: ArrayInput,
  options?: SparseSoftmaxOptions,
): ResultOf<X> {
  const { p, o } = prepareRows('sparseSoftmaxVjp', x, options, SPARSE_SOFTMAX_RULES);
  const { k, backend } = resolve('sparseSoftmaxVjp', p, o);
  return mapRowsVjp('sparseSoftmaxVjp', p, dy, o.out, (a, g, dx, rows, n) => {
    const s = newSupport(n, k);
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      if (!selectTopK(a, o, n, k, s)) {
        dx.fill(Number.NaN, o, o + n);
        continue;
      }
      for (let j = 0; j < k; j++) s.a[j] = g[o + s.index[j]!]!;
      backend.softmaxVjp({
        x: s.values,
        dy: s.a,
        dx: s.b,
        rows: 1,
        n: k,
        algorithm: 'three-pass',
        s: 1,
        log: false,
      });
      dx.fill(0, o, o + n);
      for (let j = 0; j < k; j++) dx[o + s.index[j]!] = s.b[j]!;
    }
  }) as ResultOf<X>;
}

export const entry: NormalizerEntry<SparseSoftmaxOptions> = {
  name: 'sparseSoftmax',
  forward: sparseSoftmax,
  vjp: sparseSoftmaxVjp,
  rules: SPARSE_SOFTMAX_RULES,
};
