/**
 * adaptiveTemperatureSoftmax(x) = softmax(β·x), β = β(H(x)) — the adaptive
 * temperature of Veličković, Perivolaropoulos, Barbero & Pascanu 2024,
 * "softmax is not enough (for sharp out-of-distribution)", arXiv:2410.01104.
 *
 * Softmax disperses: with bounded logits its largest probability tends to 0 as
 * the row grows. The paper sharpens each row by an inverse temperature chosen
 * from the entropy of its own softmax,
 *   H = −Σ_i p_i·log p_i,  p = softmax(x),
 *   β = max(1, poly(H)) if H > threshold, else 1,
 * so β never softens a row (β ≥ 1) and leaves rows already sharp (H ≤ 0.5 nats
 * by default) alone. poly is the authors' degree-4 least-squares fit of the
 * best inverse temperature against entropy (the code listing in the paper):
 *   poly(H) = −0.037·H⁴ + 0.481·H³ − 2.3·H² + 4.917·H − 1.791
 * ({@link ADAPTIVE_TEMPERATURE_COEFFICIENTS}, highest degree first as numpy's
 * polyval; the same five numbers appear in every public port of the listing).
 * The fit only lifts β above 1 for 0.849 < H < 5.945 nats (its peak is 2.42 at
 * H ≈ 4.41): rows of more than a few hundred near-uniform entries have H beyond
 * that and get β = 1 — the fit does not extrapolate (see the README table).
 * The authors add 1e−9 inside the log of H; here H is exact (0·log 0 = 0).
 *
 * Stability: p and log p from the exact three-pass kernels (x − max carried
 * exactly, compensated sums), H as a compensated sum of the non-negative terms
 * −p_i·log p_i (no cancellation), poly and poly' by Horner, then softmax's
 * kernel with scale β.
 *
 * VJP: with z = β·x, y = softmax(z) and z̄ = y ⊙ (dy − ⟨y, dy⟩),
 *   dx = β·z̄ + β'(H)·⟨x, z̄⟩·∇H,   ∇H_k = −p_k·(log p_k + H),
 * β'(H) = poly'(H) where H > threshold and poly(H) > 1, else 0 (β is constant
 * there; at the two kinks the side where β is constant is taken). ⟨x, z̄⟩ is
 * taken as ⟨x − max, z̄⟩ (equal, since Σ z̄ = 0) over the unmasked entries.
 * `detachTemperature: true` drops the second term — β treated as a constant, as
 * when the rescaling is applied at inference only (as the paper applies it,
 * to an already trained model) or under a stop-gradient; the default keeps the
 * path through β(H(x)), the gradient of the function as written (the paper's
 * JAX listing, as its public ports reproduce it, has no stop-gradient either).
 *
 * Error bound: H to ~1e−15 relative; β to ≤ 4e−15 relative (measured ≤ 2.2e−15
 * on rows up to 10⁵ long — mostly Horner's cancellation in the fit). Each
 * Float64 output y_i is within 2^−50·(1 + β·|x_i − max|) + |x_i − E_y x|·|δβ|
 * relative of a 60-digit reference of the same formula: softmax's 4 ulp, the
 * scaled exponent's rounding, and y_i's own sensitivity to β times β's error δβ
 * — ≤ 1e−14 where |x_i − E_y x| ≤ 2, measured 5.8e−14 at n = 10⁵ for an entry
 * 12 below the sharp one. Float32 ≤ 1 ulp (the double result rounded once). A
 * row whose H lies within rounding of `threshold`, or whose poly(H) lies within
 * rounding of 1, may take either side of the branch. Tested in
 * test/normalizers/adaptive-temperature.test.ts.
 *
 * Non-finite policy: softmax's — −∞ entries are masks (probability 0, gradient
 * 0, and 0 in H), a fully masked row gives zeros, a row holding +∞ gives its
 * +∞ entries equal shares of 1 (β > 0 changes nothing there) and gradient 0,
 * NaN stays in its row.
 *
 * @example
 * adaptiveTemperatureSoftmax([1, 0.9, 0.8, 0.7, 0]); // H = 1.56 > 0.5: β = 1.89, sharper than softmax
 * adaptiveTemperatureSoftmax([5, 0, 0]);             // H = 0.08 ≤ 0.5: β = 1, plain softmax
 * adaptiveTemperatureBeta([1, 0.9, 0.8, 0.7, 0]);    // Float64Array [1.89…]
 */

import { resolveBackend } from '../kernels/backend.js';
import { addCompensated, type CompensatedSum } from '../kernels/js/exact.js';
import { fillPolicyRow, newRowScan, scanRow } from '../kernels/js/row-policy.js';
import { oneRow, softmaxRows } from '../kernels/js/softmax-rows.js';
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import { booleanRule, numberRule, ROW_RULES, resolveOptions, rule } from '../tensor/options.js';
import type { ArrayInput, FloatArray, ResultOf, RowOptions } from '../tensor/types.js';
import type { NormalizerEntry } from './entry.js';
import { mapRows, mapRowsVjp, type Prepared, prepare, reduceRows } from './row-map.js';

