/**
 * The truncation filters: logits in, logits out. A kept entry keeps its exact
 * bits, a removed one becomes −∞, entries already −∞ count as probability 0.
 * Probabilities inside a filter are softmax of the logits it is given
 * (temperature is the caller's business). `minKeep` (default 1) keeps at least
 * that many of the most probable tokens — every token tied with the minKeep-th
 * is kept too, so a filter never splits equal logits (HF's warpers split ties by
 * sort position; we keep the set closed under ties and say so).
 *
 * No filter sorts the vocabulary: each threshold (k-th value, nucleus cut,
 * typical cut) is found by quickselect with masses over the row's candidates
 * (src/kernels/sampling-select.ts). Rows along any axis; a NaN row is returned
 * unchanged; a +∞ logit throws INVALID_INPUT naming its row.
 */

import { keepWhere } from '../kernels/sampling-candidates.js';
import * as cuts from '../kernels/sampling-cuts.js';
import { seedRule } from '../random/seed.js';
import { numberRule } from '../tensor/options.js';
import type { ArrayInput, FloatArray, ResultOf } from '../tensor/types.js';
import { filterRows } from './filter-rows.js';
import {
  FILTER_ROW_RULES,
  maskOffset,
  minKeepRule,
  requiredKRule,
  requiredMaskRule,
} from './options.js';
import { drawUniform, STREAM_XTC } from './streams.js';

/** Options every filter takes. */
export interface FilterRowOptions {
  /** Row-major shape of the flat logits; default one row. */
  shape?: readonly number[];
  /** The vocabulary axis; default −1. */
  axis?: number;
  /** Write the result here (same length and element type as the logits). */
  out?: FloatArray;
}

/** Options of the probability filters: `minKeep` (default 1). */
export interface MinKeepOptions extends FilterRowOptions {
  minKeep?: number;
}

const TOP_K_RULES = { ...FILTER_ROW_RULES, k: requiredKRule } as const;

/**
 * Top-k (Fan et al. 2018): keep every entry ≥ the k-th largest logit — ties
 * kept, as HF's `TopKLogitsWarper` (llama.cpp keeps exactly k, by a partial
 * sort that splits ties arbitrarily). k ≥ vocabulary leaves the row unchanged;
 * k < 1 throws K_OUT_OF_RANGE. The k-th value by quickselect, O(n).
 *
 * @example
 * topKFilter([1, 3, 2, 3], { k: 2 }); // Float64Array [-Infinity, 3, -Infinity, 3]
 */
export function topKFilter<X extends ArrayInput>(
  logits: X,
  options: FilterRowOptions & { k: number },
): ResultOf<X> {
  return filterRows('topKFilter', logits, options, TOP_K_RULES, (c, o) =>
    cuts.cutTopK(c, o.k),
  ) as ResultOf<X>;
}

const TOP_P_RULES = {
  ...FILTER_ROW_RULES,
  p: numberRule({ greaterThan: 0, atMost: 1, default: 1 }),
  minKeep: minKeepRule,
} as const;

/**
 * Nucleus / top-p (Holtzman et al. 2020): keep token i iff the mass of the
 * tokens strictly more probable than i is < p, i.e. the smallest set of most
 * probable tokens whose mass reaches p, with ties at the cut kept. p ∈ (0, 1];
 * p = 1 keeps all. HF cuts the sorted cumulative sum at 1 − p from below, which
 * is the same set up to ties; the cut here comes from weighted quickselect.
 *
 * @example
 * topPFilter([0, 1, 2], { p: 0.5 }); // Float64Array [-Infinity, -Infinity, 2] (p₂ = 0.665)
 */
export function topPFilter<X extends ArrayInput>(
  logits: X,
  options?: MinKeepOptions & { p?: number },
): ResultOf<X> {
  return filterRows('topPFilter', logits, options, TOP_P_RULES, (c, o) =>
    cuts.cutTopP(c, o.p, o.minKeep),
  ) as ResultOf<X>;
}

