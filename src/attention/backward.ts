/**
 * The attention backward, FlashAttention-2 style (Dao 2023, arXiv:2307.08691): the
 * forward saved only each row's L = m + log D; the scores of every (query block,
 * key tile) are recomputed, P and dX = a·(dO·vᵀ) − b·Δ come from the online kind's
 * `grads` (Δ_i = ⟨O_i, dO_i⟩), then
 *   dV += Pᵀ·dO,  dRaw = scale·t_i·c_i·dX,  dQ += dRaw·K,  dK += dRawᵀ·Q,
 * with no O(queries·keys) buffer: extra memory O(blockSize² + keys·(dim + valueDim))
 * (the Float64 accumulators of dK and dV of one key/value head). Tiles no row sees
 * are skipped as in the forward. Materialized normalizers recompute P for one block
 * of query rows against all keys and take dX from their registry vjp. Softmax heads
 * with plain logits go, head by head, to the backend's fused backward when it has one
 * (../kernels/flash-dispatch.ts: the same FlashAttention-2 step in WebAssembly), with
 * the head's Δ and Float64 dQ (O(queries·dim)) as extra memory.
 */
import { flashAttentionVjpHead } from '../kernels/flash-dispatch.js';
import { gemmNN, gemmNT, gemmTN } from '../kernels/gemm.js';
import { unfoldTileRows } from '../kernels/js/attention-fold.js';
import type { FloatArray } from '../tensor/types.js';
import { flashHead, materializedWeights, plainSoftmax } from './forward.js';
import {
  buildLogits,
  logitsBackward,
  newQueryBlock,
  plainLogits,
  type QueryBlock,
  setQueryBlock,
  tileInterior,
} from './logits.js';
import { type AttentionProblem, callEntry } from './problem.js';

/** Inputs of the backward beyond the problem: the ungated dO, O and L of the forward. */
export interface BackwardInputs {
  /** ∂L/∂(ungated out), [batch, heads, queries, valueDim]. */
  readonly dO: FloatArray;
  readonly out64: Float64Array;
  readonly lse: Float64Array;
}

/** Gradient buffers; the optional ones are null when their input is absent. */
export interface BackwardTargets {
  readonly dq: FloatArray;
  readonly dk: FloatArray;
  readonly dv: FloatArray;
  readonly dSinks: Float64Array | null;
  readonly dQueryScale: Float64Array | null;
  /** ∂L/∂C_t of the cumulative log forget values (reverse-cumsummed by the caller). */
  readonly dC: Float64Array | null;
}

interface Scratch {
  readonly blk: QueryBlock;
  readonly R: Float64Array;
  readonly X: Float64Array;
  readonly G: Float64Array;
  readonly dq: Float64Array;
  readonly dk: Float64Array;
  readonly dv: Float64Array;
  readonly delta: Float64Array;
}

/** Δ_i = ⟨O_i, dO_i⟩ for output rows [row0, row0 + rows) into delta. */
function rowDeltas(
  p: AttentionProblem,
  inp: BackwardInputs,
  row0: number,
  rows: number,
  delta: Float64Array,
): void {
  const dv = p.valueDim;
  for (let r = 0; r < rows; r++) {
    let d = 0;
    for (let c = (row0 + r) * dv; c < (row0 + r + 1) * dv; c++) d += inp.out64[c]! * inp.dO[c]!;
    delta[r] = d;
  }
}

/** Head (b, h) by the backend's fused backward: dq of the head into dq64; false if declined. */
function fusedHead(
  p: AttentionProblem,
  s: Scratch,
  inp: BackwardInputs,
  b: number,
  h: number,
  head: { readonly delta: Float64Array; readonly dq: Float64Array },
): boolean {
  const row0 = (b * p.heads + h) * p.queries;
  rowDeltas(p, inp, row0, p.queries, head.delta);
  return flashAttentionVjpHead(p.backend, flashHead(p, b, h), {
    dO: inp.dO,
    dOOffset: row0 * p.valueDim,
    lse: inp.lse.subarray(row0, row0 + p.queries),
    delta: head.delta,
    dq: head.dq,
    dk: s.dk,
    dv: s.dv,
  });
}

