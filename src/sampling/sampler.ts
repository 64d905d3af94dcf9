/**
 * createSampler(options) — a stateful sampler for a decode loop: it keeps the
 * history each row has accepted (for penalties, DRY and n-gram bans), the step
 * counter (draw t uses step t, so a run is reproducible from its seed), and the
 * state of mirostat.
 *
 * Mirostat (Basu et al. 2021, "Mirostat: a neural text decoding algorithm that
 * directly controls perplexity"), as llama.cpp, after the chain (so on tempered
 * logits), with μ₀ = 2τ per row:
 * - v1: estimate the Zipf exponent ŝ = Σ t_i b_i / Σ t_i² from the 100 most
 *   probable tokens (t_i = ln((i+2)/(i+1)), b_i = ln(p_i / p_{i+1})), keep the top
 *   k = ((ε̂·2^μ) / (1 − N^(−ε̂)))^(1/ŝ) with ε̂ = ŝ − 1, N the vocabulary (ties
 *   kept; llama.cpp keeps exactly k);
 * - v2: keep the tokens with surprise −log₂ p ≤ μ (the most probable if none);
 * then draw from the renormalized set and update μ ← μ − η·(−log₂ p(x) − τ).
 *
 * @example
 * const s = createSampler({ seed: 1, topK: 40, temperature: 0.8, penalties: { repetition: 1.1 } });
 * const { tokens } = s.sample(logits); // one row of logits
 * s.accept(tokens[0]);                  // the history grows; the next call is step 1
 */
import {
  type Candidates,
  drawPosition,
  keepWhere,
  probabilities,
} from '../kernels/sampling-candidates.js';
import { cutTopK } from '../kernels/sampling-cuts.js';
import { newTopKState, topKRow } from '../kernels/top-k.js';
import { seedRule } from '../random/seed.js';
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import { axisRule, numberRule, resolveOptions, rule, shapeRule } from '../tensor/options.js';
import type { ChainConfig } from './chain.js';
import type { DryOptions, PenaltyOptions } from './penalties.js';
import { DRY_RULES, NGRAM_RULES, PENALTY_RULES } from './penalties.js';
import { type LogitPosition, LogitRows, type LogitsInput, positionRule } from './rows.js';
import { type SampleResult, sampleRows, type Terminal } from './sample.js';
import { CHAIN_RULES, type ChainOptions, chainConfig, nested } from './sample-options.js';

/** Options of {@link createSampler}: the chain's, the history-based steps without `tokens`, mirostat. */
export interface SamplerOptions extends ChainOptions {
  /** The seed of every draw of this sampler; omitted: a fresh one from crypto. */
  seed?: number;
  penalties?: Omit<PenaltyOptions, 'tokens'>;
  dry?: Omit<DryOptions, 'tokens'>;
  noRepeatNgram?: { n?: number };
  /** Mirostat v1 or v2 with target surprise τ (default 5) and learning rate η (default 0.1). */
  mirostat?: { version: 1 | 2; tau?: number; eta?: number };
}

/** A stateful sampler. */
export interface Sampler {
  /**
   * Draw one token per row, at the current step, with the accepted history
   * (`position: 'last'`: one per sequence of [..., seq, vocabulary] logits, as `sample`).
   */
  sample(
    logits: LogitsInput,
    options?: { shape?: readonly number[]; axis?: number; position?: LogitPosition },
  ): SampleResult;
  /** Append the emitted token(s) to the history: a number for one row, one per row for a batch. */
  accept(tokens: number | Int32Array | readonly number[]): void;
  /** Forget the history, the step and the mirostat state. */
  reset(): void;
  /** The number of `sample` calls since creation or reset. */
  readonly step: number;
  /** The accepted tokens of each row. */
  readonly history: readonly (readonly number[])[];
  /** Mirostat's μ per row (2τ until the first draw; empty before the first call). */
  readonly mu: Float64Array;
}

const { tokens: _p, ...PENALTY_PARAMS } = PENALTY_RULES;
const { tokens: _d, ...DRY_PARAMS } = DRY_RULES;
const { tokens: _n, ...NGRAM_PARAMS } = NGRAM_RULES;