const MIN_P_RULES = {
  ...FILTER_ROW_RULES,
  p: numberRule({ atLeast: 0, atMost: 1, default: 0.05 }),
  minKeep: minKeepRule,
} as const;

/**
 * Min-p (Nguyen et al. 2024): keep p_i ≥ p·max_j p_j, computed as
 * e^(l_i − l_max) ≥ p (l_i ≥ l_max + ln p without rounding ln p). HF compares
 * probabilities, llama.cpp logits; both are this set up to rounding. Default p 0.05.
 *
 * @example
 * minPFilter([0, -1, -5], { p: 0.1 }); // Float64Array [0, -1, -Infinity]
 */
export function minPFilter<X extends ArrayInput>(
  logits: X,
  options?: MinKeepOptions & { p?: number },
): ResultOf<X> {
  return filterRows('minPFilter', logits, options, MIN_P_RULES, (c, o) =>
    cuts.cutMinP(c, o.p, o.minKeep),
  ) as ResultOf<X>;
}

const TYPICAL_RULES = {
  ...FILTER_ROW_RULES,
  p: numberRule({ greaterThan: 0, atMost: 1, default: 0.95 }),
  minKeep: minKeepRule,
} as const;

/**
 * Locally typical sampling (Meister et al. 2023): with H = −Σ p ln p, order the
 * tokens by |−ln p_i − H| and keep the shortest prefix whose mass ≥ p (ties in
 * typicality kept), as HF's `TypicalLogitsWarper`; `minKeep` keeps at least that
 * many of the most *typical* tokens (HF's choice; llama.cpp's too). The cut by
 * weighted quickselect on the typicality keys. Default p 0.95; p = 1 keeps all.
 *
 * @example
 * typicalFilter([3, 2, 1, -4], { p: 0.5 }); // keeps the token closest to the entropy
 */
export function typicalFilter<X extends ArrayInput>(
  logits: X,
  options?: MinKeepOptions & { p?: number },
): ResultOf<X> {
  return filterRows('typicalFilter', logits, options, TYPICAL_RULES, (c, o) =>
    cuts.cutTypical(c, o.p, o.minKeep),
  ) as ResultOf<X>;
}

const EPSILON_RULES = {
  ...FILTER_ROW_RULES,
  epsilon: numberRule({ greaterThan: 0, lessThan: 1, default: 3e-4 }),
  minKeep: minKeepRule,
} as const;

/**
 * ε-sampling (Hewitt et al. 2022, "truncation sampling as language model
 * desmoothing"): remove p_i < ε (HF's `EpsilonLogitsWarper`). Default ε 3e-4.
 *
 * @example
 * epsilonFilter([0, 0, -10], { epsilon: 0.01 }); // Float64Array [0, 0, -Infinity]
 */
export function epsilonFilter<X extends ArrayInput>(
  logits: X,
  options?: MinKeepOptions & { epsilon?: number },
): ResultOf<X> {
  return filterRows('epsilonFilter', logits, options, EPSILON_RULES, (c, o) =>
    cuts.cutEpsilon(c, o.epsilon, o.minKeep),
  ) as ResultOf<X>;
}

const ETA_RULES = {
  ...FILTER_ROW_RULES,
  eta: numberRule({ greaterThan: 0, lessThan: 1, default: 3e-4 }),
  minKeep: minKeepRule,
} as const;

/**
 * η-sampling (Hewitt et al. 2022): remove p_i < min(η, √η·e^(−H)), H the
 * entropy of the row in nats — HF's `EtaLogitsWarper` code (the paper writes the
 * same bound). Default η 3e-4.
 *
 * @example
 * etaFilter([0, 0, -10], { eta: 0.01 }); // Float64Array [0, 0, -Infinity]
 */
