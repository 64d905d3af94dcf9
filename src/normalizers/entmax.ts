/**
 * α-entmax(x)_i = [(α − 1)·x_i − τ]_+^(1/(α−1)), τ such that Σ_i y_i = 1, for
 * any α > 1, along any axis: the maximizer of ⟨y, x⟩ + H^T_α(y) (Tsallis
 * α-entropy) over the simplex. α = 2 is sparsemax, α = 1.5 is entmax15, and
 * α → 1 tends to softmax. α may be one number or one per row, and is
 * learnable: {@link entmaxAlphaGrad} gives d⟨dy, y⟩/dα.
 *
 * τ by bisection (the α-generic solver; sparsemax and entmax15 have exact sort
 * solvers). With β = 1/(α − 1), the row shifted by its max, z_i = (α−1)(x_i −
 * max) ≤ 0 and τ = t − 1, the mass f(t) = Σ_i (1 + z_i − t)_+^β − 1 is
 * non-increasing in t, f(0) ≥ 0 (the max alone gives 1) and, with k the
 * entries z_i > −1 (the only ones that can be in the support),
 * f(1 − k^(1−α)) ≤ 0. So the bracket is t ∈ [0, 1 − k^(1−α)] (width < 1, and
 * ≈ (α−1)·ln k as α → 1). Each of `nIter` steps halves it — default 64 for
 * Float64 input (a bracket below 2^−64, past t's double resolution) and 40
 * for Float32 (below 2^−40, past float32's 2^−24) — stopping early when the
 * bracket cannot shrink further or
 * |f| ≤ `tolerance` (default 0). Then y is taken at the lower end (the side
 * with mass ≥ 1) and renormalized exactly: y ← y/Σy (compensated sum), so
 * the result sums to 1 within n·2^−53 whatever `tolerance` is.
 *
 * Stability: shift by the max; (1 + w)^β is computed as e^(β·log1p(w)) with
 * w = z_i − t, so as α → 1 (β large, w small) the result keeps softmax-like
 * accuracy instead of losing |w|·β·2^−53 to the rounding of 1 + w.
 *
 * VJP: g = y^(2−α) on the support (0 off it); dx = g ⊙ dy − g·⟨g, dy⟩/Σg.
 * α-gradient (Correia, Niculae & Martins 2019, Adaptively Sparse
 * Transformers, arXiv:1909.00015, Appendix B): with ĝ = g/Σg and
 * S_i = y_i·log y_i, ∂y_i/∂α = (y_i − ĝ_i)/(α−1)² − (S_i − ĝ_i·Σ_j S_j)/(α−1).
 *
 * Papers: Peters, Niculae & Martins 2019, arXiv:1905.05702; Blondel, Martins &
 * Niculae 2019 (Fenchel–Young losses, bisection), arXiv:1901.02324.
 *
 * Error bound: Float64 |y_i − y*_i| ≤ 2^−50 absolute (the row's mass is 1)
 * for α ∈ [1.01, 3] with the default 64 steps (measured ≤ 3.5·2^−53 against
 * 60-digit references in test/normalizers/entmax.test.ts), so ≤ 1e-14
 * relative for y_i ≥ 0.09. Unlike sparsemax and entmax15, τ is not polished
 * to double-double (u^β has no cheap double-double form), so an output just
 * above the threshold keeps the absolute bound only: an error δ in τ moves y_i
 * by β·y_i^(2−α)·δ, which for α > 2 grows as y_i → 0. Float32 (40 steps):
 * the double result rounded once, ≤ 1 ulp for y ≥ 1e-4. The α-gradient
 * cancels as α → 1 (its 1/(α−1)² term): expect ~2^−53/(α−1)² relative.
 *
 * Non-finite policy: −∞ entries get 0 and gradient 0; a fully masked row gives
 * zeros, a zero gradient and a zero α-gradient; a row holding +∞ takes the
 * limit: its c entries at +∞ get 1/c each, the rest 0 (α-gradient 0); NaN
 * makes its row NaN and touches no other.
 *
 * @example
 * entmax([1, 2, 3], { alpha: 2 });             // = sparsemax: [0, 0, 1]
 * entmax([1, 2, 3, 4], { shape: [2, 2], alpha: [1.5, 3] }); // α per row
 * entmaxAlphaGrad([1, 2, 3], [1, 0, 0], { alpha: 1.3 });     // [∂y_0/∂α] = [-0.2154…]
 */