/** ∂L/∂sink_h: the sink is a key of value 0, so only its normalizer term has a gradient. */
function sinkGrad(p: AttentionProblem, s: Scratch, inp: BackwardInputs, dSinks: Float64Array) {
  const kind = p.kind!;
  const row0 = (s.blk.b * p.heads + s.blk.h) * p.queries + s.blk.i0;
  const x = new Float64Array(1);
  const g = new Float64Array(1);
  let sum = 0;
  for (let r = 0; r < s.blk.rows; r++) {
    const L = inp.lse[row0 + r]!;
    if (L === Number.NEGATIVE_INFINITY) continue;
    const c = s.blk.factor[r]!;
    x[0] = c * p.sinks![s.blk.h]!;
    g[0] = 0;
    kind.grads(x, g, 0, 1, L, s.delta[r]!);
    sum += c * g[0]!;
  }
  dSinks[s.blk.h] = dSinks[s.blk.h]! + sum;
}

/**
 * Keys [j0, j0 + cols) of the block: given R (raw q·k), X ← P and G ← dX, fold them
 * into dV, dQ, dK and the learnable-input gradients. `raw`: G already holds
 * dRaw = rowScale·dX (plain logits, no learnable logit inputs).
 */
function accumulateTile(
  p: AttentionProblem,
  s: Scratch,
  inp: BackwardInputs,
  out: BackwardTargets,
  j0: number,
  cols: number,
  raw: boolean,
): void {
  const { blk } = s;
  const { dim, valueDim: dv } = p;
  const rows = blk.rows;
  if (!raw) {
    for (let r = 0; r < rows; r++) {
      const c = blk.factor[r]!;
      if (c !== 1) for (let o = r * cols; o < (r + 1) * cols; o++) s.G[o] = s.G[o]! * c;
    }
    if (out.dQueryScale !== null || out.dC !== null)
      logitsBackward(p, blk, j0, cols, s.R, s.G, out.dQueryScale, out.dC);
  }
  const dOff = ((blk.b * p.heads + blk.h) * p.queries + blk.i0) * dv;
  const P = { data: s.X, offset: 0, ld: cols };
  gemmTN(
    {
      m: cols,
      n: dv,
      k: rows,
      A: P,
      B: { data: inp.dO, offset: dOff, ld: dv },
      C: {
        data: s.dv,
        offset: j0 * dv,
        ld: dv,
      },
      beta: 1,
    },
    p.backend,
  );
  if (!raw)
    for (let r = 0; r < rows; r++) {
      const rs = blk.rowScale[r]!;
      for (let o = r * cols; o < (r + 1) * cols; o++) s.G[o] = s.G[o]! * rs;
    }
  const dRaw = { data: s.G, offset: 0, ld: cols };
  const kvh = Math.floor(blk.h / p.group);
  const kOff = ((blk.b * p.kvHeads + kvh) * p.keys + j0) * dim;
  gemmNN(
    {
      m: rows,
      n: dim,
      k: cols,
      A: dRaw,
      B: { data: p.k, offset: kOff, ld: dim },
      C: {
        data: s.dq,
        offset: 0,
        ld: dim,
      },
      beta: 1,
    },
    p.backend,
  );
  const qOff = ((blk.b * p.heads + blk.h) * p.queries + blk.i0) * dim;
  gemmTN(
    {
      m: cols,
      n: dim,
      k: rows,
      A: dRaw,
      B: { data: p.q, offset: qOff, ld: dim },
      C: {
        data: s.dk,
        offset: j0 * dim,
        ld: dim,
      },
      beta: 1,
    },
    p.backend,
  );
}

/** R = Q·Kᵀ and G = dO·Vᵀ for keys [j0, j0 + cols) of the block. */
function rawTiles(p: AttentionProblem, s: Scratch, inp: BackwardInputs, j0: number, cols: number) {
  const { blk } = s;
  const { dim, valueDim: dv } = p;
  const kvBase = (blk.b * p.kvHeads + Math.floor(blk.h / p.group)) * p.keys + j0;
  const row0 = (blk.b * p.heads + blk.h) * p.queries + blk.i0;
  // C = A·Bᵀ over the block's rows of A and the tile's rows of B, both of width ld
  const product = (a: FloatArray, b: FloatArray, ld: number, C: Float64Array) => {
    const A = { data: a, offset: row0 * ld, ld };
    const B = { data: b, offset: kvBase * ld, ld };
    gemmNT(
      { m: blk.rows, n: cols, k: ld, A, B, C: { data: C, offset: 0, ld: cols }, beta: 0 },
      p.backend,
    );
  };
  product(p.q, p.k, dim, s.R);
  product(inp.dO, p.v, dv, s.G);
}

