/**
 * Masks and biases: the logit of query i (aligned position p = i + keys − queries)
 * and key j in head h of batch item b,
 *
 *   x_ij = c_i·(t_i·scale·(q_i·k_j) + β_ij),
 *   β_ij = mask_ij − slope_h·|p − j| ± (C_p − C_j) + bias_sigmoid,
 *
 * with t_i the selective per-query scale (`queryScale`), c_i = μ·log n_i the length
 * factor of ssmax/LSSA (n_i = keys visible to row i), ALiBi (Press et al. 2022,
 * arXiv:2108.12409) and the forget-gate bias of the Forgetting Transformer (Lin et
 * al. 2025, arXiv:2503.02130): C = cumsum(logForget), β = Σ_{l=j+1}^{p} logForget_l for
 * j ≤ p and Σ_{l=p+1}^{j} for j > p (C_p = 0 for p < 0). Structural masks — causal,
 * sliding window and key padding — leave each row one visible interval [lo_i, hi_i),
 * nondecreasing in i, so a tile is skipped, or needs no per-element test, by
 * comparing two rows' bounds; a boolean mask (0 = hidden) and −∞ additive entries
 * hide single keys. Hidden logits are −∞.
 */
import type { AttentionProblem } from './problem.js';

/** One block of query rows of one (batch item, head), with their per-row data. */
export interface QueryBlock {
  b: number;
  h: number;
  i0: number;
  rows: number;
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  /** scale·t_i. */
  readonly rowScale: Float64Array;
  /** The length factor c_i (1 when the normalizer has none). */
  readonly factor: Float64Array;
  /** The keys any row of the block sees: [from, to) (from = to when none). */
  from: number;
  to: number;
}

export function newQueryBlock(blockSize: number): QueryBlock {
  return {
    b: 0,
    h: 0,
    i0: 0,
    rows: 0,
    lo: new Int32Array(blockSize),
    hi: new Int32Array(blockSize),
    rowScale: new Float64Array(blockSize),
    factor: new Float64Array(blockSize),
    from: 0,
    to: 0,
  };
}

/** Is key j hidden from query row i by the mask alone? */
function maskHides(p: AttentionProblem, b: number, h: number, i: number, j: number): boolean {
  const mk = p.mask!;
  const [sb, sh, sq, sk] = mk.strides;
  const at = b * sb + h * sh + i * sq + j * sk;
  return mk.boolean !== null ? mk.boolean[at] === 0 : mk.additive![at] === Number.NEGATIVE_INFINITY;
}

/** Fill the block's visible intervals, row scales, length factors and key range. */
export function setQueryBlock(
  p: AttentionProblem,
  blk: QueryBlock,
  b: number,
  h: number,
  i0: number,
  rows: number,
): void {
  blk.b = b;
  blk.h = h;
  blk.i0 = i0;
  blk.rows = rows;
  const len = p.keyLengths === null ? p.keys : p.keyLengths[b]!;
  const mu = p.lengthFactor;
  const qs = p.queryScale;
  const qBase = (b * p.heads + h) * p.queries;
  let from = Number.POSITIVE_INFINITY;
  let to = 0;
  for (let r = 0; r < rows; r++) {
    const i = i0 + r;
    const pos = i + p.keys - p.queries;
    const lo = Math.max(0, pos - p.window + 1);
    const hi = Math.min(len, p.causal ? pos + 1 : pos + p.window);
    blk.lo[r] = lo;
    blk.hi[r] = Math.max(lo, hi);
    if (lo < hi) {
      from = Math.min(from, lo);
      to = Math.max(to, hi);
    }
    blk.rowScale[r] = qs === null ? p.scale : p.scale * qs[qBase + i]!;
    if (mu === null) blk.factor[r] = 1;
    else {
      let n = Math.max(0, hi - lo);
      if (p.mask !== null) for (let j = lo; j < hi; j++) if (maskHides(p, b, h, i, j)) n--;
      blk.factor[r] = n > 1 ? mu * Math.log(n) : 0;
    }
  }
  blk.from = Math.min(from, to);
  blk.to = to;
}

/** Every row of the block sees every key of [j0, j0 + cols) structurally. */
export function tileInterior(blk: QueryBlock, j0: number, cols: number): boolean {
  return blk.lo[blk.rows - 1]! <= j0 && blk.hi[0]! >= j0 + cols;
}

