/**
 * The cross-entropy row kernels: loss and gradient in one sweep over each row
 * (after the row's max), never forming log(softmax(x)).
 *
 * With a target distribution q over the n classes,
 *   lse  = log Σ_j e^(x_j) = m + log d,   m = max x,  d = Σ_j e^(x_j − m)
 *   loss = Σ_j q_j·(lse − x_j) = Σ_j q_j·((m − x_j) + log d)
 *   grad = scale · ((Σ q)·softmax(x) − q)
 * Class targets (`crossEntropyRows`): q_j = (1 − ε)·w_t·[j = t] + (ε/n)·w_j,
 * which is PyTorch's cross_entropy(weight, label_smoothing) per row; a row
 * whose target is negative (ignored) gets loss 0 and gradient 0.
 * Probability targets (`softCrossEntropyRows`): q_j = w_j·((1 − ε)·t_j + ε/n).
 *
 * Stability: (m − x_j) ≥ 0 and log d ≥ 0 are added, so the loss has no
 * cancellation even when p_t → 1 (log d through log1p); x − m is exact
 * (TwoSum), the sums (d, and the loss over the classes) are Neumaier-compensated,
 * and each e^(x_j − m) is computed once and kept in a double scratch row for the
 * gradient.
 *
 * Error bound (test/kernels/js/cross-entropy-rows.test.ts, 60-digit reference):
 * Float64 loss ≤ 1e-14 relative; each gradient entry within 8 ulp of the
 * row's scale·Σq (entries (Σq)·p − q may cancel, so the bound is on that
 * scale); Float32 gradients are the double result rounded once (≤ 1 ulp more).
 * The target's entry (and, for probability targets, a lone max's) is taken from
 * 1 − p_t = Σ_{j≠t} e_j / d, so a confident row keeps its tiny p_t − 1 to full
 * relative accuracy (f·e_t − q_t would lose it all: 8% off at a margin of 40).
 *
 * Non-finite policy: masked logits (−∞) with q_j = 0 contribute nothing; a
 * masked logit with q_j > 0 gives loss +∞ (the target is impossible). A fully
 * masked row gives loss 0, gradient 0 and lse −∞. A row holding +∞ takes the
 * limit: its c infinite entries share probability 1/c, so their terms are
 * q_j·log c and any other q_j > 0 gives +∞; lse is +∞. NaN makes its row's
 * loss, lse and gradient NaN and touches no other row.
 */
import type { FloatArray } from '../../tensor/types.js';
import type { CrossEntropyArgs, SoftCrossEntropyArgs } from '../kernel-args.js';
import { expDiff, logOfSum, sumError, sumExcept } from './exact.js';

/** Row scratch: e^(x_j − m) of the current row, in double. */
let scratch = new Float64Array(256);

function scratchRow(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
  return scratch;
}

/** What {@link rowExp} found: a finite row (with m and log d), or a special one. */
const FINITE = 0;
const MASKED = 1;
const POS_INF = 2;
const NAN_ROW = 3;

/** The result of scanning a row: kind, max m, d = Σ e^(x − m), log d. */
interface RowSum {
  kind: number;
  m: number;
  d: number;
  logD: number;
}

const rowSum: RowSum = { kind: FINITE, m: 0, d: 0, logD: 0 };

/**
 * Fill e[j] = e^(x_j − m) for a finite row and set rowSum; for a special row
 * (all −∞, holding +∞, or NaN with no finite max) set only its kind.
 * For +∞ rows e[j] = 1 on the infinite entries, 0 elsewhere, and d = their count.
 */
function rowExp(x: FloatArray, o: number, n: number, e: Float64Array): RowSum {
  let m = -Infinity;
  let nan = false;
  for (let j = 0; j < n; j++) {
    const v = x[o + j]!;
    if (v > m) m = v;
    else if (Number.isNaN(v)) nan = true;
  }
  if (nan && !Number.isFinite(m)) {
    rowSum.kind = NAN_ROW;
    return rowSum;
  }
  if (m === -Infinity) {
    rowSum.kind = MASKED;
    return rowSum;
  }
  if (m === Infinity) {
    let c = 0;
    for (let j = 0; j < n; j++) {
      const inf = x[o + j] === Infinity;
      e[j] = inf ? 1 : 0;
      if (inf) c++;
    }
    rowSum.kind = POS_INF;
    rowSum.m = m;
    rowSum.d = c;
    rowSum.logD = Math.log(c);
    return rowSum;
  }
  // Neumaier sum of e^(x − m); the largest term is the max's own 1.
  let s = 0;
  let comp = 0;
  for (let j = 0; j < n; j++) {
    const v = expDiff(x[o + j]!, m);
    e[j] = v;
    const t = s + v;
    comp += sumError(s, v, t);
    s = t;
  }
  rowSum.kind = FINITE;
  rowSum.m = m;
  rowSum.d = s + comp;
  rowSum.logD = logOfSum(s, comp);
  return rowSum;
}

/** lse − x_j for the scanned row (the +∞ row's limit: log c on its infinite entries). */
function gap(r: RowSum, xj: number): number {
  if (r.kind === POS_INF) return xj === Infinity ? r.logD : Infinity;
  return r.m - xj + r.logD;
}

/** lse of a scanned row. */
function lseOf(r: RowSum): number {
  if (r.kind === MASKED) return -Infinity;
  if (r.kind === NAN_ROW) return Number.NaN;
  if (r.kind === POS_INF) return Infinity;
  return r.m + r.logD;
}

