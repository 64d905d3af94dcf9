/**
 * Penalties: logits in, logits out, a new array of the input's type (every
 * entry copied, the penalized ones recomputed in double and rounded once). Rows
 * along any axis; `tokens` is the history — one list for every row, or one per row.
 */
import { integerRule, numberRule, type Resolved, type Rules, rule } from '../tensor/options.js';
import type { ArrayInput, FloatArray, ResultOf } from '../tensor/types.js';
import type { FilterRowOptions } from './filters.js';
import {
  biasRule,
  checkBias,
  FILTER_ROW_RULES,
  type History,
  historyOf,
  historyRule,
} from './options.js';
import {
  applyBias,
  applyDry,
  applyNgramBan,
  applyPenalties,
  type RowEdit,
} from './penalty-math.js';
import { type LogitRows, logitCall, rowBase } from './rows.js';

/** Copy x, then let `apply` edit each row through a {@link RowEdit}. */
function editRows<R extends Rules>(
  fn: string,
  x: ArrayInput,
  options: unknown,
  rules: R,
  apply: (e: RowEdit, o: Resolved<R>, row: number, lr: LogitRows) => void,
): FloatArray {
  const { o, x: a, rows, y } = logitCall(fn, x, options, rules);
  if (y !== a) y.set(a);
  const { inner } = rows.layout;
  let base = 0;
  const e: RowEdit = {
    get: (t) => y[base + t * inner]!,
    set: (t, v) => {
      y[base + t * inner] = v;
    },
  };
  for (let r = 0; r < rows.rows; r++) {
    base = rowBase(rows.layout, r);
    apply(e, o, r, rows);
  }
  return y;
}

/** `window`: count only the last this-many tokens of the history (default: all). */
const windowRule = integerRule({ atLeast: 1 });

/** The penalty options (also `sample`'s `penalties`). */
export const PENALTY_RULES = {
  tokens: historyRule,
  repetition: numberRule({ greaterThan: 0, default: 1 }),
  frequency: numberRule({ default: 0 }),
  presence: numberRule({ default: 0 }),
  window: windowRule,
} as const;

/** Options of {@link penalize}. */
export interface PenaltyOptions {
  /** The generated tokens so far (one list for all rows, or one per row). */
  tokens: History;
  /** Repetition penalty r > 0 (1 = off): l > 0 ? l / r : l·r, once per distinct token. */
  repetition?: number;
  /** Subtract count·frequency. Default 0. */
  frequency?: number;
  /** Subtract presence once per token present. Default 0. */
  presence?: number;
  /** Count the last `window` tokens only. Default: the whole history. */
  window?: number;
}

/**
 * Repetition, frequency and presence penalties. For each distinct token t in the
 * last `window` tokens, with count c:
 *   l_t ← (l_t > 0 ? l_t / r : l_t·r) − c·frequency − presence.
 * The repetition rule is Keskar et al.'s (CTRL, 2019) as HF's
 * `RepetitionPenaltyLogitsProcessor` and llama.cpp apply it (dividing a negative
 * logit would make it likelier); frequency and presence are OpenAI's. HF has no
 * window (the whole history) and no frequency/presence; llama.cpp counts the last
 * `penalty_last_n` tokens for all three — as `window` does here.
 *
 * @example
 * penalize([2, -2, 1], { tokens: [0, 1, 0], repetition: 2, frequency: 0.5 });
 * // Float64Array [0, -4.5, 1]: 2/2 − 2·0.5, −2·2 − 0.5
 */
export function penalize<X extends ArrayInput>(
  logits: X,
  options: FilterRowOptions & PenaltyOptions,
): ResultOf<X> {
  return editRows(
    'penalize',
    logits,
    options,
    { ...FILTER_ROW_RULES, ...PENALTY_RULES },
    (e, o, r, lr) =>
      applyPenalties(e, historyOf('penalize', 'tokens', o.tokens, r, lr.rows, lr.n), o),
  ) as ResultOf<X>;
}