function onlineBlock(p: AttentionProblem, s: Scratch, inp: BackwardInputs, out: BackwardTargets) {
  const { from, to } = s.blk;
  const kind = p.kind!;
  const { blk } = s;
  const bs = p.blockSize;
  const row0 = (blk.b * p.heads + blk.h) * p.queries + blk.i0;
  const plain = kind.exponential && plainLogits(p) && out.dQueryScale === null;
  for (let j0 = Math.floor(from / bs) * bs; j0 < to; j0 += bs) {
    const cols = Math.min(bs, to - j0);
    rawTiles(p, s, inp, j0, cols);
    const interior = tileInterior(blk, j0, cols);
    const raw = plain && interior;
    if (!raw) buildLogits(p, blk, j0, cols, s.R, s.X, interior);
    const rowScale = raw ? blk.rowScale : null;
    unfoldTileRows(s, blk.rows, cols, kind, inp.lse.subarray(row0, row0 + blk.rows), rowScale);
    accumulateTile(p, s, inp, out, j0, cols, raw);
  }
}

function materializedBlock(
  p: AttentionProblem,
  s: Scratch,
  inp: BackwardInputs,
  out: BackwardTargets,
) {
  const { from, to } = s.blk;
  const cols = to - from;
  const n = s.blk.rows * cols;
  const P = materializedWeights(p, s.blk, from, to, s.X);
  const X = Float64Array.from(s.X.subarray(0, n));
  rawTiles(p, s, inp, from, cols);
  const dX = callEntry(p, () =>
    p.entry!.vjp(X, s.G.subarray(0, n), { ...p.entryOptions, shape: [s.blk.rows, cols] }),
  );
  s.X.set(P);
  s.G.set(dX);
  accumulateTile(p, s, inp, out, from, cols, false);
}

function writeRounded(dst: FloatArray, offset: number, src: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) dst[offset + i] = src[i]!;
}

/** The backward over every (b, kv head, head of its group, query block). */
export function attentionBackward(
  p: AttentionProblem,
  inp: BackwardInputs,
  out: BackwardTargets,
): void {
  const bs = p.blockSize;
  const { dim, valueDim: dv, keys } = p;
  const tile = p.kind !== null ? Math.min(bs, keys) : keys;
  const s: Scratch = {
    blk: newQueryBlock(bs),
    R: new Float64Array(bs * tile),
    X: new Float64Array(bs * tile),
    G: new Float64Array(bs * tile),
    dq: new Float64Array(bs * dim),
    dk: new Float64Array(keys * dim),
    dv: new Float64Array(keys * dv),
    delta: new Float64Array(bs),
  };
  const fused =
    p.backend.flashAttentionVjp !== undefined && plainSoftmax(p)
      ? { delta: new Float64Array(p.queries), dq: new Float64Array(p.queries * dim) }
      : null;
  for (let b = 0; b < p.batch; b++)
    for (let kvh = 0; kvh < p.kvHeads; kvh++) {
      s.dk.fill(0);
      s.dv.fill(0);
      for (let h = kvh * p.group; h < (kvh + 1) * p.group; h++) {
        if (fused !== null && fusedHead(p, s, inp, b, h, fused)) {
          writeRounded(out.dq, (b * p.heads + h) * p.queries * dim, fused.dq, p.queries * dim);
          continue;
        }
        for (let i0 = 0; i0 < p.queries; i0 += bs) {
          setQueryBlock(p, s.blk, b, h, i0, Math.min(bs, p.queries - i0));
          s.dq.fill(0);
          if (s.blk.from < s.blk.to) {
            rowDeltas(p, inp, (b * p.heads + h) * p.queries + i0, s.blk.rows, s.delta);
            if (out.dSinks !== null) sinkGrad(p, s, inp, out.dSinks);
            if (p.kind !== null) onlineBlock(p, s, inp, out);
            else materializedBlock(p, s, inp, out);
          }
          const qOff = ((b * p.heads + h) * p.queries + i0) * dim;
          writeRounded(out.dq, qOff, s.dq, s.blk.rows * dim);
        }
      }
      const kvRow = (b * p.kvHeads + kvh) * keys;
      writeRounded(out.dk, kvRow * dim, s.dk, keys * dim);
      writeRounded(out.dv, kvRow * dv, s.dv, keys * dv);
    }
}
