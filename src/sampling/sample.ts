/**
 * sample(logits, options) — one token per row, drawn exactly from the processed
 * distribution.
 *
 * The chain (default order, llama.cpp's): logit bias → penalties → n-gram bans →
 * DRY → top-nσ → top-k → typical → top-p → min-p → ε → η → XTC → temperature →
 * draw. `order` changes it: HF's `generate` applies temperature first
 * (`['temperature', 'topK', 'topP', …]`), so its truncation sees tempered
 * probabilities, while llama.cpp truncates on temperature-1 logits and tempers
 * the survivors only. Unset steps are skipped.
 *
 * The draw: inverse CDF on the kept set, in token-index order — the first token
 * whose cumulative weight e^(l − max) exceeds u·Z, with one uniform
 * u = Philox(seed, step, row) (src/sampling/streams.ts). Chosen over the
 * Gumbel-max / exponential race because it needs one random number per row
 * instead of one per kept token, so a draw over 100,000 kept tokens costs one
 * Philox block, and it is exact up to the rounding of the cumulative sum
 * (≤ m·2^−53 relative for m kept tokens). Rows are independent, so the result is
 * the same for any order or thread count, on every engine.
 *
 * `logprobs` are ln p of the chosen token under the final distribution
 * (softmax of the kept, tempered logits); at temperature 0 the first maximum is
 * taken and the log-probabilities are those of the kept set at temperature 1
 * (the distribution greedy decodes from; a point mass would report 0 always).
 * `rawLogprobs` adds log-softmax of the raw logits at the chosen token;
 * `topLogprobs: n` the n most probable tokens of the final distribution
 * ([rows, min(n, vocabulary)], ties by lower token; −1 / −∞ when fewer are kept).
 *
 * A row holding NaN or +∞, or with no token left (all −∞, banned or masked),
 * throws INVALID_INPUT naming the row.
 *
 * @example
 * const { tokens, logprobs } = sample(new Float32Array([1, 2, 3, 0.5]), {
 *   seed: 42, topK: 3, topP: 0.9, temperature: 0.8,
 * });
 */

import { resolveBackend } from '../kernels/backend.js';
import {
  type Candidates,
  candidatesFor,
  drawWeighted,
  firstMax,
  weights,
} from '../kernels/sampling-candidates.js';
import { newTopKState, type TopKState, topKRow } from '../kernels/top-k.js';
import { resolveOptions } from '../tensor/options.js';
import { blockRows, blockTopK } from './batch-top-k.js';
import { type ChainConfig, RowChain, runChain, topKFromRaw } from './chain.js';
import { maskOffset } from './options.js';
import { LogitRows, type LogitsInput } from './rows.js';
import { chainConfig, SAMPLE_RULES, type SampleOptions } from './sample-options.js';
import { drawUniform, STREAM_DRAW } from './streams.js';

export type { SampleOptions };

/** What `sample` returns: one entry per row ([rows, min(n, vocabulary)] for topLogprobs). */
export interface SampleResult {
  tokens: Int32Array;
  logprobs: Float64Array;
  rawLogprobs?: Float64Array;
  topLogprobs?: { tokens: Int32Array; logprobs: Float64Array };
}

/** Draw one token per row of `logits`. See the module doc. */
export function sample(logits: LogitsInput, options?: SampleOptions): SampleResult {
  const o = resolveOptions('sample', options, SAMPLE_RULES);
  const rows = new LogitRows('sample', logits, o.shape, o.axis, o.position);
  return sampleRows('sample', rows, chainConfig('sample', o), o.seed, o.step, o);
}

/** Picks the position of the token to emit from the final candidates (default: greedy or draw). */
export type Terminal = (rc: RowChain, u: number) => number;

