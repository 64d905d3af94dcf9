/**
 * Portable JavaScript softmax kernels: the reference every other backend is
 * tested against. Each works on `rows` contiguous rows of length `n`
 * (row r occupies [r·n, (r + 1)·n)), reads Float32 or Float64 and computes in
 * double precision, rounding once on the store.
 *
 * Three ways to compute a row's normalizer, all giving the same result:
 * - 'three-pass': max; Σ e^(x − max) (stored); divide.
 * - 'two-pass' (Dukhan & Ablavatski 2020, arXiv:2001.04438): each e^x is kept
 *   as a (mantissa, exponent) pair m·2^k, k = round(x·log2 e), m = e^(x − k·ln 2);
 *   the running sum is a pair (S, K), so no max pass and no overflow.
 * - 'online' (Milakov & Gimelshein 2018, arXiv:1805.02867): one pass keeps a
 *   running (max, sum) pair and rescales the sum when the max grows. We let the
 *   reference lag the max by up to 64 (e^64 cannot overflow a double), so the
 *   sum is rescaled only when the new terms dwarf it by e^64 and rescaling
 *   errors stay below 2^−92 of the sum instead of growing with n.
 *
 * Error bound (Float64, scale = 1, measured by test/kernels/js/softmax-rows.test.ts):
 * ≤ 4 ulp per output that is not subnormal: x − max exact (TwoSum), Math.exp
 * < 1 ulp, Neumaier sum ≤ 2 ulp, one division. Float32 outputs are the
 * correctly rounded double result, ≤ 1 ulp. A scale s ≠ 1 adds one rounding
 * of s·(x − max), i.e. |s·(x − max)|·2^−53 relative.
 *
 * Non-finite policy: −∞ entries get probability 0 (log-probability −∞) and
 * gradient 0. A fully masked row (all −∞) gives zeros in softmax, logSoftmax
 * and both vjps; its logsumexp is −∞. A row holding +∞ takes the limit: the
 * +∞ entries share probability 1 equally (log-probability −log c), the rest
 * get 0 (−∞), the gradient is 0, logsumexp is +∞. NaN anywhere makes its row
 * NaN and touches no other row.
 */
import type { FloatArray } from '../../tensor/types.js';
import type {
  LogSumExpArgs,
  SoftmaxAlgorithm,
  SoftmaxArgs,
  SoftmaxVjpArgs,
} from '../kernel-args.js';
import { foldRow, type OnlineSum } from '../online-state.js';
import { expDiff, expScaledDiff, logOfSum, productError, scaledDiff, sumError } from './exact.js';
import { fillPolicyRow, newRowScan, scanRow } from './row-policy.js';

/** Beyond this |x| the two-pass range reduction x − k·ln 2 loses exactness. */
const TWO_PASS_LIMIT = 2 ** 30;
const LOG2E = Math.LOG2E;
// ln 2 in three parts: LN2_A and LN2_B have 21 significant bits, so k·LN2_A and
// k·LN2_B are exact for |k| < 2^32 (Cody & Waite range reduction).
// LN2_C is the remainder to 53 more bits (ln 2 − A − B − C ≈ 1.9e−31, from an
// 80-digit ln 2).
const LN2_A = 0.6931467056274414;
const LN2_B = 4.7493244892393705e-7;
const LN2_C = 5.497923018708371e-14;

/** A row's normalizer: Σ_i e^(s·(x_i − ref)) = sum + comp, with ref ≥ max − 64/s. */
interface RowNormalizer extends OnlineSum {
  /** The row's true maximum. */
  max: number;
  /** The call's algorithm and scale s (the same for every row). */
  readonly algorithm: SoftmaxAlgorithm;
  readonly s: number;
}

/** Three-pass normalizer: exact max first, then the compensated sum. */
function normalizerThreePass(x: FloatArray, o: number, n: number, acc: RowNormalizer): void {
  const s = acc.s;
  const m = acc.max;
  acc.ref = m;
  // (sum, comp) in locals, the compensated step of addCompensated written out: a property
  // update per element through the accumulator object costs ~10% of the row.
  let sum = 0;
  let comp = 0;
  if (s === 1)
    for (let i = o; i < o + n; i++) {
      const v = expDiff(x[i]!, m);
      const t = sum + v;
      comp += sumError(sum, v, t);
      sum = t;
    }
  else
    for (let i = o; i < o + n; i++) {
      const v = expScaledDiff(x[i]!, m, s);
      const t = sum + v;
      comp += sumError(sum, v, t);
      sum = t;
    }
  acc.sum = sum;
  acc.comp = comp;
}

