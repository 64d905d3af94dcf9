/**
 * The options of `sample` and `createSampler`, their rules (defaults written
 * once) and their resolution into a {@link ChainConfig}.
 */
import { seedRule } from '../random/seed.js';
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import {
  axisRule,
  backendRule,
  booleanRule,
  integerRule,
  numberRule,
  type Resolved,
  type Rules,
  resolveOptions,
  rule,
  shapeRule,
} from '../tensor/options.js';
import type { BackendName } from '../tensor/types.js';
import { type ChainConfig, checkOrder, DEFAULT_ORDER, type SamplingStep } from './chain.js';
import { biasRule, type History, kRule, maskRule, minKeepRule } from './options.js';
import {
  DRY_RULES,
  type DryOptions,
  NGRAM_RULES,
  PENALTY_RULES,
  type PenaltyOptions,
} from './penalties.js';
import { type LogitPosition, positionRule } from './rows.js';

/** The chain's options, shared by `sample` and `createSampler`. */
export interface ChainOptions {
  /** Divide the logits by T after truncation (default order); 0 = greedy (first maximum). Default 1. */
  temperature?: number;
  /** llama.cpp's dynamic temperature: T ± range scaled by the normalized entropy to the power `exponent`. */
  dynamicTemperature?: { range?: number; exponent?: number };
  /** Keep the logits ≥ the k-th largest (ties kept). */
  topK?: number;
  /** Nucleus: the most probable tokens whose mass reaches p. */
  topP?: number;
  /** Keep p_i ≥ minP·p_max. */
  minP?: number;
  /** Locally typical sampling with mass p. */
  typicalP?: number;
  /** ε-sampling: remove p_i < ε. */
  epsilon?: number;
  /** η-sampling: remove p_i < min(η, √η·e^(−H)). */
  eta?: number;
  /** Top-nσ: keep l_i ≥ max − n·σ. */
  topNSigma?: number;
  /** Exclude top choices: with `probability`, drop the tokens with p ≥ `threshold` but the least probable. */
  xtc?: { threshold?: number; probability?: number };
  /** Every probability filter keeps at least this many tokens. Default 1. */
  minKeep?: number;
  /** Logit bias: token → value added (−∞ bans). */
  logitBias?: Record<number, number> | ReadonlyMap<number, number>;
  /** Constrained decoding: 1/true = may be sampled; length vocabulary or rows × vocabulary. */
  allowed?: Uint8Array | readonly (boolean | number)[];
  /** The order of the steps. Default llama.cpp's (truncation on temperature-1 logits). */
  order?: readonly SamplingStep[];
  /** Add log-softmax of the raw logits at the chosen token. Default false. */
  rawLogprobs?: boolean;
  /** Add the n most probable tokens of the final distribution with their log-probabilities ([rows, min(n, vocabulary)], padded with token −1 where fewer are kept). Default 0. */
  topLogprobs?: number;
  /** Kernel set of the top-k pass: 'auto' (default: wasm when loaded), 'js' or 'wasm'; the tokens are the same. */
  backend?: BackendName;
}

/** Options of `sample`. */
export interface SampleOptions extends ChainOptions {
  /** Row-major shape of the flat logits; default one row (a tensor's `dims` otherwise). */
  shape?: readonly number[];
  /** The vocabulary axis; default −1. */
  axis?: number;
  /**
   * 'last': of logits [..., seq, vocabulary] (a causal LM's output), sample only each
   * sequence's last position — one token per sequence, the other positions never read.
   * Default 'all' (every position is a row).
   */
  position?: LogitPosition;
  /** The seed of the draws; omitted: a fresh one from crypto on each call. */
  seed?: number;
  /** The decoding step: draws are a pure function of (seed, step, row). Default 0. */
  step?: number;
  /** Repetition, frequency and presence penalties over the history `tokens`. */
  penalties?: PenaltyOptions;
  /** DRY over the history `tokens`. */
  dry?: DryOptions;
  /** Ban n-grams already in the history `tokens`. */
  noRepeatNgram?: { tokens: History; n?: number };
}