/** The per-row loop of `sample` and of a sampler; `terminal` replaces the draw (mirostat). */
export function sampleRows(
  fn: string,
  rows: LogitRows,
  cfg: ChainConfig,
  seed: number,
  step: number,
  out: { rawLogprobs: boolean; topLogprobs: number },
  terminal?: Terminal,
): SampleResult {
  const R = rows.rows;
  const n = rows.n;
  const tokens = new Int32Array(R);
  const logprobs = new Float64Array(R);
  const raw = out.rawLogprobs ? new Float64Array(R) : undefined;
  const topN = Math.min(out.topLogprobs, n); // no more columns than tokens
  const top =
    topN > 0
      ? {
          tokens: new Int32Array(R * topN).fill(-1),
          logprobs: new Float64Array(R * topN).fill(-Infinity),
        }
      : undefined;
  const rc = new RowChain(
    fn,
    scratchCandidates(n),
    scratchTopK(Math.min(n, (cfg.topK ?? 0) + 128)),
  );
  rc.backend = resolveBackend(fn, cfg.backend, R * n, rows.float32);
  // a batch's top-k buffers a block of rows ahead (the backend's pool), room for h edits
  const ahead = R > 1 && topKFromRaw(cfg) ? Math.min(n, cfg.topK! + AHEAD_EDITS) : 0;
  const per = blockRows(n);
  const st0 = newTopKState(Math.max(topN, 0));
  const rowOf = (r: number): void => {
    rows.read(r);
    rc.a = rows.a;
    rc.o = rows.o;
    rc.n = n;
    rc.row = r;
    rc.rows = R;
    const maskAt = cfg.allowed === undefined ? 0 : maskOffset(fn, cfg.allowed, r, R, n);
    runChain(rc, cfg, seed, step, maskAt);
    const u = drawUniform(seed, step, r, STREAM_DRAW);
    const c = rc.c;
    let z: number;
    let j: number;
    if (terminal !== undefined) {
      j = terminal(rc, u);
      z = weights(c);
    } else {
      z = weights(c);
      j = rc.greedy ? firstMax(c) : drawWeighted(c, z, u);
    }
    tokens[r] = c.idx[j]!;
    const mx = c.val[firstMax(c)]!;
    const lnZ = Math.log(z);
    logprobs[r] = c.val[j]! - mx - lnZ;
    if (raw !== undefined) {
      topKRow(rows.a, rows.o, n, 0, st0);
      raw[r] = rows.a[rows.o + tokens[r]!]! - st0.ref - Math.log(st0.sum + st0.comp);
    }
    if (top !== undefined) topLogprobsOf(c, topN, mx, lnZ, st0, top, r * topN);
  };
  const backend = rc.backend;
  for (let r0 = 0; r0 < R; r0 += per) {
    const t = Math.min(per, R - r0);
    let r = r0;
    if (ahead > 0) {
      // the rows whose buffers are final run their chain while the pool selects the next
      // ones (a pipeline); meanwhile a row's own backend call falls back to the JS kernel
      let failed: { error: unknown } | undefined;
      rc.batch = blockTopK(backend, rows, ahead, false, r0, t, rc.batch, (batch, q, u) => {
        if (failed !== undefined) return;
        rc.batch = batch;
        rc.backend = undefined;
        try {
          for (; r < r0 + q + u; r++) {
            rc.batchRow = r - r0;
            rowOf(r);
          }
        } catch (error) {
          failed = { error };
        } finally {
          rc.backend = backend;
        }
      });
      if (failed !== undefined) throw failed.error;
    }
    for (; r < r0 + t; r++) {
      rc.batchRow = r - r0;
      rowOf(r);
    }
  }
  return {
    tokens,
    logprobs,
    ...(raw !== undefined && { rawLogprobs: raw }),
    ...(top !== undefined && { topLogprobs: top }),
  };
}

/**
 * Tokens a batch's top-k buffers hold beyond k, for the tokens the edits before it
 * change (a row with more edited tokens among its buffer gets one call of its own).
 */
const AHEAD_EDITS = 8;

// One candidate list and one top-k buffer, reused across calls (sampling is synchronous).
let candidates: Candidates | undefined;
let buffer: TopKState | undefined;

function scratchCandidates(n: number): Candidates {
  candidates = candidatesFor(candidates, n);
  return candidates;
}

function scratchTopK(k: number): TopKState {
  if (buffer === undefined || buffer.values.length < k) buffer = newTopKState(k);
  return buffer;
}

/** The n most probable candidates (selection pass, ties by lower token) into top at `at`. */
function topLogprobsOf(
  c: Candidates,
  n: number,
  mx: number,
  lnZ: number,
  st: TopKState,
  top: { tokens: Int32Array; logprobs: Float64Array },
  at: number,
): void {
  topKRow(c.val, 0, c.m, Math.min(n, c.m), st, false);
  for (let j = 0; j < st.count; j++) {
    top.tokens[at + j] = c.idx[st.indices[j]!]!;
    top.logprobs[at + j] = st.values[j]! - mx - lnZ;
  }
}