export function etaFilter<X extends ArrayInput>(
  logits: X,
  options?: MinKeepOptions & { eta?: number },
): ResultOf<X> {
  return filterRows('etaFilter', logits, options, ETA_RULES, (c, o) =>
    cuts.cutEta(c, o.eta, o.minKeep),
  ) as ResultOf<X>;
}

const TOP_N_SIGMA_RULES = {
  ...FILTER_ROW_RULES,
  n: numberRule({ atLeast: 0, default: 1 }),
} as const;

/**
 * Top-nσ (Tang et al. 2024, "Top-nσ: not all logits are you need"): keep
 * l_i ≥ max − n·σ, σ the population standard deviation of the row's finite
 * logits (mean and σ in double, two passes), as llama.cpp's `top_n_sigma`.
 * n = 0 keeps the maximum only (llama.cpp treats n ≤ 0 as off). Default n 1.
 *
 * @example
 * topNSigmaFilter([0, 0, 0, 10], { n: 1 }); // Float64Array [-Infinity, -Infinity, -Infinity, 10]
 */
export function topNSigmaFilter<X extends ArrayInput>(
  logits: X,
  options?: FilterRowOptions & { n?: number },
): ResultOf<X> {
  return filterRows('topNSigmaFilter', logits, options, TOP_N_SIGMA_RULES, (c, o) =>
    cuts.cutTopNSigma(c, o.n),
  ) as ResultOf<X>;
}

const XTC_RULES = {
  ...FILTER_ROW_RULES,
  threshold: numberRule({ atLeast: 0, atMost: 1, default: 0.1 }),
  probability: numberRule({ atLeast: 0, atMost: 1, default: 0.5 }),
  seed: seedRule,
  step: numberRule({ atLeast: 0, integer: true, default: 0 }),
  minKeep: minKeepRule,
} as const;

/**
 * XTC, exclude top choices (llama.cpp, p-e-w 2024): with the given probability
 * (a Philox draw of (seed, step, row) below `probability`), remove every token
 * with p ≥ threshold except the least probable of them — unless fewer than
 * minKeep tokens would remain. Ties with the least probable are kept (llama.cpp
 * keeps one of them, by sort position). Defaults: threshold 0.1, probability 0.5.
 *
 * @example
 * xtcFilter([2, 2.1, -1], { threshold: 0.2, probability: 1, seed: 1 }); // [2, -Infinity, -1]
 */
export function xtcFilter<X extends ArrayInput>(
  logits: X,
  options?: MinKeepOptions & {
    threshold?: number;
    probability?: number;
    seed?: number;
    step?: number;
  },
): ResultOf<X> {
  return filterRows('xtcFilter', logits, options, XTC_RULES, (c, o, row) => {
    if (drawUniform(o.seed, o.step, row, STREAM_XTC) < o.probability)
      cuts.cutXtc(c, o.threshold, o.minKeep);
  }) as ResultOf<X>;
}

const ALLOWED_RULES = { ...FILTER_ROW_RULES, allowed: requiredMaskRule } as const;

/**
 * Constrained decoding: keep only the tokens the mask allows (`allowed[i]` 1 or
 * true), per row (a mask of rows × vocabulary) or for every row (a mask of the
 * vocabulary's length). The mask of a grammar or a JSON schema goes here.
 *
 * @example
 * allowedTokensFilter([1, 2, 3], { allowed: [true, false, true] }); // [1, -Infinity, 3]
 */
export function allowedTokensFilter<X extends ArrayInput>(
  logits: X,
  options: FilterRowOptions & { allowed: Uint8Array | readonly (boolean | number)[] },
): ResultOf<X> {
  return filterRows('allowedTokensFilter', logits, options, ALLOWED_RULES, (c, o, row, lr) => {
    const at = maskOffset('allowedTokensFilter', o.allowed, row, lr.rows, lr.n);
    for (let j = 0; j < c.m; j++) c.aux[j] = o.allowed[at + c.idx[j]!] ? 1 : 0;
    keepWhere(c, c.aux, 1, 1);
  }) as ResultOf<X>;
}