const XTC_RULES = {
  threshold: numberRule({ atLeast: 0, atMost: 1, default: 0.1 }),
  probability: numberRule({ atLeast: 0, atMost: 1, default: 0.5 }),
} as const;

/** A nested options object resolved against its own rule table. */
export function nested<R extends Rules>(rules: R): ReturnType<typeof rule<Resolved<R>>> {
  return rule((fn, name, v) => {
    if (v === undefined || v === null || typeof v !== 'object' || Array.isArray(v))
      throw new SoftmaxKitError(
        'INVALID_PARAMETER',
        `${fn}: expected ${name} to be an object, got ${describe(v)}`,
      );
    return resolveOptions(`${fn} ${name}`, v, rules);
  });
}

const orderRule = rule((fn, name, v): readonly SamplingStep[] => {
  if (!Array.isArray(v))
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected ${name} to be an array of step names, got ${describe(v)}`,
    );
  const seen = new Set<string>();
  for (const s of v) {
    if (typeof s !== 'string' || !(DEFAULT_ORDER as readonly string[]).includes(s) || seen.has(s))
      throw new SoftmaxKitError(
        'INVALID_PARAMETER',
        `${fn}: expected ${name} to list distinct steps of ${DEFAULT_ORDER.map((x) => `'${x}'`).join(', ')}, got ${describe(s)}`,
      );
    seen.add(s);
  }
  return v as SamplingStep[];
}, DEFAULT_ORDER);

const DYNAMIC_TEMPERATURE_RULES = {
  range: numberRule({ atLeast: 0, default: 0 }),
  exponent: numberRule({ atLeast: 0, default: 1 }),
} as const;

/** The rules of the chain (shared by sample and createSampler). */
export const CHAIN_RULES = {
  temperature: numberRule({ atLeast: 0, default: 1 }),
  dynamicTemperature: nested(DYNAMIC_TEMPERATURE_RULES),
  topK: kRule,
  topP: numberRule({ greaterThan: 0, atMost: 1 }),
  minP: numberRule({ atLeast: 0, atMost: 1 }),
  typicalP: numberRule({ greaterThan: 0, atMost: 1 }),
  epsilon: numberRule({ greaterThan: 0, lessThan: 1 }),
  eta: numberRule({ greaterThan: 0, lessThan: 1 }),
  topNSigma: numberRule({ atLeast: 0 }),
  xtc: nested(XTC_RULES),
  minKeep: minKeepRule,
  logitBias: rule((fn, name, v) => biasRule.parse(fn, name, v)),
  allowed: maskRule,
  order: orderRule,
  rawLogprobs: booleanRule(false),
  topLogprobs: integerRule({ atLeast: 0, default: 0 }),
  backend: backendRule,
} as const;

/** The rules of `sample`. */
export const SAMPLE_RULES = {
  shape: shapeRule,
  axis: axisRule,
  position: positionRule,
  seed: seedRule,
  step: integerRule({ atLeast: 0, atMost: Number.MAX_SAFE_INTEGER, default: 0 }),
  ...CHAIN_RULES,
  penalties: nested(PENALTY_RULES),
  dry: nested(DRY_RULES),
  noRepeatNgram: nested(NGRAM_RULES),
} as const;

/** Resolved options with the chain's fields. */
type ChainFields = Resolved<typeof CHAIN_RULES> &
  Pick<ChainConfig, 'penalties' | 'dry' | 'noRepeatNgram'>;

/** The ChainConfig of resolved options; checks that `order` holds every configured step. */
export function chainConfig(fn: string, o: ChainFields): ChainConfig {
  const cfg: ChainConfig = {
    order: o.order,
    temperature: o.temperature,
    dynamicTemperature: o.dynamicTemperature,
    topK: o.topK,
    topP: o.topP,
    minP: o.minP,
    typicalP: o.typicalP,
    epsilon: o.epsilon,
    eta: o.eta,
    topNSigma: o.topNSigma,
    xtc: o.xtc,
    minKeep: o.minKeep,
    penalties: o.penalties,
    dry: o.dry,
    noRepeatNgram: o.noRepeatNgram,
    logitBias: o.logitBias,
    allowed: o.allowed,
    backend: o.backend,
  };
  checkOrder(fn, cfg);
  return cfg;
}