import { forEachRow } from '../kernels/strided-rows.js';
import { requireLength, toFloatArray, toFloatArrayOfLength } from '../tensor/arrays.js';
import { integerRule, numberRule, type Resolved, ROW_RULES, rule } from '../tensor/options.js';
import type { ArrayInput, FloatArray, ResultOf, RowOptions } from '../tensor/types.js';
import { requireNumber } from '../tensor/validate.js';
import type { NormalizerEntry } from './entry.js';
import { mapRows, mapRowsVjp, type Prepared, prepareRows, reductionOutput } from './row-map.js';
import {
  compensatedSum,
  gatherCandidates,
  requireJsBackend,
  rowMaxOrPolicy,
  type ThresholdRow,
  thresholdKernel,
  thresholdVjpKernel,
} from './threshold.js';

/** Options of entmax, entmaxVjp and entmaxAlphaGrad. */
export interface EntmaxOptions extends RowOptions {
  /**
   * α > 1 (finite): one number, or one per row — an array with the reduced
   * shape (the shape without `axis`), e.g. a learnable α per head. Default 1.5.
   */
  alpha?: number | ArrayInput;
  /** Bisection steps, an integer ≥ 1. Default 64 for Float64 input, 40 for Float32. */
  nIter?: number;
  /** Stop bisecting once |Σy − 1| ≤ tolerance (before the exact renormalization). Default 0. */
  tolerance?: number;
}

/** The option rules of entmax, entmaxVjp and entmaxAlphaGrad (defaults written here once). */
const ENTMAX_RULES = {
  ...ROW_RULES,
  /** α: one number > 1, or an array of them (its length is checked against the layout later). */
  alpha: rule((fn, name, v): number | FloatArray => {
    if (!Array.isArray(v) && !ArrayBuffer.isView(v))
      return requireNumber(fn, name, v, { greaterThan: 1 });
    const a = toFloatArray(fn, name, v);
    for (let i = 0; i < a.length; i++) requireNumber(fn, `${name}[${i}]`, a[i], { greaterThan: 1 });
    return a;
  }, 1.5),
  /** Default by element type (64 for Float64, 40 for Float32), so undefined here. */
  nIter: integerRule({ atLeast: 1 }),
  tolerance: numberRule({ atLeast: 0, default: 0 }),
} as const;

interface ResolvedEntmax {
  readonly alpha: (r: number) => number;
  readonly nIter: number;
  readonly tolerance: number;
}

function resolveEntmax(fn: string, p: Prepared, o: Resolved<typeof ENTMAX_RULES>): ResolvedEntmax {
  requireJsBackend(fn, o.backend);
  const a = o.alpha;
  let alpha: (r: number) => number;
  if (typeof a === 'number') alpha = () => a;
  else {
    requireLength(fn, 'alpha', a, p.layout.outer * p.layout.inner);
    alpha = (r) => a[r]!;
  }
  const nIter = o.nIter ?? (p.x instanceof Float32Array ? 40 : 64);
  return { alpha, nIter, tolerance: o.tolerance };
}

/** (1 + w)_+^β, as e^(β·log1p(w)). */
function tsallisLink(w: number, beta: number): number {
  return w > -1 ? Math.exp(beta * Math.log1p(w)) : 0;
}

/** f(t) + 1 = Σ_j (1 + z_j − t)_+^β over the candidates z[0, k). */
function massAt(z: Float64Array, k: number, beta: number, t: number): number {
  let mass = 0;
  for (let j = 0; j < k; j++) mass += tsallisLink(z[j]! - t, beta);
  return mass;
}

/** t = τ + 1 by bisection on [0, 1 − k^(1−α)] (see the module doc); the lower end. */
function entmaxTauByBisection(
  z: Float64Array,
  k: number,
  beta: number,
  nIter: number,
  tolerance: number,
): number {
  let lo = 0;
  let hi = -Math.expm1(-Math.log(k) / beta);
  for (let it = 0; it < nIter; it++) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    const f = massAt(z, k, beta, mid) - 1;
    if (Math.abs(f) <= tolerance) return mid;
    if (f > 0) lo = mid;
    else hi = mid;
  }
  return lo;
}

