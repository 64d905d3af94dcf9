/**
 * The normalizers that attention computes online, tile by tile (the JavaScript
 * kernels of src/attention: attention-fold.ts folds with their weights, the backward
 * takes their grads). Each is a map
 * w = f(x; m) of a logit against the row's running reference m, plus the
 * normalizer terms it adds to the row state (m, l):
 *
 *   out_i = Σ_j f(x_ij) v_j / D_i,   D_i = l_i (+ eps·e^(−m_i) for softpick),
 *
 * and, for the backward, dx_ij = a_ij·g_ij − b_ij·Δ_i with g = dO·vᵀ and
 * Δ_i = ⟨O_i, dO_i⟩, where a = f′(x)/D and b = (∂D/∂x)/D. The saved row
 * statistic is L_i = m_i + log D_i (the logsumexp for softmax).
 *
 * - softmax (and ssmax, whose logits are pre-multiplied by s·log n): f = e^(x − m),
 *   rescaled by e^(m_old − m_new) when the reference grows (Milakov &
 *   Gimelshein 2018, arXiv:1805.02867; FlashAttention-2, Dao 2023, arXiv:2307.08691).
 *   a = b = p = e^(x − L).
 * - softpick (Zuhri et al. 2025, arXiv:2504.20966): relu(eˣ − 1) / (Σ|eˣ − 1| + eps).
 *   Online form (derived here): with a reference m ≥ 0 (m = max(0, running max)),
 *   e^(x−m) − e^(−m) = e^(−m)·(eˣ − 1), so numerator, Σ|·| and eps·e^(−m) all carry the
 *   same factor e^(−m) and rescale by e^(m_old − m_new) exactly like softmax; m ≥ 0
 *   keeps every term ≤ 1 (no overflow of e^(−m)). Each term is computed without
 *   cancellation as e^(x⁺ − m)·(1 − e^(−|x|)) (−expm1). a = [x > 0]·e^(x − L),
 *   b = sign(x)·e^(x − L). Masked keys are absent (they add nothing to Σ|·|).
 * - softplusNorm (LSSA, Gao & Spratling 2025, arXiv:2501.13428): softplus(x) / Σ softplus,
 *   logits optionally pre-multiplied by log n (LSSAR's re-weighting needs the finished
 *   row, so that variant is block-materialized: see src/attention/normalizer-options.ts); reluNorm: relu(x) / Σ relu. No reference
 *   is needed (m = 0): a = b = f′(x)/D.
 * - sigmoid (FlashSigmoid, Ramapuram et al. 2024, arXiv:2409.04431): σ(x + b), not
 *   normalized; relu (ReLA, Zhang, Titov & Sennrich 2021, arXiv:2104.07012): relu(x),
 *   not normalized (the paper's RMSNorm of the output is the caller's layer). b = 0.
 *
 * Non-finite policy: −∞ logits (masked keys) give weight 0 and gradient 0; a row
 * with D = 0 (nothing visible) gives zeros; NaN stays in its row. A +∞ logit makes
 * the rescaled kinds take the limit (the +∞ keys share the row); the others, and
 * every gradient of such a row, give NaN in that row.
 */

export interface OnlineKind {
  readonly name: string;
  /** Divides by the row normalizer D (and has an L to save). */
  readonly normalized: boolean;
  /** Keeps a running reference m ≥ floor with rescale e^(m_old − m_new). */
  readonly rescaled: boolean;
  /** Its weights are e^(x − m) (softmax, ssmax): the fast paths compute them from raw scores. */
  readonly exponential: boolean;
  /** The least reference (softpick 0, softmax −∞); m = 0 always when not rescaled. */
  readonly floor: number;
  /** Replace x[o, o + n) by the weights f(x; m); return their normalizer terms Σ. */
  weights(x: Float64Array, o: number, n: number, m: number): number;
  /** D from the final state. */
  denominator(m: number, l: number, eps: number): number;
  /**
   * Backward on x[o, o + n), g[o, o + n): x ← p = weights/D, g ← dx = a·g − b·Δ,
   * given L = m + log D (0 when not normalized). The caller handles L = −∞.
   */
  grads(x: Float64Array, g: Float64Array, o: number, n: number, L: number, delta: number): void;
}

