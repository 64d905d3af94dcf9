/**
 * clippedSoftmax(x; ζ, γ) = clip((ζ − γ)·softmax(x) + γ, 0, 1) — the clipped
 * softmax of Bondarenko, Nagel & Blankevoort 2023, "Quantizable Transformers:
 * Removing Outliers by Helping Attention Heads Do Nothing", arXiv:2306.12929.
 *
 * Softmax reaches an exact 0 (a head that "does nothing") only as a logit goes
 * to −∞, so trained heads push their logits, and the activations behind them,
 * into the huge outliers that break low-bit quantization. Stretching the output
 * to (γ, ζ) with γ ≤ 0 ≤ 1 ≤ ζ and clipping back to [0, 1] makes exact zeros
 * (p ≤ −γ/(ζ − γ)) and exact ones (p ≥ (1 − γ)/(ζ − γ)) reachable with finite
 * logits. Rows no longer sum to one.
 *
 * Defaults ζ = 1, γ = 0 give softmax itself, bit for bit (the stretch is then
 * the identity), so the option is safe to leave in place; the paper's effective
 * settings are a small negative γ with ζ = 1, written γ = −α/T for a sequence
 * length T (the threshold below which a probability is cut scales like 1/T).
 * The authors' released code (Qualcomm, outlier-free-transformers) offers
 * γ ∈ [−0.04, −1e−5] with ζ = 1, ζ ∈ [1.0003, 1.1] with γ = 0, and a few
 * symmetric ζ = 1 − γ stretches.
 * Here ζ ≥ 1 and γ ≤ 0 are required, as in the paper, so a masked (−∞) entry
 * keeps weight exactly 0.
 *
 * Stability: p by softmax's exact kernel in double, then one product, one sum
 * and the clip, rounded once to the output type.
 *
 * VJP: with s = 1[0 ≤ (ζ − γ)·p + γ ≤ 1] (inclusive, as PyTorch's clamp passes
 * the gradient at the bounds) and g = s ⊙ dy,
 *   dx = (ζ − γ)·p ⊙ (g − ⟨p, g⟩);
 * clipped entries get no gradient of their own but still receive the
 * softmax coupling term. At ζ = 1, γ = 0 this is softmax's vjp exactly.
 *
 * Error bound: absolute ≤ 2^−52·(4·(ζ − γ)·p + |γ| + |y|) per Float64 output
 * (p's 4 ulp, then the product and the sum; the cancellation near the lower cut
 * is the conditioning of the formula itself); Float32 ≤ 1 ulp of the double
 * result plus that. Tested against 60-digit references in
 * test/normalizers/clipped-softmax.test.ts.
 *
 * Non-finite policy: softmax's, then the map — −∞ entries get clip(γ) = 0 and
 * gradient 0, a fully masked row gives zeros, a row holding +∞ gives
 * clip((ζ − γ)/c + γ) at its c infinite entries (0 elsewhere) and gradient 0,
 * NaN stays in its row.
 *
 * @example
 * clippedSoftmax([2, 1, -3]);                              // softmax([2, 1, -3]), bit for bit
 * clippedSoftmax([2, 1, -3], { gamma: -0.03 });            // [0.719…, 0.245…, 0]: an exact zero
 * clippedSoftmax([8, 0, 0], { zeta: 1.01, gamma: -0.01 }); // [1, 0, 0]: an exact one and zeros
 */
import { resolveBackend } from '../kernels/backend.js';
import { addCompensated, type CompensatedSum } from '../kernels/js/exact.js';
import { fillPolicyRow, newRowScan, scanRow } from '../kernels/js/row-policy.js';
import { oneRow, softmaxRows } from '../kernels/js/softmax-rows.js';
import { numberRule, ROW_RULES, resolveOptions } from '../tensor/options.js';
import type { ArrayInput, ResultOf, RowOptions } from '../tensor/types.js';
import type { NormalizerEntry } from './entry.js';
import { mapRows, mapRowsVjp, prepare } from './row-map.js';