/** e^r·2^k pieces of e^(s·x) (two-pass representation); returns the mantissa, k in `k`. */
function mantExp(z: number, zl: number, out: { k: number }): number {
  const k = Math.round(z * LOG2E);
  out.k = k;
  // r = z + zl − k·ln 2 as hi + lo with |lo| ≤ ~ulp(|k·B|) ≈ 2^−43, so that
  // e^r = e^hi·(1 + lo) to 2^−86: z − k·A is exact (Sterbenz) and k·B exact; both
  // additions are made error-free by TwoSum. The small part c = zl − k·C (up to
  // 8.5e−5 and 2^−24 near 2^30) must go into hi too: left in lo, its square
  // (~4e−9) would be lost by the first-order e^hi·(1 + lo).
  const t = z - k * LN2_A;
  const b = -k * LN2_B;
  const h = t + b;
  const c = zl - k * LN2_C;
  const hi = h + c;
  const lo = sumError(t, b, h) + sumError(h, c, hi);
  const e = Math.exp(hi);
  return e + e * lo;
}

// 2^e built from its exponent bits (Math.pow is ~10× slower here); the low word stays 0.
const POW2_F64 = new Float64Array(1);
const POW2_U32 = new Uint32Array(POW2_F64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian: high word at [1]

/**
 * 2^e for an integer e ≤ 0 (exact; 0 below 2^−1074, two factors for subnormal results).
 * Its callers pass k − K with K the largest exponent so far, never positive.
 */
function pow2(e: number): number {
  if (e >= -1022) {
    POW2_U32[HI] = (e + 1023) << 20;
    return POW2_F64[0]!;
  }
  if (e < -1074) return 0;
  POW2_U32[HI] = (e + 1022 + 1023) << 20;
  return POW2_F64[0]! * 2 ** -1022;
}

const scratchK = { k: 0 };

/**
 * Two-pass normalizer (mantissa, exponent). Rows with |x| ≥ 2^30 take the
 * online path (same result): there x − k·ln 2 needs more bits of ln 2 than a
 * double holds, and any two distinct values there are ≥ 2^−22·2^30 apart.
 * The state (S, K) is converted to (ref, sum) with ref = K·ln 2 held exactly
 * as the integer K (see `twoPassRef`).
 */
function normalizerTwoPass(x: FloatArray, o: number, n: number, acc: RowNormalizer): boolean {
  const s = acc.s;
  if (acc.max * s >= TWO_PASS_LIMIT || -rowMin(x, o, n) * s >= TWO_PASS_LIMIT) return false;
  let S = 0;
  let C = 0;
  let K = -Infinity;
  for (let i = o; i < o + n; i++) {
    const v = x[i]!;
    if (v === -Infinity) continue;
    const z = v * s;
    const mant = mantExp(z, s === 1 ? 0 : productError(v, s, z), scratchK);
    const k = scratchK.k;
    if (k > K) {
      const f = K === -Infinity ? 0 : pow2(K - k);
      S *= f;
      C *= f;
      K = k;
    }
    const term = k === K ? mant : mant * pow2(k - K);
    const t = S + term;
    C += sumError(S, term, t);
    S = t;
  }
  acc.ref = K;
  acc.sum = S;
  acc.comp = C;
  return true;
}

/** The smallest entry other than −∞ of a finite row (one holding a finite entry, no NaN or +∞). */
function rowMin(x: FloatArray, o: number, n: number): number {
  let m = Infinity;
  for (let i = o; i < o + n; i++) {
    const v = x[i]!;
    if (v < m && v !== -Infinity) m = v;
  }
  return m;
}

/** Reusable per-call state. */
function newNormalizer(algorithm: SoftmaxAlgorithm, s: number): RowNormalizer {
  return { ref: 0, max: 0, sum: 0, comp: 0, algorithm, s };
}

/**
 * Compute one finite row's normalizer with acc's algorithm. Returns true
 * when acc.ref is an exponent K of the two-pass representation (ref = K·ln 2).
 */
function rowNormalizer(x: FloatArray, o: number, n: number, acc: RowNormalizer): boolean {
  const s = acc.s;
  if (acc.algorithm === 'two-pass') {
    if (normalizerTwoPass(x, o, n, acc)) return true;
    foldRow(x, o, n, s, acc);
  } else if (acc.algorithm === 'online') foldRow(x, o, n, s, acc);
  else normalizerThreePass(x, o, n, acc);
  return false;
}

/**
 * K·ln 2 − s·max (|·| ≤ ~0.35), to ~2^−53 of itself + 2^−100: K·LN2_A − z and its sum
 * with K·LN2_B are exact (Sterbenz), so the small parts K·C − zl are added last.
 */
function kLn2MinusScaled(K: number, max: number, s: number): number {
  const z = max * s;
  const zl = s === 1 ? 0 : productError(max, s, z);
  return K * LN2_A - z + K * LN2_B + (K * LN2_C - zl);
}

/**
 * L = log Σ_i e^(s·(x_i − max)) for a finite row. When one entry dominates
 * (L < ln 2) the sum is recomputed against the exact max so that log1p gives
 * the near-zero log-probabilities their relative accuracy; otherwise the
 * algorithm's own (reference, sum) is shifted to the max.
 */
function logNormalizer(x: FloatArray, o: number, n: number, acc: RowNormalizer): number {
  const s = acc.s;
  const twoPass = rowNormalizer(x, o, n, acc);
  const max = acc.max;
  if (!twoPass && acc.ref === max) return logOfSum(acc.sum, acc.comp);
  // Shift the sum to the max before the log (d·e^(s·(ref − max)), ref ≥ max − 64/s):
  // log d − s·(max − ref) would cancel up to 64 and lose ~6 bits.
  const L = twoPass
    ? Math.log(acc.sum + acc.comp) + kLn2MinusScaled(acc.ref, max, s)
    : Math.log(
        (acc.sum + acc.comp) * (s === 1 ? expDiff(acc.ref, max) : expScaledDiff(acc.ref, max, s)),
      );
  if (L >= Math.LN2 || Number.isNaN(L)) return L;
  normalizerThreePass(x, o, n, acc);
  return logOfSum(acc.sum, acc.comp);
}

/**
 * The arguments of one row of length n by the three-pass algorithm at scale s (softmax,
 * not log): spread into a {@link softmaxRows} call with x and y, as the normalizers that
 * work row by row do.
 */
export function oneRow(n: number, s = 1) {
  return { rows: 1, n, algorithm: 'three-pass', s, log: false } as const;
}

/**
 * Softmax (or log-softmax when `log`) of `rows` contiguous rows of length n,
 * of s·x (s = 1/temperature). `y` may be `x` (in place).
 */
export function softmaxRows({ x, y, rows, n, algorithm, s, log }: SoftmaxArgs): void {
  const acc = newNormalizer(algorithm, s);
  const scan = newRowScan();
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    if (scanRow(x, o, n, scan) !== 'finite') {
      fillPolicyRow(x, o, n, scan, y, o, log ? 'log' : 'mass');
      continue;
    }
    acc.max = scan.max;
    if (log) {
      const L = logNormalizer(x, o, n, acc);
      const max = acc.max;
      for (let i = o; i < o + n; i++) y[i] = scaledDiff(x[i]!, max, s) - L;
      continue;
    }
    const twoPass = rowNormalizer(x, o, n, acc);
    const ref = acc.ref;
    const d = acc.sum + acc.comp;
    for (let i = o; i < o + n; i++) {
      const v = x[i]!;
      let e: number;
      if (!twoPass) e = s === 1 ? expDiff(v, ref) : expScaledDiff(v, ref, s);
      else if (v === -Infinity) e = 0;
      else {
        const z = v * s;
        const mant = mantExp(z, s === 1 ? 0 : productError(v, s, z), scratchK);
        e = mant * pow2(scratchK.k - ref);
      }
      y[i] = e / d;
    }
  }
}

