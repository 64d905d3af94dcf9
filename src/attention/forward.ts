/**
 * The attention forward over every (batch item, head, block of query rows).
 *
 * Online normalizers: the keys a block sees ([from, to) of its visible intervals,
 * so fully masked tiles — above the causal diagonal, outside the window, padding —
 * are never computed) are folded tile by tile into the rows' (m, l, acc) states;
 * extra memory is O(blockSize·(blockSize + valueDim)), never O(queries·keys).
 *
 * Flash-decoding (Dao, Haziza, Massa & Sizov 2023): a single query row against a
 * long cache splits its keys into chunks whose partial states are computed
 * independently and merged exactly (the same math a worker pool uses; here the
 * chunks run on one thread).
 *
 * Fused heads: softmax with plain logits (no mask array, bias, sink, temperature or
 * length factor) goes, head by head, to the backend's fused kernel
 * (../kernels/flash-dispatch.ts; the WebAssembly one splits decoding's keys across
 * the worker pool) when it has one; its row states are finished here as the
 * JavaScript path's are. `backend: 'js'` keeps every head on the JavaScript path.
 *
 * Materialized normalizers (sparsemax, entmax15, any registry entry): one block of
 * query rows against all the keys it sees, memory O(blockSize·keys).
 */
import { type FlashHead, flashAttentionHead } from '../kernels/flash-dispatch.js';
import { gemmNN, gemmNT } from '../kernels/gemm.js';
import type { FloatArray } from '../tensor/types.js';
import {
  buildLogits,
  newQueryBlock,
  plainLogits,
  type QueryBlock,
  setQueryBlock,
} from './logits.js';
import { type AttentionProblem, callEntry } from './problem.js';
import {
  finishRows,
  foldKeys,
  initRowStates,
  mergeRowStates,
  newRowStates,
  type RowStates,
} from './row-state.js';

/** Keys per chunk of split-key decoding. */
const DECODE_CHUNK = 2048;

/** Where the forward writes: out (input type, gated) and optional Float64 ungated copy and L. */
export interface ForwardTargets {
  readonly out: FloatArray | null;
  readonly out64: Float64Array | null;
  readonly lse: Float64Array | null;
}

/**
 * Materialized tile: x ← logits of keys [from, to) for the block, P = f(x) by the
 * registry entry (rows of length to − from; hidden keys are −∞), acc = P·V.
 * Returns P (rows × (to − from)).
 */
export function materializedWeights(
  p: AttentionProblem,
  blk: QueryBlock,
  from: number,
  to: number,
  S: Float64Array,
): FloatArray {
  const cols = to - from;
  const kvh = Math.floor(blk.h / p.group);
  const kBase = (blk.b * p.kvHeads + kvh) * p.keys;
  const Q = {
    data: p.q,
    offset: ((blk.b * p.heads + blk.h) * p.queries + blk.i0) * p.dim,
    ld: p.dim,
  };
  const X = S.subarray(0, blk.rows * cols);
  gemmNT(
    {
      m: blk.rows,
      n: cols,
      k: p.dim,
      A: Q,
      B: { data: p.k, offset: (kBase + from) * p.dim, ld: p.dim },
      C: {
        data: X,
        offset: 0,
        ld: cols,
      },
      beta: 0,
    },
    p.backend,
  );
  buildLogits(p, blk, from, cols, X, X, false);
  return callEntry(p, () => p.entry!.forward(X, { ...p.entryOptions, shape: [blk.rows, cols] }));
}

function materializedBlock(
  p: AttentionProblem,
  blk: QueryBlock,
  st: RowStates,
  S: Float64Array,
): void {
  const { from, to } = blk;
  const dv = p.valueDim;
  st.acc.fill(0, 0, blk.rows * dv);
  if (from >= to) return;
  const P = materializedWeights(p, blk, from, to, S);
  const vBase = ((blk.b * p.kvHeads + Math.floor(blk.h / p.group)) * p.keys + from) * dv;
  gemmNN(
    {
      m: blk.rows,
      n: dv,
      k: to - from,
      A: { data: P, offset: 0, ld: to - from },
      B: {
        data: p.v,
        offset: vBase,
        ld: dv,
      },
      C: { data: st.acc, offset: 0, ld: dv },
      beta: 0,
    },
    p.backend,
  );
}