/** Options of clippedSoftmax and its vjp. */
export interface ClippedSoftmaxOptions extends RowOptions {
  /** ζ, the top of the stretch: finite, ≥ 1. Default 1. */
  zeta?: number;
  /** γ, the bottom of the stretch: finite, ≤ 0 (the paper's −α/T). Default 0. */
  gamma?: number;
}

const RULES = {
  ...ROW_RULES,
  zeta: numberRule({ atLeast: 1, default: 1 }),
  gamma: numberRule({ atMost: 0, default: 0 }),
} as const;

/** Options resolved once; the rows run on the JavaScript kernels whatever `backend`. */
function resolve(fn: string, x: ArrayInput, options: ClippedSoftmaxOptions | undefined) {
  const o = resolveOptions(fn, options, RULES);
  const p = prepare(fn, x, o);
  resolveBackend(fn, o.backend, p.x.length, p.x instanceof Float32Array);
  return { p, width: o.zeta - o.gamma, gamma: o.gamma, out: o.out };
}

/** clip((ζ − γ)·softmax(x) + γ, 0, 1) along `options.axis` (default −1). See the module doc. */
export function clippedSoftmax<X extends ArrayInput>(
  x: X,
  options?: ClippedSoftmaxOptions,
): ResultOf<X> {
  const fn = 'clippedSoftmax';
  const { p, width, gamma, out } = resolve(fn, x, options);
  const sm = new Float64Array(p.layout.n);
  return mapRows(fn, p, out, (a, y, rows, n) => {
    for (let k = 0; k < rows; k++) {
      const o = k * n;
      softmaxRows({ ...oneRow(n), x: a.subarray(o, o + n), y: sm });
      for (let i = 0; i < n; i++) y[o + i] = clip(width * sm[i]! + gamma);
    }
  }) as ResultOf<X>;
}

/** dx = (ζ − γ)·p ⊙ (g − ⟨p, g⟩), g = dy where 0 ≤ (ζ − γ)·p + γ ≤ 1, else 0. */
export function clippedSoftmaxVjp<X extends ArrayInput>(
  x: X,
  dy: ArrayInput,
  options?: ClippedSoftmaxOptions,
): ResultOf<X> {
  const fn = 'clippedSoftmaxVjp';
  const { p, width, gamma, out } = resolve(fn, x, options);
  const sm = new Float64Array(p.layout.n);
  const scan = newRowScan();
  const acc: CompensatedSum = { sum: 0, comp: 0 };
  return mapRowsVjp(fn, p, dy, out, (a, g, dx, rows, n) => {
    for (let k = 0; k < rows; k++) {
      const o = k * n;
      if (scanRow(a, o, n, scan) !== 'finite') {
        fillPolicyRow(a, o, n, scan, dx, o, 'gradient');
        continue;
      }
      softmaxRows({ ...oneRow(n), x: a.subarray(o, o + n), y: sm });
      const passes = (i: number) => {
        const v = width * sm[i]! + gamma;
        return v >= 0 && v <= 1;
      };
      acc.sum = 0;
      acc.comp = 0;
      for (let i = 0; i < n; i++)
        if (sm[i]! > 0 && passes(i)) addCompensated(acc, sm[i]! * g[o + i]!);
      const pg = acc.sum + acc.comp;
      for (let i = 0; i < n; i++) {
        const gi = passes(i) ? g[o + i]! : 0;
        dx[o + i] = sm[i]! > 0 ? width * sm[i]! * (gi - pg) : 0;
      }
    }
  }) as ResultOf<X>;
}

/** min(max(v, 0), 1); NaN stays NaN. */
function clip(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

export const entry: NormalizerEntry<ClippedSoftmaxOptions> = {
  name: 'clippedSoftmax',
  forward: clippedSoftmax,
  vjp: clippedSoftmaxVjp,
};
