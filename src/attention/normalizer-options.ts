import { type OnlineKind, onlineKind } from '../kernels/js/attention-kinds.js';
import type { NormalizerEntry } from '../normalizers/entry.js';
import { L1_RULES } from '../normalizers/l1-normalize.js';
import { normalizers } from '../normalizers/registry.js';
import { SOFTPICK_RULES } from '../normalizers/softpick.js';
import { softplusNorm, softplusNormVjp } from '../normalizers/softplus-norm.js';
import { SSMAX_RULES } from '../normalizers/ssmax.js';
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import {
  booleanRule,
  numberRule,
  ROW_RULES,
  type Rules,
  requireOptionsObject,
  resolveNestedOptions,
} from '../tensor/options.js';
import type { AttentionOptions } from './options.js';

/** Every online normalizer parameter, with its default (one rule set per option family). */
const ONLINE_OPTION_RULES = {
  s: SSMAX_RULES.s,
  eps: SOFTPICK_RULES.eps,
  /** Default −log(keys) (FlashSigmoid), which needs the shapes: undefined here. */
  bias: numberRule(),
  lengthScale: booleanRule(true),
  reweight: L1_RULES.reweight,
} as const;

type OnlineOption = keyof typeof ONLINE_OPTION_RULES;

/** The normalizerOptions each online normalizer takes; any other key is rejected. */
const ONLINE_OPTIONS: Readonly<Record<string, readonly OnlineOption[]>> = {
  softmax: [],
  ssmax: ['s'],
  softpick: ['eps'],
  sigmoid: ['bias'],
  softplusNorm: ['lengthScale', 'reweight'],
  reluNorm: [],
  relu: [],
};

/** The rules of `names` picked from a table. */
function pick(table: Rules, names: readonly string[]): Rules {
  return Object.fromEntries(names.map((n) => [n, table[n]!]));
}

/** A registry entry's own option rules, less the row options attention sets itself. */
function entryRules(entry: NormalizerEntry): Rules | undefined {
  if (entry.rules === undefined) return undefined;
  return pick(
    entry.rules,
    Object.keys(entry.rules).filter((n) => !Object.hasOwn(ROW_RULES, n)),
  );
}

/** softplusNorm with LSSAR's re-weighting bound in: a materialized entry. */
function reweightedSoftplusNorm(reweight: number): NormalizerEntry {
  return {
    name: 'softplusNorm',
    forward: (x, o) => softplusNorm(x, { ...o, reweight }),
    vjp: (x, dy, o) => softplusNormVjp(x, dy, { ...o, reweight }),
  };
}

/**
 * The normalizer and its options: an online kind takes the normalizerOptions of
 * ONLINE_OPTIONS; a registry entry (materialized) takes its own rules' options,
 * forwarded on each call; an entry written outside the library gets them unchecked.
 * Any key the normalizer does not take throws INVALID_PARAMETER naming `fn`.
 */
export function resolveNormalizer(fn: string, n: AttentionOptions['normalizer'], given: unknown) {
  const path = 'normalizerOptions';
  const registry: Record<string, NormalizerEntry> = normalizers;
  const name = n ?? 'softmax';
  let kind: OnlineKind | null = null;
  let entry: NormalizerEntry | null = null;
  if (typeof name === 'string') {
    kind = onlineKind(name) ?? null;
    if (kind === null && Object.hasOwn(registry, name)) entry = registry[name]!;
  } else if (
    typeof name === 'object' &&
    name !== null &&
    typeof name.forward === 'function' &&
    typeof name.vjp === 'function'
  )
    entry = name;
  if (kind === null && entry === null)
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected normalizer to be a registered normalizer name or entry, got ${describe(n)}`,
    );
  if (kind !== null) {
    resolveNestedOptions(fn, path, given, pick(ONLINE_OPTION_RULES, ONLINE_OPTIONS[kind.name]!));
    const no = resolveNestedOptions(fn, path, given, ONLINE_OPTION_RULES);
    // LSSAR's re-weighting needs the finished row: softplusNorm then runs materialized
    if (no.reweight !== undefined)
      return { kind: null, entry: reweightedSoftplusNorm(no.reweight), entryOptions: {}, no };
    return { kind, entry: null, entryOptions: {}, no };
  }
  const rules = entryRules(entry!);
  const entryOptions =
    rules === undefined
      ? requireOptionsObject(fn, given, path)
      : resolveNestedOptions(fn, path, given, rules);
  return { kind, entry, entryOptions, no: resolveNestedOptions(fn, path, {}, ONLINE_OPTION_RULES) };
}

/** μ of the length factor μ·log(n): ssmax's s, LSSA's 1 (unless lengthScale is false), else null. */
export function lengthFactor(
  normalizer: AttentionOptions['normalizer'],
  no: { readonly s: number; readonly lengthScale: boolean },
): number | null {
  if (normalizer === 'ssmax') return no.s;
  return normalizer === 'softplusNorm' && no.lengthScale ? 1 : null;
}