/** Split-key decoding of a block: chunks folded from empty states, then merged in order. */
function decodeBlock(
  p: AttentionProblem,
  blk: QueryBlock,
  st: RowStates,
  part: RowStates,
  S: Float64Array,
): void {
  const { from, to } = blk;
  initRowStates(p, blk, st, true);
  for (let c0 = from; c0 < to; c0 += DECODE_CHUNK) {
    initRowStates(p, blk, part, false);
    foldKeys(p, blk, part, c0, Math.min(to, c0 + DECODE_CHUNK), S);
    mergeRowStates(st, part, blk.rows, p.valueDim);
  }
}

/**
 * Are the heads the fused kernels' kind (softmax, plain logits, no temperature or sink)?
 * Heads of the JavaScript path's other kinds and options stay there.
 */
export function plainSoftmax(p: AttentionProblem): boolean {
  return p.kind?.name === 'softmax' && plainLogits(p) && p.queryScale === null && p.sinks === null;
}

/** The head's operands and structural masks for the fused kernels. */
export function flashHead(p: AttentionProblem, b: number, h: number): FlashHead {
  const kv = b * p.kvHeads + Math.floor(h / p.group);
  return {
    q: p.q,
    qOffset: (b * p.heads + h) * p.queries * p.dim,
    k: p.k,
    kOffset: kv * p.keys * p.dim,
    v: p.v,
    vOffset: kv * p.keys * p.valueDim,
    queries: p.queries,
    keys: p.keys,
    dim: p.dim,
    valueDim: p.valueDim,
    scale: p.scale,
    causal: p.causal,
    window: p.window,
    keyLength: p.keyLengths === null ? p.keys : p.keyLengths[b]!,
    blockSize: p.blockSize,
  };
}

/** Head (b, h) by the backend's fused kernel, finished into the targets; false if declined. */
function fusedHead(
  p: AttentionProblem,
  t: ForwardTargets,
  blk: QueryBlock,
  b: number,
  h: number,
): boolean {
  const bs = p.blockSize;
  const dv = p.valueDim;
  return flashAttentionHead(p.backend, flashHead(p, b, h), (st) => {
    for (let i0 = 0; i0 < p.queries; i0 += bs) {
      const rows = Math.min(bs, p.queries - i0);
      setQueryBlock(p, blk, b, h, i0, rows);
      const part = {
        m: st.m.subarray(i0, i0 + rows),
        l: st.l.subarray(i0, i0 + rows),
        acc: st.acc.subarray(i0 * dv, (i0 + rows) * dv),
      };
      if (t.out !== null) finishRows(p, blk, part, t.out, true, t.lse);
      if (t.out64 !== null) finishRows(p, blk, part, t.out64, false, t.lse);
    }
  });
}

/** Run the forward for every (b, h, query block) into the targets. */
export function attentionForward(p: AttentionProblem, t: ForwardTargets): void {
  const bs = p.blockSize;
  const blk = newQueryBlock(bs);
  const st = newRowStates(bs, p.valueDim);
  const online = p.kind !== null;
  const decode = online && p.queries === 1 && p.keys > 2 * DECODE_CHUNK;
  const part = decode ? newRowStates(bs, p.valueDim) : null;
  const S = new Float64Array(bs * (online ? Math.min(bs, p.keys) : p.keys));
  const fused = p.backend.flashAttention !== undefined && plainSoftmax(p);
  for (let b = 0; b < p.batch; b++)
    for (let h = 0; h < p.heads; h++) {
      if (fused && fusedHead(p, t, blk, b, h)) continue;
      for (let i0 = 0; i0 < p.queries; i0 += bs) {
        setQueryBlock(p, blk, b, h, i0, Math.min(bs, p.queries - i0));
        if (!online) materializedBlock(p, blk, st, S);
        else if (part !== null) decodeBlock(p, blk, st, part, S);
        else {
          initRowStates(p, blk, st, true);
          foldKeys(p, blk, st, blk.from, blk.to, S);
        }
        if (t.out !== null) finishRows(p, blk, st, t.out, true, t.lse);
        if (t.out64 !== null) finishRows(p, blk, st, t.out64, false, t.lse);
      }
    }
}
