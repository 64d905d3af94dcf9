/**
 * Row kernels of the uncertainty scores (src/calibration/scores.ts): one value
 * per contiguous row of length n, s = 1/T. Each row is scanned once for the
 * non-finite policy (row-policy.ts), then summed against its max m with the
 * difference carried exactly (expScaledDiff) and Neumaier compensation, so
 * d = Σ e^(s·(x − m)) ≥ 1 is accurate to ~2 ulp.
 *
 * Policy per score: a NaN row gives NaN; a fully masked row (all −∞) is the
 * softmax of zeros: probability scores 0, entropy 0, maxLogit −∞ and energy +∞
 * (the limits of the logsumexp, −∞); a row holding c entries +∞ takes the
 * limit: mass 1/c at each, so MSP 1/c, margin [c = 1], entropy log c.
 */
import type { FloatArray } from '../../tensor/types.js';
import {
  addCompensated,
  type CompensatedSum,
  expScaledDiff,
  logOfSum,
  scaledDiff,
} from './exact.js';
import { newRowScan, type RowScan, scanRow } from './row-policy.js';

/** What a kernel writes for a row that is not finite, or undefined for ordinary math. */
type PolicyValue = (s: RowScan) => number;

function rowsWithPolicy(
  x: FloatArray,
  out: FloatArray,
  rows: number,
  n: number,
  masked: number,
  posInf: PolicyValue,
  finite: (o: number, m: number, acc: CompensatedSum) => number,
): void {
  const scan = newRowScan();
  const acc: CompensatedSum = { sum: 0, comp: 0 };
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    const kind = scanRow(x, o, n, scan);
    if (kind === 'nan') out[r] = Number.NaN;
    else if (kind === 'masked') out[r] = masked;
    else if (kind === 'posInf') out[r] = posInf(scan);
    else {
      acc.sum = 0;
      acc.comp = 0;
      out[r] = finite(o, scan.max, acc);
    }
  }
}

/** d = Σ_i e^(s·(x_i − m)) into acc (m the finite row max). */
function expSum(x: FloatArray, o: number, n: number, m: number, s: number, acc: CompensatedSum) {
  for (let i = o; i < o + n; i++) addCompensated(acc, expScaledDiff(x[i]!, m, s));
}

/** max_i softmax(x/T)_i = 1 / Σ e^(s·(x − m)). */
export function maxSoftmaxRows(x: FloatArray, out: FloatArray, rows: number, n: number, s: number) {
  rowsWithPolicy(
    x,
    out,
    rows,
    n,
    0,
    (sc) => 1 / sc.posInf,
    (o, m, acc) => {
      expSum(x, o, n, m, s, acc);
      return 1 / (acc.sum + acc.comp);
    },
  );
}

/** max_i x_i (NaN row: NaN; masked: −∞). */
export function maxLogitRows(x: FloatArray, out: FloatArray, rows: number, n: number) {
  rowsWithPolicy(
    x,
    out,
    rows,
    n,
    -Infinity,
    () => Infinity,
    (_o, m) => m,
  );
}

/** p₍₁₎ − p₍₂₎ = −expm1(s·(x₍₂₎ − x₍₁₎)) / d; a length-1 row gives 1. */
export function marginRows(x: FloatArray, out: FloatArray, rows: number, n: number, s: number) {
  rowsWithPolicy(
    x,
    out,
    rows,
    n,
    0,
    (sc) => (sc.posInf === 1 ? 1 : 0),
    (o, m, acc) => {
      let second = -Infinity;
      let seenMax = false;
      for (let i = o; i < o + n; i++) {
        const v = x[i]!;
        if (v === m && !seenMax) seenMax = true;
        else if (v > second) second = v;
      }
      expSum(x, o, n, m, s, acc);
      const gap = second === -Infinity ? 1 : 0 - Math.expm1(scaledDiff(second, m, s)); // a tie: +0
      return gap / (acc.sum + acc.comp);
    },
  );
}

/** −T·logsumexp(x/T) = −(m + T·log d). */
export function energyRows(x: FloatArray, out: FloatArray, rows: number, n: number, s: number) {
  rowsWithPolicy(
    x,
    out,
    rows,
    n,
    Infinity,
    () => -Infinity,
    (o, m, acc) => {
      expSum(x, o, n, m, s, acc);
      return -(m + logOfSum(acc.sum, acc.comp) / s);
    },
  );
}

/**
 * Entropy of softmax(x/T): H = log d + Σ e_i·(−z_i) / d with z_i = s·(x_i − m) ≤ 0,
 * e_i = e^(z_i): two non-negative terms, no cancellation.
 */
export function entropyLogitRows(
  x: FloatArray,
  out: FloatArray,
  rows: number,
  n: number,
  s: number,
) {
  const w: CompensatedSum = { sum: 0, comp: 0 };
  rowsWithPolicy(
    x,
    out,
    rows,
    n,
    0,
    (sc) => Math.log(sc.posInf),
    (o, m, acc) => {
      w.sum = 0;
      w.comp = 0;
      for (let i = o; i < o + n; i++) {
        const z = scaledDiff(x[i]!, m, s);
        if (z === -Infinity) continue;
        const e = expScaledDiff(x[i]!, m, s);
        addCompensated(acc, e);
        addCompensated(w, -z * e);
      }
      const d = acc.sum + acc.comp;
      return logOfSum(acc.sum, acc.comp) + (w.sum + w.comp) / d;
    },
  );
}

/** −Σ p_i log p_i of probability rows, 0·log 0 = 0 (terms with p_i = 0 skipped), Neumaier-summed. */
export function entropyProbabilityRows(p: FloatArray, out: FloatArray, rows: number, n: number) {
  const acc: CompensatedSum = { sum: 0, comp: 0 };
  for (let r = 0; r < rows; r++) {
    acc.sum = 0;
    acc.comp = 0;
    for (let i = r * n; i < (r + 1) * n; i++) {
      const v = p[i]!;
      if (v !== 0) addCompensated(acc, -v * Math.log(v));
    }
    out[r] = acc.sum + acc.comp;
  }
}