function entmaxRow(cfg: ResolvedEntmax): ThresholdRow {
  return (x, off, n, y, z, r) => {
    const m = rowMaxOrPolicy(x, off, n, y);
    if (m === undefined) return;
    const s = cfg.alpha(r) - 1;
    const beta = 1 / s;
    const k = gatherCandidates(x, off, n, m, s, z);
    const t = entmaxTauByBisection(z, k, beta, cfg.nIter, cfg.tolerance);
    for (let i = 0; i < n; i++) y[i] = tsallisLink(s * (x[off + i]! - m) - t, beta);
    const total = compensatedSum(y, n);
    for (let i = 0; i < n; i++) y[i] = y[i]! / total;
  };
}

/** α-entmax along `options.axis` (default −1). See the module doc for the math. */
export function entmax<X extends ArrayInput>(x: X, options?: EntmaxOptions): ResultOf<X> {
  const { p, o } = prepareRows('entmax', x, options, ENTMAX_RULES);
  const cfg = resolveEntmax('entmax', p, o);
  return mapRows('entmax', p, o.out, thresholdKernel(entmaxRow(cfg))) as ResultOf<X>;
}

/** dx = J_entmax(x)ᵀ·dy = g ⊙ dy − g·⟨g, dy⟩/Σg, g = entmax(x)^(2−α) on the support. */
export function entmaxVjp<X extends ArrayInput>(
  x: X,
  dy: ArrayInput,
  options?: EntmaxOptions,
): ResultOf<X> {
  const { p, o } = prepareRows('entmaxVjp', x, options, ENTMAX_RULES);
  const cfg = resolveEntmax('entmaxVjp', p, o);
  return mapRowsVjp(
    'entmaxVjp',
    p,
    dy,
    o.out,
    thresholdVjpKernel(entmaxRow(cfg), (r) => 2 - cfg.alpha(r)),
  ) as ResultOf<X>;
}

/** d⟨dy, y⟩/dα of one row from y (doubles), dy[off, off + n) and α. */
function alphaGradOfRow(
  y: Float64Array,
  dy: FloatArray,
  off: number,
  n: number,
  alpha: number,
): number {
  const beta = 1 / (alpha - 1);
  let gsum = 0;
  let dyG = 0;
  let dyY = 0;
  let dyS = 0;
  let sumS = 0;
  for (let i = 0; i < n; i++) {
    const yi = y[i]!;
    if (yi === 0) continue;
    const g = yi ** (2 - alpha);
    const si = yi * Math.log(yi);
    const d = dy[off + i]!;
    gsum += g;
    sumS += si;
    dyG += d * g;
    dyY += d * yi;
    dyS += d * si;
  }
  if (gsum === 0) return 0; // fully masked row
  const dyGhat = dyG / gsum;
  return beta * beta * (dyY - dyGhat) - beta * (dyS - dyGhat * sumS);
}

/**
 * The gradient of ⟨dy, entmax(x)⟩ with respect to α, one value per row (the
 * reduced shape: `axis` dropped): Σ_i dy_i·∂y_i/∂α (see the module doc).
 * With a per-row α this is the gradient of each row's own α.
 */
export function entmaxAlphaGrad<X extends ArrayInput>(
  x: X,
  dy: ArrayInput,
  options?: EntmaxOptions,
): ResultOf<X> {
  const fn = 'entmaxAlphaGrad';
  const { p, o: opts } = prepareRows(fn, x, options, ENTMAX_RULES);
  const cfg = resolveEntmax(fn, p, opts);
  const g = toFloatArrayOfLength(fn, 'dy', dy, p.x.length);
  const n = p.layout.n;
  const out = reductionOutput(fn, p, opts.out, [
    ['x', p.x],
    ['dy', g],
  ]);
  const row = entmaxRow(cfg);
  const y = new Float64Array(n);
  const z = new Float64Array(n);
  let r0 = 0; // forEachRow visits rows in the reduced-shape order
  forEachRow(p.layout, [p.x, g], out, true, (ins, o, rows) => {
    for (let r = 0; r < rows; r++) {
      row(ins[0]!, r * n, n, y, z, r0 + r);
      o[r] = alphaGradOfRow(y, ins[1]!, r * n, n, cfg.alpha(r0 + r));
    }
    r0 += rows;
  });
  return out as ResultOf<X>;
}

export const entry: NormalizerEntry<EntmaxOptions> = {
  name: 'entmax',
  forward: entmax,
  vjp: entmaxVjp,
  rules: ENTMAX_RULES,
};
