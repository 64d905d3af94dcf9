/**
 * The sampling chain of one row: the steps of `order` applied in turn to a row
 * that is read, never copied whole. Steps before the first truncation (bias,
 * penalties, DRY, n-gram bans) touch only their tokens and are kept as overrides
 * beside the untouched row; the first truncation turns the row into a candidate
 * list (src/kernels/sampling-candidates.ts) and every later step works on that
 * list only. When the first truncation is top-k, the list comes from one
 * selection pass over the row (topKRow with no exp) and one compare pass — so
 * the default chain reads the vocabulary twice and never exponentiates it. With a
 * backend that has a batch top-k (the wasm SIMD kernel), the selection is the
 * backend's (for a batch, computed for a block of rows at once, on the worker pool
 * with `configure({ threads })`), and its count of ties at the k-th value tells
 * when the buffer already holds every entry ≥ the threshold: then the row is read
 * once. Either way the candidates are the same, bit for bit.
 */
import { type Candidates, probabilities } from '../kernels/sampling-candidates.js';
import * as cuts from '../kernels/sampling-cuts.js';
import { SoftmaxKitError } from '../tensor/errors.js';
import type { BackendName } from '../tensor/types.js';
import { type Bias, checkBias, type Histories, historyOf } from './options.js';
import {
  applyBias,
  applyDry,
  applyNgramBan,
  applyPenalties,
  type DryParams,
  type PenaltyParams,
} from './penalty-math.js';
import { RowChain } from './row-chain.js';
import { drawUniform, STREAM_XTC } from './streams.js';

export { RowChain };

/** One step of the chain (a name in `order`). */
export type SamplingStep =
  | 'logitBias'
  | 'penalties'
  | 'noRepeatNgram'
  | 'dry'
  | 'topNSigma'
  | 'topK'
  | 'typical'
  | 'topP'
  | 'minP'
  | 'epsilon'
  | 'eta'
  | 'xtc'
  | 'temperature';

/**
 * The default order: llama.cpp's (logit bias → penalties → DRY → top-nσ → top-k
 * → typical → top-p → min-p → XTC → temperature), so truncation sees
 * temperature-1 logits; the steps llama.cpp lacks sit beside their kin
 * (n-gram bans after the penalties, ε and η after min-p). It lists every step, once:
 * `order` must be a list of distinct names from it.
 */
export const DEFAULT_ORDER: readonly SamplingStep[] = [
  'logitBias',
  'penalties',
  'noRepeatNgram',
  'dry',
  'topNSigma',
  'topK',
  'typical',
  'topP',
  'minP',
  'epsilon',
  'eta',
  'xtc',
  'temperature',
];

/** A resolved chain: the steps and their parameters (undefined = off). */
export interface ChainConfig {
  readonly order: readonly SamplingStep[];
  readonly temperature: number;
  readonly dynamicTemperature: { readonly range: number; readonly exponent: number } | undefined;
  readonly topK: number | undefined;
  readonly topP: number | undefined;
  readonly minP: number | undefined;
  readonly typicalP: number | undefined;
  readonly epsilon: number | undefined;
  readonly eta: number | undefined;
  readonly topNSigma: number | undefined;
  readonly xtc: { readonly threshold: number; readonly probability: number } | undefined;
  readonly minKeep: number;
  readonly penalties: (PenaltyParams & { readonly tokens: Histories }) | undefined;
  readonly dry: (DryParams & { readonly tokens: Histories }) | undefined;
  readonly noRepeatNgram: { readonly tokens: Histories; readonly n: number } | undefined;
  readonly logitBias: Bias | undefined;
  readonly allowed: ArrayLike<number | boolean> | undefined;
  readonly backend: BackendName;
}

/** Steps that never turn the row into a list (they edit single tokens). */
const EDITS: readonly SamplingStep[] = ['logitBias', 'penalties', 'noRepeatNgram', 'dry'];

/**
 * Whether top-k is the chain's first truncation of the unlisted row, so that it can
 * be taken from a top-k buffer of the raw row: top-k is set, no mask, and before it
 * in `order` only token edits or steps that are off (temperature always lists).
 */
export function topKFromRaw(cfg: ChainConfig): boolean {
  if (cfg.topK === undefined || cfg.allowed !== undefined) return false;
  const off: Partial<Record<SamplingStep, unknown>> = {
    topNSigma: cfg.topNSigma,
    typical: cfg.typicalP,
    topP: cfg.topP,
    minP: cfg.minP,
    epsilon: cfg.epsilon,
    eta: cfg.eta,
    xtc: cfg.xtc,
  };
  for (const s of cfg.order) {
    if (s === 'topK') return true;
    if (!EDITS.includes(s) && (s === 'temperature' || off[s] !== undefined)) return false;
  }
  return false;
}

/** Throw INVALID_PARAMETER when a configured step is missing from `order`. */
export function checkOrder(fn: string, cfg: ChainConfig): void {
  const on: [SamplingStep, unknown][] = [
    ['logitBias', cfg.logitBias],
    ['penalties', cfg.penalties],
    ['noRepeatNgram', cfg.noRepeatNgram],
    ['dry', cfg.dry],
    ['topNSigma', cfg.topNSigma],
    ['topK', cfg.topK],
    ['typical', cfg.typicalP],
    ['topP', cfg.topP],
    ['minP', cfg.minP],
    ['epsilon', cfg.epsilon],
    ['eta', cfg.eta],
    ['xtc', cfg.xtc],
  ];
  if (cfg.temperature !== 1 || cfg.dynamicTemperature !== undefined)
    on.push(['temperature', cfg.temperature]);
  for (const [step, value] of on)
    if (value !== undefined && !cfg.order.includes(step))
      throw new SoftmaxKitError(
        'INVALID_PARAMETER',
        `${fn}: expected order to include '${step}' (its option is set), got [${cfg.order.join(', ')}]`,
      );
}