/**
 * Veličković et al.'s fit of β against H (arXiv:2410.01104, the code listing
 * in the paper), highest degree first: β ≈ −0.037·H⁴ + 0.481·H³ − 2.3·H² + 4.917·H − 1.791.
 */
export const ADAPTIVE_TEMPERATURE_COEFFICIENTS: readonly number[] = Object.freeze([
  -0.037, 0.481, -2.3, 4.917, -1.791,
]);

/** Options of adaptiveTemperatureSoftmax, its vjp and adaptiveTemperatureBeta. */
export interface AdaptiveTemperatureOptions extends RowOptions {
  /** The polynomial of H, highest degree first (numpy's polyval order). Default: the paper's fit. */
  coefficients?: readonly number[];
  /** β is raised only where H (nats) exceeds this: finite, ≥ 0. Default 0.5. */
  threshold?: number;
  /** vjp only: treat β as a constant (no gradient through β(H(x))). Default false. */
  detachTemperature?: boolean;
}

/** `coefficients`: a non-empty array of finite numbers, copied. */
const coefficientsRule = rule((fn, name, v): Float64Array => {
  const list = v instanceof Float32Array || v instanceof Float64Array ? Array.from(v) : v;
  if (!Array.isArray(list) || list.length === 0)
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected ${name} to be a non-empty array of numbers, got ${describe(v)}`,
    );
  const c = new Float64Array(list.length);
  list.forEach((a: unknown, i) => {
    if (typeof a !== 'number')
      throw new SoftmaxKitError(
        'INVALID_PARAMETER',
        `${fn}: expected ${name}[${i}] to be a number, got ${describe(a)}`,
      );
    if (!Number.isFinite(a))
      throw new SoftmaxKitError(
        'NON_FINITE_PARAMETER',
        `${fn}: expected ${name}[${i}] to be finite, got ${a}`,
      );
    c[i] = a;
  });
  return c;
}, Float64Array.from(ADAPTIVE_TEMPERATURE_COEFFICIENTS));

/** The rules of adaptiveTemperatureBeta; the softmax and its vjp add `detachTemperature`. */
const BETA_RULES = {
  ...ROW_RULES,
  coefficients: coefficientsRule,
  threshold: numberRule({ atLeast: 0, default: 0.5 }),
} as const;

const RULES = { ...BETA_RULES, detachTemperature: booleanRule(false) } as const;

interface Resolved {
  readonly p: Prepared;
  readonly coefficients: Float64Array;
  readonly threshold: number;
  readonly detach: boolean;
  readonly out: FloatArray | undefined;
}

/** Options resolved once; the rows run on the JavaScript kernels whatever `backend`. */
function resolve(fn: string, x: ArrayInput, options: unknown, withDetach = true): Resolved {
  const o = resolveOptions(fn, options, withDetach ? RULES : BETA_RULES);
  const p = prepare(fn, x, o);
  resolveBackend(fn, o.backend, p.x.length, p.x instanceof Float32Array);
  const detach = 'detachTemperature' in o && o.detachTemperature === true;
  return { p, coefficients: o.coefficients, threshold: o.threshold, detach, out: o.out };
}

/** Per-row scratch: p = softmax(x), log p, and y = softmax(β·x), in double. */
interface Scratch {
  readonly p: Float64Array;
  readonly logp: Float64Array;
  readonly y: Float64Array;
  readonly acc: CompensatedSum;
}

const scratch = (n: number): Scratch => ({
  p: new Float64Array(n),
  logp: new Float64Array(n),
  y: new Float64Array(n),
  acc: { sum: 0, comp: 0 },
});

/** The temperature of one finite row: β, its slope dβ/dH (0 where β is constant) and H. */
interface RowTemperature {
  beta: number;
  slope: number;
  entropy: number;
}

/**
 * Fill s.p, s.logp for the finite row x[o, o + n) and return β, dβ/dH and H.
 * H = Σ −p·log p over the unmasked entries, compensated (every term ≥ 0).
 */
function rowTemperature(
  x: FloatArray,
  o: number,
  n: number,
  s: Scratch,
  r: Resolved,
  t: RowTemperature,
): void {
  const row = x.subarray(o, o + n);
  softmaxRows({ ...oneRow(n), x: row, y: s.p });
  softmaxRows({ ...oneRow(n), x: row, y: s.logp, log: true });
  s.acc.sum = 0;
  s.acc.comp = 0;
  for (let i = 0; i < n; i++) if (s.p[i]! > 0) addCompensated(s.acc, -s.p[i]! * s.logp[i]!);
  const H = s.acc.sum + s.acc.comp;
  t.entropy = H;
  t.beta = 1;
  t.slope = 0;
  if (!(H > r.threshold)) return;
  const c = r.coefficients;
  let poly = 0;
  let dpoly = 0;
  for (let k = 0; k < c.length; k++) {
    dpoly = dpoly * H + poly; // Horner for poly and poly' together
    poly = poly * H + c[k]!;
  }
  if (poly > 1) {
    t.beta = poly;
    t.slope = dpoly;
  }
}

/** softmax(β·x) with β = max(1, poly(H(softmax(x)))) above the entropy threshold. See the module doc. */
export function adaptiveTemperatureSoftmax<X extends ArrayInput>(
  x: X,
  options?: AdaptiveTemperatureOptions,
): ResultOf<X> {
  const fn = 'adaptiveTemperatureSoftmax';
  const r = resolve(fn, x, options);
  const s = scratch(r.p.layout.n);
  const scan = newRowScan();
  const t: RowTemperature = { beta: 1, slope: 0, entropy: 0 };
  return mapRows(fn, r.p, r.out, (a, y, rows, n) => {
    for (let k = 0; k < rows; k++) {
      const o = k * n;
      if (scanRow(a, o, n, scan) !== 'finite') {
        fillPolicyRow(a, o, n, scan, y, o, 'mass');
        continue;
      }
      rowTemperature(a, o, n, s, r, t);
      softmaxRows({ ...oneRow(n, t.beta), x: a.subarray(o, o + n), y: y.subarray(o, o + n) });
    }
  }) as ResultOf<X>;
}

/**
 * dx = β·z̄ + β'(H)·⟨x, z̄⟩·∇H (z̄ = y ⊙ (dy − ⟨y, dy⟩), ∇H = −p ⊙ (log p + H));
 * the second term is left out with `detachTemperature: true`.
 */
export function adaptiveTemperatureSoftmaxVjp<X extends ArrayInput>(
  x: X,
  dy: ArrayInput,
  options?: AdaptiveTemperatureOptions,
): ResultOf<X> {
  const fn = 'adaptiveTemperatureSoftmaxVjp';
  const r = resolve(fn, x, options);
  const s = scratch(r.p.layout.n);
  const scan = newRowScan();
  const t: RowTemperature = { beta: 1, slope: 0, entropy: 0 };
  const acc: CompensatedSum = { sum: 0, comp: 0 };
  return mapRowsVjp(fn, r.p, dy, r.out, (a, g, dx, rows, n) => {
    for (let k = 0; k < rows; k++) {
      const o = k * n;
      if (scanRow(a, o, n, scan) !== 'finite') {
        fillPolicyRow(a, o, n, scan, dx, o, 'gradient');
        continue;
      }
      rowTemperature(a, o, n, s, r, t);
      const { y, p, logp } = s;
      softmaxRows({ ...oneRow(n, t.beta), x: a.subarray(o, o + n), y });
      acc.sum = 0;
      acc.comp = 0;
      for (let i = 0; i < n; i++) if (y[i]! > 0) addCompensated(acc, y[i]! * g[o + i]!);
      const gy = acc.sum + acc.comp;
      for (let i = 0; i < n; i++) y[i] = y[i]! > 0 ? y[i]! * (g[o + i]! - gy) : 0; // y now holds z̄
      let c = 0;
      if (t.slope !== 0 && !r.detach) {
        acc.sum = 0;
        acc.comp = 0;
        const m = scan.max;
        for (let i = 0; i < n; i++) if (y[i] !== 0) addCompensated(acc, (a[o + i]! - m) * y[i]!);
        c = t.slope * (acc.sum + acc.comp); // β'(H)·⟨x − max, z̄⟩
      }
      const H = t.entropy;
      for (let i = 0; i < n; i++) {
        const dH = p[i]! > 0 ? -p[i]! * (logp[i]! + H) : 0;
        dx[o + i] = t.beta * y[i]! + c * dH;
      }
    }
  }) as ResultOf<X>;
}

/**
 * The inverse temperature β of each row (the axis dropped): 1 where H ≤
 * threshold or poly(H) ≤ 1, else poly(H). NaN for a row holding NaN; 1 for a
 * fully masked row and for a row holding +∞ (nothing is rescaled there).
 *
 * @example
 * adaptiveTemperatureBeta([1, 0.9, 0.8, 0.7, 0]); // Float64Array [1.89…]
 */
export function adaptiveTemperatureBeta<X extends ArrayInput>(
  x: X,
  options?: Omit<AdaptiveTemperatureOptions, 'detachTemperature'>,
): ResultOf<X> {
  const fn = 'adaptiveTemperatureBeta';
  const r = resolve(fn, x, options, false);
  const s = scratch(r.p.layout.n);
  const scan = newRowScan();
  const t: RowTemperature = { beta: 1, slope: 0, entropy: 0 };
  return reduceRows(fn, r.p, r.out, (a, out, rows, n) => {
    for (let k = 0; k < rows; k++) {
      const kind = scanRow(a, k * n, n, scan);
      if (kind === 'finite') rowTemperature(a, k * n, n, s, r, t);
      out[k] = kind === 'nan' ? Number.NaN : kind === 'finite' ? t.beta : 1;
    }
  }) as ResultOf<X>;
}

export const entry: NormalizerEntry<AdaptiveTemperatureOptions> = {
  name: 'adaptiveTemperatureSoftmax',
  forward: adaptiveTemperatureSoftmax,
  vjp: adaptiveTemperatureSoftmaxVjp,
};
