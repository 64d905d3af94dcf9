/**
 * The math of the history-based penalties and the logit bias, written once
 * against a {@link RowEdit} so the public functions (a copy of the row) and the
 * sampling chain (a few overridden tokens beside an untouched row) share it. Each
 * touches only tokens of the history or the bias — O(history), not O(vocabulary).
 */
import type { Bias } from './options.js';

/** Read and write one row's logits by token index. */
export interface RowEdit {
  get(t: number): number;
  set(t: number, v: number): void;
}

/** The options of {@link applyPenalties}. */
export interface PenaltyParams {
  readonly repetition: number;
  readonly frequency: number;
  readonly presence: number;
  readonly window: number | undefined;
}

/** The last `window` tokens of a history (all of it when window is undefined). */
export function lastTokens(history: Int32Array, window: number | undefined): Int32Array {
  return window === undefined || window >= history.length
    ? history
    : history.subarray(history.length - window);
}

/**
 * Per distinct token t of the window, with c its count:
 *   l ← l > 0 ? l / r : l·r        (repetition, Keskar et al. 2019; HF, llama.cpp)
 *   l ← l − c·frequency − presence (OpenAI's frequency and presence penalties)
 * in double, written once. −∞ stays −∞.
 */
export function applyPenalties(e: RowEdit, history: Int32Array, p: PenaltyParams): void {
  if (p.repetition === 1 && p.frequency === 0 && p.presence === 0) return;
  const { tokens, counts, logits } = tokenCounts(lastTokens(history, p.window));
  // every read first, then the edits: the reads are independent, so a row out of cache
  // costs about one memory latency for all of them instead of one per token
  for (let j = 0; j < tokens.length; j++) logits[j] = e.get(tokens[j]!);
  for (let j = 0; j < tokens.length; j++) {
    const t = tokens[j]!;
    const c = counts[j]!;
    let l = logits[j]!;
    if (l === Number.NEGATIVE_INFINITY) continue;
    if (p.repetition !== 1) l = l > 0 ? l / p.repetition : l * p.repetition;
    e.set(t, l - c * p.frequency - p.presence);
  }
}

/** The distinct tokens of a window and their counts, with the window they were counted from. */
interface TokenCounts {
  readonly window: Int32Array;
  readonly tokens: Int32Array;
  readonly counts: Int32Array;
  /** Scratch for the row's logits at `tokens`. */
  readonly logits: Float64Array;
}

let lastCounts: TokenCounts | undefined;

/**
 * The distinct tokens of `w` (first occurrence order) and their counts; a batch
 * sharing one history (every row of `sample`) counts it once: the last result is
 * reused while its window holds the same tokens.
 */
function tokenCounts(w: Int32Array): TokenCounts {
  const last = lastCounts;
  if (last !== undefined && last.window.length === w.length) {
    let same = true;
    for (let i = 0; i < w.length && same; i++) same = last.window[i] === w[i];
    if (same) return last;
  }
  const map = new Map<number, number>();
  for (const t of w) map.set(t, (map.get(t) ?? 0) + 1);
  lastCounts = {
    window: w.slice(),
    tokens: Int32Array.from(map.keys()),
    counts: Int32Array.from(map.values()),
    logits: new Float64Array(map.size),
  };
  return lastCounts;
}

/** l_t ← l_t + bias_t for every biased token (−∞ bans it). */
export function applyBias(e: RowEdit, bias: Bias): void {
  for (let i = 0; i < bias.tokens.length; i++) {
    const t = bias.tokens[i]!;
    e.set(t, e.get(t) + bias.values[i]!);
  }
}

/**
 * No repeated n-gram (HF's `NoRepeatNGramLogitsProcessor`): ban (−∞) every token
 * that would complete an n-gram already in the history — for each earlier
 * position i with h[i .. i+n−2] equal to the last n − 1 tokens, ban h[i+n−1].
 * Nothing is banned while the history is shorter than n − 1.
 */
export function applyNgramBan(e: RowEdit, h: Int32Array, n: number): void {
  const len = h.length;
  if (len + 1 < n) return;
  const start = len - (n - 1); // the prefix to match: h[start .. len)
  for (let i = 0; i + n - 1 < len; i++) {
    let match = true;
    for (let j = 0; j < n - 1 && match; j++) match = h[i + j] === h[start + j];
    if (match) e.set(h[i + n - 1]!, Number.NEGATIVE_INFINITY);
  }
}

/** The options of {@link applyDry}. */
export interface DryParams {
  readonly multiplier: number;
  readonly base: number;
  readonly allowedLength: number;
  readonly sequenceBreakers: Int32Array;
  readonly window: number | undefined;
}

/**
 * DRY, "don't repeat yourself" (p-e-w 2024; llama.cpp's `dry` sampler): over
 * the last `window` tokens h, let L(j) be the length of the longest suffix of
 * h[0..j] that is also a suffix of h (j < |h| − 1), cut at the last sequence
 * breaker (a match never crosses one). Token h[j+1] would extend that repeat;
 * for each such token with max_j L(j) = L ≥ allowedLength (and not itself a
 * breaker), l ← l − multiplier·base^(L − allowedLength), the exponent capped at
 * ⌊88.72 / ln base⌋ as llama.cpp (so the penalty stays a float32). L(j) by the
 * Z-algorithm on the reversed window: O(|h|). Off when multiplier = 0 or
 * |h| ≤ allowedLength. Sequence breakers are token ids (llama.cpp takes strings
 * and tokenizes them; a multi-token breaker is not modelled).
 */
export function applyDry(e: RowEdit, history: Int32Array, p: DryParams): void {
  const h = lastTokens(history, p.window);
  const len = h.length;
  if (p.multiplier === 0 || len <= p.allowedLength) return;
  const breakers = new Set(p.sequenceBreakers);
  let limit = len; // the longest match allowed: up to the last breaker
  for (let i = 0; i < len; i++)
    if (breakers.has(h[len - 1 - i]!)) {
      limit = i;
      break;
    }
  if (limit < p.allowedLength) return;
  // z[k] = longest common prefix of rev and rev[k..], rev = h reversed.
  const z = new Int32Array(len);
  let l = 0;
  let r = 0;
  const rev = (i: number) => h[len - 1 - i]!;
  for (let k = 1; k < len; k++) {
    let m = k < r ? Math.min(r - k, z[k - l]!) : 0;
    while (k + m < len && rev(m) === rev(k + m)) m++;
    z[k] = m;
    if (k + m > r) {
      l = k;
      r = k + m;
    }
  }
  const longest = new Map<number, number>();
  for (let k = 1; k < len; k++) {
    const L = Math.min(z[k]!, limit);
    if (L < p.allowedLength) continue;
    const t = h[len - k]!; // the token after the repeat that ends at position len − 1 − k
    if ((longest.get(t) ?? -1) < L) longest.set(t, L);
  }
  const maxExp = p.base > 1.000001 ? Math.floor(88.7228391 / Math.log(p.base)) : 0;
  for (const [t, L] of longest) {
    if (breakers.has(t)) continue;
    let x = L - p.allowedLength;
    if (maxExp > 0 && x > maxExp) x = maxExp;
    const v = e.get(t);
    if (v !== Number.NEGATIVE_INFINITY) e.set(t, v - p.multiplier * p.base ** x);
  }
}