/**
 * out[r] = log Σ_i e^(s·x_ri) for `rows` contiguous rows (Float64 accumulation,
 * one rounding on the store). −∞ for a fully masked row, +∞ if it holds +∞,
 * NaN if it holds NaN.
 */
export function logSumExpRows({ x, out, rows, n, algorithm, s }: LogSumExpArgs): void {
  const acc = newNormalizer(algorithm, s);
  const scan = newRowScan();
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    const kind = scanRow(x, o, n, scan);
    acc.max = scan.max;
    if (kind === 'nan') out[r] = Number.NaN;
    else if (kind === 'masked') out[r] = -Infinity;
    else if (kind === 'posInf') out[r] = Infinity;
    else {
      const L = logNormalizer(x, o, n, acc);
      const z = acc.max * s;
      out[r] = z + (L + (s === 1 ? 0 : productError(acc.max, s, z)));
    }
  }
}

/**
 * Vector–Jacobian product of softmax (or log-softmax) of s·x, row by row:
 *   softmax:     dx = s · y ⊙ (dy − ⟨y, dy⟩)
 *   log-softmax: dx = s · (dy − softmax(s·x) · Σ dy)
 * The forward row is recomputed into a scratch row (no n·rows buffer).
 * −∞ entries, fully masked rows and rows holding +∞ get gradient 0.
 */
export function softmaxVjpRows({ x, dy, dx, rows, n, algorithm, s, log }: SoftmaxVjpArgs): void {
  const p = new Float64Array(n);
  const scan = newRowScan();
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    if (scanRow(x, o, n, scan) !== 'finite') {
      fillPolicyRow(x, o, n, scan, dx, o, 'gradient');
      continue;
    }
    softmaxRows({ x: x.subarray(o, o + n), y: p, rows: 1, n, algorithm, s, log: false });
    // g = ⟨p, dy⟩ (softmax) or Σ dy (log-softmax), compensated.
    let g = 0;
    let c = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[o + i]!;
      if (xi === -Infinity) continue;
      const v = log ? dy[o + i]! : p[i]! * dy[o + i]!;
      const t = g + v;
      c += sumError(g, v, t);
      g = t;
    }
    g += c;
    for (let i = 0; i < n; i++) {
      const xi = x[o + i]!;
      if (xi === -Infinity) dx[o + i] = 0;
      else dx[o + i] = log ? s * (dy[o + i]! - p[i]! * g) : s * p[i]! * (dy[o + i]! - g);
    }
  }
}