/** The DRY options (also `sample`'s `dry`). */
export const DRY_RULES = {
  tokens: historyRule,
  multiplier: numberRule({ atLeast: 0, default: 0.8 }),
  base: numberRule({ atLeast: 1, default: 1.75 }),
  allowedLength: integerRule({ atLeast: 1, default: 2 }),
  sequenceBreakers: rule((fn, name, v) => historyRule.parse(fn, name, v)[0]!, new Int32Array(0)),
  window: windowRule,
} as const;

/** Options of {@link dryPenalty}. */
export interface DryOptions {
  tokens: History;
  /** Penalty scale; 0 turns DRY off. Default 0.8. */
  multiplier?: number;
  /** Growth per token beyond allowedLength (≥ 1). Default 1.75. */
  base?: number;
  /** Repeats up to this length are free. Default 2. */
  allowedLength?: number;
  /** Tokens no repeat may cross (newline, punctuation…), as token ids. Default none. */
  sequenceBreakers?: Int32Array | readonly number[];
  /** Look at the last `window` tokens only. Default: the whole history. */
  window?: number;
}

/**
 * DRY, "don't repeat yourself" (p-e-w, 2024; llama.cpp's `dry` sampler): a token
 * that would extend a sequence already repeated from earlier in the history, of
 * length L ≥ allowedLength, gets l ← l − multiplier·base^(L − allowedLength).
 * Matches never cross a sequence breaker. See penalty-math.ts for the algorithm.
 *
 * @example
 * // history a b c … a b: c would repeat "a b c" (L = 2)
 * dryPenalty([0, 0, 0, 0], { tokens: [0, 1, 2, 3, 0, 1], multiplier: 1 }); // [0, 0, -1, 0]
 */
export function dryPenalty<X extends ArrayInput>(
  logits: X,
  options: FilterRowOptions & DryOptions,
): ResultOf<X> {
  return editRows(
    'dryPenalty',
    logits,
    options,
    { ...FILTER_ROW_RULES, ...DRY_RULES },
    (e, o, r, lr) => {
      applyDry(e, historyOf('dryPenalty', 'tokens', o.tokens, r, lr.rows, lr.n), o);
    },
  ) as ResultOf<X>;
}

/** The n-gram ban options (also `sample`'s `noRepeatNgram`). */
export const NGRAM_RULES = {
  tokens: historyRule,
  n: integerRule({ atLeast: 1, default: 3 }),
} as const;

/**
 * No repeated n-grams (HF's `NoRepeatNGramLogitsProcessor`, after Paulus et al.
 * 2018): ban (−∞) each token that would complete an n-gram already present in
 * the history. Default n 3.
 *
 * @example
 * noRepeatNgram([0, 0, 0], { tokens: [1, 2, 1], n: 2 }); // [0, 0, -Infinity]: "1 2" again is banned
 */
export function noRepeatNgram<X extends ArrayInput>(
  logits: X,
  options: FilterRowOptions & { tokens: History; n?: number },
): ResultOf<X> {
  return editRows(
    'noRepeatNgram',
    logits,
    options,
    { ...FILTER_ROW_RULES, ...NGRAM_RULES },
    (e, o, r, lr) =>
      applyNgramBan(e, historyOf('noRepeatNgram', 'tokens', o.tokens, r, lr.rows, lr.n), o.n),
  ) as ResultOf<X>;
}

/**
 * Logit bias (OpenAI's `logit_bias`, llama.cpp's `logit_bias` sampler): add
 * bias[t] to token t's logit in every row; −∞ bans the token.
 *
 * @example
 * logitBias([1, 2, 3], { bias: { 0: 5, 2: -Infinity } }); // Float64Array [6, 2, -Infinity]
 */
export function logitBias<X extends ArrayInput>(
  logits: X,
  options: FilterRowOptions & { bias: Record<number, number> | ReadonlyMap<number, number> },
): ResultOf<X> {
  return editRows(
    'logitBias',
    logits,
    options,
    { ...FILTER_ROW_RULES, bias: biasRule },
    (e, o, _r, lr) => {
      checkBias('logitBias', o.bias.tokens, lr.n);
      applyBias(e, o.bias);
    },
  ) as ResultOf<X>;
}
