/**
 * gumbelSoftmax(x; τ, seed)_i = e^((x_i + g_i)/τ) / Σ_j e^((x_j + g_j)/τ), g_i ~ Gumbel(0, 1):
 * a differentiable sample from the categorical distribution softmax(x)
 * (Jang, Gu & Poole 2017, arXiv:1611.01144; Maddison, Mnih & Teh 2017, the
 * Concrete distribution, arXiv:1611.00712). As τ → 0 the sample tends to the
 * one-hot of argmax(x + g), distributed as softmax(x) (the Gumbel-max trick).
 *
 * `hard`: the forward is that one-hot (1 at argmax_i (x_i + g_i), lowest index
 * on ties) and the gradient is the soft sample's (straight-through estimator,
 * Bengio, Léonard & Courville 2013, arXiv:1308.3432), as PyTorch's `gumbel_softmax(hard=True)`.
 *
 * Reproducibility: the noise is g_i = gumbel(seed, i) of src/random/noise.ts at
 * the flat (row-major) index i of x_i, whatever the shape and axis, so the same
 * (x, seed) gives the same sample on every run and engine, and gumbelSoftmaxVjp
 * regenerates exactly the forward's noise from the seed. The noise is always
 * drawn at 53 bits (the Float64 stream), so Float32 and Float64 inputs holding
 * the same values see the same noise. The forward without `seed` draws a fresh
 * seed from the platform's crypto generator on every call (src/random/seed.ts),
 * so a training loop that omits it gets new noise each step (it used seed 0 on
 * every call before issue 15). The vjp must regenerate the forward's noise, so
 * `gumbelSoftmaxVjp` requires the seed: pass the same seed to both (one per step).
 *
 * Stability: z = x + g in double, then the softmax kernel with scale 1/τ
 * (shift by the max, exact difference, compensated sum).
 *
 * VJP (soft and hard alike): dx = (1/τ)·y ⊙ (dy − ⟨y, dy⟩), y the soft sample.
 *
 * Error bound: softmax's bound on z (Float64 ≤ 4 ulp, Float32 ≤ 1 ulp) plus
 * the roundings of z = x + g and of (z − max)/τ: relative error
 * ≤ 4 ulp + 2^−53·(|z_i| + |z_max| + |z_i − z_max|)/τ, tested against
 * 60-digit references in test/normalizers/gumbel-softmax.test.ts.
 *
 * Non-finite policy: −∞ entries get 0 and gradient 0 (never sampled); a fully
 * masked row gives zeros (hard: no 1 at all); +∞ entries share probability 1
 * (hard: the first +∞ wins), gradient 0; NaN stays in its row.
 *
 * @example
 * gumbelSoftmax([1, 2, 3], { tau: 0.5, seed: 7 });             // a soft sample, same on every run
 * gumbelSoftmax([1, 2, 3], { tau: 0.5, seed: 7, hard: true }); // its one-hot
 * gumbelSoftmax([1, 2, 3]);                                    // fresh noise on every call
 * gumbelSoftmaxVjp([1, 2, 3], [1, 0, 0], { seed: 7 });         // the gradient of the seed-7 sample
 */
import { type Backend, resolveBackend } from '../kernels/backend.js';
import { forEachRow } from '../kernels/strided-rows.js';
import { gumbel } from '../random/noise.js';
import { requireSeed, seedRule } from '../random/seed.js';
import { toFloatArrayOfLength } from '../tensor/arrays.js';
import { SoftmaxKitError } from '../tensor/errors.js';
import { booleanRule, numberRule, ROW_RULES, rule } from '../tensor/options.js';
import type { ArrayInput, FloatArray, ResultOf, RowOptions } from '../tensor/types.js';
import type { NormalizerEntry } from './entry.js';
import { mapOutput, type Prepared, prepareRows } from './row-map.js';

/** Options of gumbelSoftmax. */
export interface GumbelSoftmaxOptions extends RowOptions {
  /** Temperature τ: finite, > 0. Default 1. */
  tau?: number;
  /** One-hot forward with the soft sample's gradient (straight-through). Default false. */
  hard?: boolean;
  /**
   * Seed of the noise stream: an integer in [0, 2^53). Default (forward only): a fresh
   * seed from crypto on every call. Required by gumbelSoftmaxVjp (the forward's seed).
   */
  seed?: number;
}

/** The option rules of gumbelSoftmax (an omitted seed drawn fresh per call). */
const GUMBEL_SOFTMAX_RULES = {
  ...ROW_RULES,
  tau: numberRule({ greaterThan: 0, default: 1 }),
  hard: booleanRule(false),
  seed: seedRule,
} as const;