/**
 * The logits are x_ij = rowScale_i·(q_i·k_j) on interior tiles: no mask, bias or
 * length factor.
 */
export function plainLogits(p: AttentionProblem): boolean {
  return (
    p.mask === null &&
    p.alibiSlopes === null &&
    p.forgetCumsum === null &&
    (p.kind?.name !== 'sigmoid' || p.sigmoidBias === 0) &&
    p.lengthFactor === null
  );
}

/**
 * Turn raw dot products R[r·cols + c] = q_{i0+r}·k_{j0+c} into logits X (X may be R).
 * `interior` skips the per-element interval test.
 */
export function buildLogits(
  p: AttentionProblem,
  blk: QueryBlock,
  j0: number,
  cols: number,
  R: Float64Array,
  X: Float64Array,
  interior: boolean,
): void {
  const { b, h, rows } = blk;
  const mk = p.mask;
  const slope = p.alibiSlopes === null ? 0 : p.alibiSlopes[h]!;
  const C = p.forgetCumsum;
  const cBase = (b * p.heads + h) * p.keys;
  const sigmoidBias = p.kind?.name === 'sigmoid' ? p.sigmoidBias : 0;
  const hasBias = slope !== 0 || C !== null || sigmoidBias !== 0;
  const [sb, sh, sq, sk] = mk === null ? [0, 0, 0, 0] : mk.strides;
  for (let r = 0; r < rows; r++) {
    const i = blk.i0 + r;
    const pos = i + p.keys - p.queries;
    const rs = blk.rowScale[r]!;
    const c = blk.factor[r]!;
    const lo = interior ? j0 : blk.lo[r]!;
    const hi = interior ? j0 + cols : blk.hi[r]!;
    const o = r * cols - j0;
    const cp = C === null || pos < 0 ? 0 : C[cBase + pos]!;
    for (let j = j0; j < j0 + cols; j++) {
      if (j < lo || j >= hi) {
        X[o + j] = Number.NEGATIVE_INFINITY;
        continue;
      }
      let x = rs * R[o + j]!;
      if (mk !== null) {
        const at = b * sb + h * sh + i * sq + j * sk;
        if (mk.boolean !== null) {
          if (mk.boolean[at] === 0) x = Number.NEGATIVE_INFINITY;
        } else x += mk.additive![at]!;
      }
      if (hasBias) {
        x += sigmoidBias - slope * Math.abs(pos - j);
        if (C !== null) x += j <= pos ? cp - C[cBase + j]! : C[cBase + j]! - cp;
      }
      X[o + j] = c === 1 || x === Number.NEGATIVE_INFINITY ? x : c * x;
    }
  }
}

/**
 * The backward of {@link buildLogits} for the learnable inputs: given dZ = ∂L/∂z
 * (z = x / c), add ∂L/∂t_i = scale·Σ_j dZ_ij·R_ij into dQueryScale and the forget-gate
 * terms into dC (∂L/∂C_t; reverse-cumsummed into ∂L/∂logForget at the end).
 */
export function logitsBackward(
  p: AttentionProblem,
  blk: QueryBlock,
  j0: number,
  cols: number,
  R: Float64Array,
  dZ: Float64Array,
  dQueryScale: Float64Array | null,
  dC: Float64Array | null,
): void {
  const { b, h, rows } = blk;
  const base = (b * p.heads + h) * p.queries;
  const cBase = (b * p.heads + h) * p.keys;
  for (let r = 0; r < rows; r++) {
    const i = blk.i0 + r;
    const pos = i + p.keys - p.queries;
    const o = r * cols - j0;
    let st = 0;
    let sc = 0;
    for (let j = j0; j < j0 + cols; j++) {
      const d = dZ[o + j]!;
      if (d === 0) continue;
      if (dQueryScale !== null) st += d * R[o + j]!;
      if (dC !== null) {
        const sd = j <= pos ? d : -d;
        sc += sd;
        dC[cBase + j] = dC[cBase + j]! - sd;
      }
    }
    if (dQueryScale !== null) dQueryScale[base + i] = dQueryScale[base + i]! + p.scale * st;
    if (dC !== null && pos >= 0) dC[cBase + pos] = dC[cBase + pos]! + sc;
  }
}