const MIROSTAT_RULES = {
  version: rule((fn, name, v): 1 | 2 => {
    if (v === 1 || v === 2) return v;
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected ${name} to be 1 or 2, got ${describe(v)}`,
    );
  }, 2 as const),
  tau: numberRule({ greaterThan: 0, default: 5 }),
  eta: numberRule({ greaterThan: 0, default: 0.1 }),
} as const;

const SAMPLER_RULES = {
  seed: seedRule,
  ...CHAIN_RULES,
  penalties: nested(PENALTY_PARAMS),
  dry: nested(DRY_PARAMS),
  noRepeatNgram: nested(NGRAM_PARAMS),
  mirostat: nested(MIROSTAT_RULES),
} as const;

const CALL_RULES = { shape: shapeRule, axis: axisRule, position: positionRule } as const;

/** A sampler with its own history, step and mirostat state. See the module doc. */
export function createSampler(options?: SamplerOptions): Sampler {
  const fn = 'createSampler';
  const o = resolveOptions(fn, options, SAMPLER_RULES);
  chainConfig(fn, { ...o, penalties: undefined, dry: undefined, noRepeatNgram: undefined });
  let history: number[][] = [];
  let mu = new Float64Array(0);
  let step = 0;
  const st = newTopKState(100);

  const mirostat = o.mirostat;
  const terminal: Terminal | undefined =
    mirostat === undefined
      ? undefined
      : (rc, u) => {
          const c = rc.c;
          const r = rc.row;
          if (mirostat.version === 1) mirostatV1(c, mu[r]!, rc.n, st);
          else mirostatV2(c, mu[r]!);
          const j = drawPosition(c, u);
          const surprise = -Math.log2(c.aux[j]! / sumAux(c));
          mu[r] = mu[r]! - mirostat.eta * (surprise - mirostat.tau);
          return j;
        };

  return {
    sample(logits, callOptions) {
      const f = 'sampler.sample';
      const co = resolveOptions(f, callOptions, CALL_RULES);
      const rows = new LogitRows(f, logits, co.shape, co.axis, co.position);
      if (history.length === 0) {
        history = Array.from({ length: rows.rows }, () => []);
        mu = new Float64Array(rows.rows).fill(2 * (mirostat?.tau ?? 0));
      } else if (history.length !== rows.rows)
        throw new SoftmaxKitError(
          'SHAPE_MISMATCH',
          `${f}: expected ${history.length} rows (as before; reset() to change), got ${rows.rows}`,
        );
      const tokens = history.map((h) => Int32Array.from(h));
      const cfg: ChainConfig = chainConfig(f, {
        ...o,
        penalties: o.penalties && { ...o.penalties, tokens },
        dry: o.dry && { ...o.dry, tokens },
        noRepeatNgram: o.noRepeatNgram && { ...o.noRepeatNgram, tokens },
      });
      const result = sampleRows(f, rows, cfg, o.seed, step, o, terminal);
      step++;
      return result;
    },
    accept(tokens) {
      const f = 'sampler.accept';
      const list = typeof tokens === 'number' ? [tokens] : Array.from(tokens as ArrayLike<number>);
      if (history.length === 0) history = list.map(() => []);
      if (list.length !== history.length)
        throw new SoftmaxKitError(
          'SHAPE_MISMATCH',
          `${f}: expected ${history.length} token(s), one per row, got ${list.length}`,
        );
      for (const t of list)
        if (typeof t !== 'number' || !Number.isInteger(t) || t < 0)
          throw new SoftmaxKitError(
            'INVALID_INPUT',
            `${f}: expected token indices (integers >= 0), got ${describe(t)}`,
          );
      for (let r = 0; r < list.length; r++) history[r]!.push(list[r]!);
    },
    reset() {
      history = [];
      mu = new Float64Array(0);
      step = 0;
    },
    get step() {
      return step;
    },
    get history() {
      return history;
    },
    get mu() {
      return mu;
    },
  };
}

function sumAux(c: Candidates): number {
  let z = 0;
  for (let j = 0; j < c.m; j++) z += c.aux[j]!;
  return z;
}

/** Mirostat v1's top-k from the Zipf estimate over the 100 most probable tokens. */
function mirostatV1(
  c: Candidates,
  mu: number,
  vocabulary: number,
  st: ReturnType<typeof newTopKState>,
): void {
  const m = Math.min(100, c.m);
  if (m < 2) return;
  topKRow(c.val, 0, c.m, m, st, false);
  let sumTB = 0;
  let sumTT = 0;
  for (let i = 0; i < m - 1; i++) {
    const t = Math.log((i + 2) / (i + 1));
    sumTB += t * (st.values[i]! - st.values[i + 1]!);
    sumTT += t * t;
  }
  const s = sumTB / sumTT;
  const e = s - 1;
  const k = ((e * 2 ** mu) / (1 - vocabulary ** -e)) ** (1 / s);
  cutTopK(c, Number.isFinite(k) ? Math.max(1, Math.floor(k)) : c.m);
}

/** Mirostat v2's cut: keep −log₂ p ≤ μ, the most probable when none qualifies. */
function mirostatV2(c: Candidates, mu: number): void {
  probabilities(c);
  const floor = 2 ** -mu;
  let best = 0;
  for (let j = 1; j < c.m; j++) if (c.aux[j]! > c.aux[best]!) best = j;
  keepWhere(c, c.aux, Math.min(floor, c.aux[best]!), Number.POSITIVE_INFINITY);
}