/**
 * Temperature: l ← l / T. T = 0 is greedy (the first maximum is taken instead
 * of a draw; the log-probabilities stay those of the list at temperature 1).
 * A T so small that max / T overflows is greedy too — the limit of the draw.
 */
function applyTemperature(
  rc: RowChain,
  temperature: number,
  dynamic: ChainConfig['dynamicTemperature'],
): void {
  const c = rc.c;
  const t = dynamic === undefined ? temperature : dynamicTemperature(c, temperature, dynamic);
  if (t === 1 || c.m === 0) return;
  let mx = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < c.m; j++) if (c.val[j]! > mx) mx = c.val[j]!;
  if (t === 0 || !Number.isFinite(mx / t)) {
    rc.greedy = true;
    return;
  }
  for (let j = 0; j < c.m; j++) c.val[j] = c.val[j]! / t;
  rc.dropRemoved();
}

/**
 * llama.cpp's dynamic temperature (`temp_ext`, after "entropy-based dynamic
 * temperature", kalomaze 2023): T = T_min + (T_max − T_min)·(H / ln m)^exponent
 * with T_min = max(0, T − range), T_max = T + range, H the entropy of the kept
 * set's softmax and m its size (a single token keeps T).
 */
function dynamicTemperature(
  c: Candidates,
  t: number,
  d: { readonly range: number; readonly exponent: number },
): number {
  if (d.range <= 0 || c.m <= 1) return t;
  probabilities(c);
  let h = 0;
  for (let j = 0; j < c.m; j++) {
    const p = c.aux[j]!;
    if (p > 0) h -= p * Math.log(p);
  }
  const lo = Math.max(0, t - d.range);
  return lo + (t + d.range - lo) * (h / Math.log(c.m)) ** d.exponent;
}

/** Apply the chain to the row in `rc` (set a, o, n, row, rows first); leaves the candidates in rc.c. */
export function runChain(
  rc: RowChain,
  cfg: ChainConfig,
  seed: number,
  step: number,
  maskAt: number,
): void {
  rc.listed = false;
  rc.greedy = false;
  rc.overrides.clear();
  const c = rc.c;
  const { fn, row, rows, n } = rc;
  const list = () => rc.list(cfg.allowed, maskAt);
  for (const s of cfg.order) {
    switch (s) {
      case 'logitBias':
        if (cfg.logitBias === undefined) break;
        checkBias(fn, cfg.logitBias.tokens, n);
        applyBias(rc, cfg.logitBias);
        if (rc.listed) rc.dropRemoved();
        break;
      case 'penalties':
        if (cfg.penalties === undefined) break;
        applyPenalties(
          rc,
          historyOf(fn, 'penalties.tokens', cfg.penalties.tokens, row, rows, n),
          cfg.penalties,
        );
        if (rc.listed) rc.dropRemoved();
        break;
      case 'noRepeatNgram':
        if (cfg.noRepeatNgram === undefined) break;
        applyNgramBan(
          rc,
          historyOf(fn, 'noRepeatNgram.tokens', cfg.noRepeatNgram.tokens, row, rows, n),
          cfg.noRepeatNgram.n,
        );
        if (rc.listed) rc.dropRemoved();
        break;
      case 'dry':
        if (cfg.dry === undefined) break;
        applyDry(rc, historyOf(fn, 'dry.tokens', cfg.dry.tokens, row, rows, n), cfg.dry);
        if (rc.listed) rc.dropRemoved();
        break;
      case 'topNSigma':
        if (cfg.topNSigma === undefined) break;
        list();
        cuts.cutTopNSigma(c, cfg.topNSigma);
        break;
      case 'topK':
        if (cfg.topK === undefined) break;
        if (rc.listed || cfg.allowed !== undefined || !rc.topKFromRow(cfg.topK)) {
          list();
          cuts.cutTopK(c, cfg.topK);
        }
        break;
      case 'typical':
        if (cfg.typicalP === undefined) break;
        list();
        cuts.cutTypical(c, cfg.typicalP, cfg.minKeep);
        break;
      case 'topP':
        if (cfg.topP === undefined) break;
        list();
        cuts.cutTopP(c, cfg.topP, cfg.minKeep);
        break;
      case 'minP':
        if (cfg.minP === undefined) break;
        list();
        cuts.cutMinP(c, cfg.minP, cfg.minKeep);
        break;
      case 'epsilon':
        if (cfg.epsilon === undefined) break;
        list();
        cuts.cutEpsilon(c, cfg.epsilon, cfg.minKeep);
        break;
      case 'eta':
        if (cfg.eta === undefined) break;
        list();
        cuts.cutEta(c, cfg.eta, cfg.minKeep);
        break;
      case 'xtc':
        if (cfg.xtc === undefined) break;
        list();
        if (drawUniform(seed, step, row, STREAM_XTC) < cfg.xtc.probability)
          cuts.cutXtc(c, cfg.xtc.threshold, cfg.minKeep);
        break;
      case 'temperature':
        list();
        applyTemperature(rc, cfg.temperature, cfg.dynamicTemperature);
        break;
    }
  }
  list();
  if (c.m === 0)
    throw new SoftmaxKitError(
      'INVALID_INPUT',
      `${fn}: expected row ${row} to keep at least one token, got none (every logit is -Infinity or banned)`,
    );
}