/**
 * A row's loss from its Neumaier sum (sum, comp): sum + comp, or the sum itself once a
 * term was +∞ (an impossible target), whose compensation ∞ − ∞ is NaN.
 */
function lossOf(sum: number, comp: number): number {
  return sum === Infinity ? sum : sum + comp;
}

/** Write loss 0 / NaN and a zero / NaN gradient for a masked or NaN row. */
function specialRow(
  r: RowSum,
  o: number,
  n: number,
  loss: Float64Array,
  i: number,
  grad: FloatArray | undefined,
): boolean {
  if (r.kind !== MASKED && r.kind !== NAN_ROW) return false;
  const v = r.kind === MASKED ? 0 : Number.NaN;
  loss[i] = v;
  if (grad) grad.fill(v, o, o + n);
  return true;
}

/**
 * Per row r of `rows` contiguous rows of length n: loss[r], lse[r] and, when
 * `grad` is given, grad[r·n..] = scale[r]·((Σq)·p − q). Targets must be
 * in [0, n) or negative (ignored); the caller validates.
 */
export function crossEntropyRows(args: CrossEntropyArgs): void {
  const { x, targets, rows, n, smoothing, classWeight, scale, loss, lse, grad } = args;
  const e = scratchRow(n);
  const spread = smoothing / n;
  // Σ_j (ε/n)·w_j is the same for every row.
  let spreadSum = 0;
  if (spread > 0) for (let j = 0; j < n; j++) spreadSum += spread * (classWeight?.[j] ?? 1);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    const t = targets[r]!;
    const rs = rowExp(x, o, n, e);
    lse[r] = lseOf(rs);
    if (t < 0) {
      loss[r] = 0;
      if (grad) grad.fill(0, o, o + n);
      continue;
    }
    if (specialRow(rs, o, n, loss, r, grad)) continue;
    const hot = (1 - smoothing) * (classWeight ? classWeight[t]! : 1);
    // loss = Σ_j q_j (lse − x_j), summing only the q_j ≠ 0 terms.
    let l = hot === 0 ? 0 : hot * gap(rs, x[o + t]!);
    let lc = 0;
    if (spread > 0)
      for (let j = 0; j < n; j++) {
        const qj = spread * (classWeight ? classWeight[j]! : 1);
        if (qj === 0) continue;
        const v = qj * gap(rs, x[o + j]!);
        const u = l + v;
        lc += sumError(l, v, u);
        l = u;
      }
    loss[r] = lossOf(l, lc);
    if (!grad) continue;
    const f = (scale[r]! * (hot + spreadSum)) / rs.d;
    const s = scale[r]!;
    if (spread > 0)
      for (let j = 0; j < n; j++) grad[o + j] = f * e[j]! - s * spread * (classWeight?.[j] ?? 1);
    else for (let j = 0; j < n; j++) grad[o + j] = f * e[j]!;
    // (Σq)·p_t − q_t = spread·(W − w_t) − (Σq)·(1 − p_t), 1 − p_t = Σ_{j≠t} e_j / d:
    // a sum of positive terms, accurate when p_t → 1 (f·e_t − q_t would cancel there)
    grad[o + t] = s * (spreadSum - spread * (classWeight?.[t] ?? 1)) - f * sumExcept(e, 0, n, t);
  }
}

/**
 * Probability targets: per row r, q_j = w_j·((1 − ε)·t_rj + ε/n) with t the
 * target rows (same layout as x); loss[r] = Σ q_j (lse − x_j), lse[r], and
 * grad[r·n..] = scale[r]·((Σq)·p − q) when `grad` is given.
 */
export function softCrossEntropyRows(args: SoftCrossEntropyArgs): void {
  const { x, target, rows, n, smoothing, classWeight, scale, loss, lse, grad } = args;
  const e = scratchRow(n);
  const spread = smoothing / n;
  const keep = 1 - smoothing;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    const rs = rowExp(x, o, n, e);
    lse[r] = lseOf(rs);
    if (specialRow(rs, o, n, loss, r, grad)) continue;
    let l = 0;
    let lc = 0;
    let qSum = 0;
    for (let j = 0; j < n; j++) {
      const qj = (classWeight ? classWeight[j]! : 1) * (keep * target[o + j]! + spread);
      if (qj === 0) continue; // 0·log 0 = 0
      const v = qj * gap(rs, x[o + j]!);
      const u = l + v;
      lc += sumError(l, v, u);
      l = u;
      qSum += qj;
    }
    loss[r] = lossOf(l, lc);
    if (!grad) continue;
    const s = scale[r]!;
    const f = (s * qSum) / rs.d;
    let top = -1;
    for (let j = 0; j < n; j++) {
      const qj = (classWeight ? classWeight[j]! : 1) * (keep * target[o + j]! + spread);
      grad[o + j] = f * e[j]! - s * qj;
      if (e[j] === 1) top = top === -1 ? j : -2;
    }
    // a lone max j: (Σq)·p_j − q_j = Σ_{k≠j} q_k − (Σq)·Σ_{k≠j} e_k / d, as for class
    // targets, so that a confident one-hot row keeps its tiny p_j − 1
    if (top >= 0) {
      let others = 0;
      for (let j = 0; j < n; j++)
        if (j !== top)
          others += (classWeight ? classWeight[j]! : 1) * (keep * target[o + j]! + spread);
      grad[o + top] = s * others - f * sumExcept(e, 0, n, top);
    }
  }
}