/** σ(x) without overflow. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

const plainDenominator = (_m: number, l: number) => l;

const softmaxKind: OnlineKind = {
  name: 'softmax',
  normalized: true,
  rescaled: true,
  exponential: true,
  floor: Number.NEGATIVE_INFINITY,
  weights(x, o, n, m) {
    let s = 0;
    if (m === Number.POSITIVE_INFINITY)
      for (let i = o; i < o + n; i++) s += x[i] = x[i] === m ? 1 : 0;
    else for (let i = o; i < o + n; i++) s += x[i] = Math.exp(x[i]! - m);
    return s;
  },
  denominator: plainDenominator,
  grads(x, g, o, n, L, delta) {
    for (let i = o; i < o + n; i++) {
      const p = Math.exp(x[i]! - L);
      x[i] = p;
      g[i] = p * (g[i]! - delta);
    }
  },
};

const softpickKind: OnlineKind = {
  name: 'softpick',
  normalized: true,
  rescaled: true,
  exponential: false,
  floor: 0,
  weights(x, o, n, m) {
    let s = 0;
    if (m === Number.POSITIVE_INFINITY) {
      for (let i = o; i < o + n; i++) s += x[i] = x[i] === m ? 1 : 0;
      return s;
    }
    const em = Math.exp(-m);
    for (let i = o; i < o + n; i++) {
      const xv = x[i]!;
      if (xv > 0) {
        const t = -Math.exp(xv - m) * Math.expm1(-xv);
        x[i] = t;
        s += t;
      } else if (xv === 0 || xv === Number.NEGATIVE_INFINITY) {
        x[i] = 0; // masked keys are absent: they add nothing to Σ|·|
      } else if (xv < 0) {
        s -= em * Math.expm1(xv); // |e^(x−m) − e^(−m)| = e^(−m)·(1 − eˣ)
        x[i] = 0;
      } else {
        x[i] = Number.NaN;
        s = Number.NaN;
      }
    }
    return s;
  },
  denominator: (m, l, eps) => l + eps * Math.exp(-m),
  grads(x, g, o, n, L, delta) {
    for (let i = o; i < o + n; i++) {
      const xv = x[i]!;
      const e = Math.exp(xv - L);
      if (xv > 0) {
        x[i] = -e * Math.expm1(-xv);
        g[i] = e * (g[i]! - delta);
      } else {
        x[i] = Number.isNaN(xv) ? xv : 0;
        g[i] = xv === 0 ? 0 : e * delta;
      }
    }
  },
};

function l1Kind(name: string, f: (x: number) => number, df: (x: number) => number): OnlineKind {
  return {
    name,
    normalized: true,
    rescaled: false,
    exponential: false,
    floor: 0,
    weights(x, o, n) {
      let s = 0;
      for (let i = o; i < o + n; i++) s += x[i] = f(x[i]!);
      return s;
    },
    denominator: plainDenominator,
    grads(x, g, o, n, L, delta) {
      const inv = Math.exp(-L);
      for (let i = o; i < o + n; i++) {
        const xv = x[i]!;
        x[i] = f(xv) * inv;
        g[i] = df(xv) * inv * (g[i]! - delta);
      }
    },
  };
}

function unnormalizedKind(
  name: string,
  f: (x: number) => number,
  df: (x: number) => number,
): OnlineKind {
  return {
    name,
    normalized: false,
    rescaled: false,
    exponential: false,
    floor: 0,
    weights(x, o, n) {
      for (let i = o; i < o + n; i++) x[i] = f(x[i]!);
      return 0;
    },
    denominator: () => 1,
    grads(x, g, o, n) {
      for (let i = o; i < o + n; i++) {
        const xv = x[i]!;
        x[i] = f(xv);
        g[i] = df(xv) * g[i]!;
      }
    },
  };
}

const relu = (x: number) => (x > 0 ? x : Number.isNaN(x) ? x : 0);
const step = (x: number) => (x > 0 ? 1 : Number.isNaN(x) ? x : 0);

const KINDS: Readonly<Record<string, OnlineKind>> = {
  softmax: softmaxKind,
  ssmax: { ...softmaxKind, name: 'ssmax' },
  softpick: softpickKind,
  softplusNorm: l1Kind('softplusNorm', softplus, sigmoid),
  reluNorm: l1Kind('reluNorm', relu, step),
  sigmoid: unnormalizedKind('sigmoid', sigmoid, (x) => {
    const s = sigmoid(x);
    return s * (1 - s);
  }),
  relu: unnormalizedKind('relu', relu, step),
};

/** The online kind of that name, or undefined (then a registry normalizer is materialized). */
export function onlineKind(name: string): OnlineKind | undefined {
  return Object.hasOwn(KINDS, name) ? KINDS[name] : undefined;
}