/** gumbelSoftmaxVjp's rules: the seed is required (the vjp must see the forward's noise). */
const GUMBEL_VJP_RULES = {
  ...GUMBEL_SOFTMAX_RULES,
  seed: rule(requireSeed, undefined),
} as const;

/** The validated call: the perturbed logits z = x + g (Float64) and the resolved options. */
interface Perturbed {
  readonly p: Prepared;
  readonly z: Float64Array;
  readonly scale: number;
  readonly hard: boolean;
  readonly backend: Backend;
  readonly out: FloatArray | undefined;
}

function perturb(
  fn: string,
  x: ArrayInput,
  options: unknown,
  rules: typeof GUMBEL_SOFTMAX_RULES | typeof GUMBEL_VJP_RULES,
): Perturbed {
  const { p, o } = prepareRows(fn, x, options, rules);
  if (o.seed === undefined)
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected seed (the forward's seed, to regenerate its noise), got undefined`,
    );
  const backend = resolveBackend(fn, o.backend, p.x.length, p.x instanceof Float32Array);
  const z = gumbel(o.seed, 0, new Float64Array(p.x.length));
  for (let i = 0; i < z.length; i++) z[i] = p.x[i]! + z[i]!;
  return { p, z, scale: 1 / o.tau, hard: o.hard, backend, out: o.out };
}

/** One-hot of each row's argmax (first on ties); zeros for a fully masked row, NaN for NaN. */
function oneHotRows(z: FloatArray, y: FloatArray, rows: number, n: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let best = -1;
    let nan = false;
    for (let i = o; i < o + n; i++) {
      const v = z[i]!;
      if (Number.isNaN(v)) nan = true;
      else if (v > -Infinity && (best < 0 || v > z[best]!)) best = i;
    }
    y.fill(nan ? Number.NaN : 0, o, o + n);
    if (!nan && best >= 0) y[best] = 1;
  }
}

/**
 * A Gumbel-softmax sample along `options.axis` (default −1), reproducible from
 * `options.seed`. The result has x's element type. See the module doc.
 */
export function gumbelSoftmax<X extends ArrayInput>(
  x: X,
  options?: GumbelSoftmaxOptions,
): ResultOf<X> {
  const fn = 'gumbelSoftmax';
  const { p, z, scale, hard, backend, out } = perturb(fn, x, options, GUMBEL_SOFTMAX_RULES);
  const y = mapOutput(fn, p, out, [['x', p.x]]);
  const n = p.layout.n;
  // z is Float64 and y has x's type: the kernel reads z in double and rounds once on the store.
  forEachRow(p.layout, [z], y, false, (ins, o, rows) =>
    hard
      ? oneHotRows(ins[0]!, o, rows, n)
      : backend.softmax({
          x: ins[0]!,
          y: o,
          rows,
          n,
          algorithm: 'three-pass',
          s: scale,
          log: false,
        }),
  );
  return y as ResultOf<X>;
}

/**
 * dx = J(x)ᵀ·dy of the soft sample softmax((x + g)/τ), g regenerated from the
 * seed: (1/τ)·y ⊙ (dy − ⟨y, dy⟩). With `hard` this is the straight-through gradient.
 */
export function gumbelSoftmaxVjp<X extends ArrayInput>(
  x: X,
  dy: ArrayInput,
  options?: GumbelSoftmaxOptions,
): ResultOf<X> {
  const fn = 'gumbelSoftmaxVjp';
  const { p, z, scale, backend, out } = perturb(fn, x, options, GUMBEL_VJP_RULES);
  const g = toFloatArrayOfLength(fn, 'dy', dy, p.x.length);
  const dx = mapOutput(fn, p, out, [
    ['x', p.x],
    ['dy', g],
  ]);
  const n = p.layout.n;
  forEachRow(p.layout, [z, g], dx, false, (ins, o, rows) =>
    backend.softmaxVjp({
      x: ins[0]!,
      dy: ins[1]!,
      dx: o,
      rows,
      n,
      algorithm: 'three-pass',
      s: scale,
      log: false,
    }),
  );
  return dx as ResultOf<X>;
}

export const entry: NormalizerEntry<GumbelSoftmaxOptions> = {
  name: 'gumbelSoftmax',
  forward: gumbelSoftmax,
  vjp: gumbelSoftmaxVjp,
  rules: GUMBEL_SOFTMAX_RULES,
};
