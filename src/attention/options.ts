/**
 * The options of {@link attention} and {@link attentionVjp}, validated once at
 * the public boundary and resolved into an {@link AttentionProblem} that the
 * kernels trust. Shapes (row-major, flat):
 *   q [batch, heads, queries, dim], k [batch, kvHeads, keys, dim],
 *   v [batch, kvHeads, keys, valueDim], out [batch, heads, queries, valueDim].
 * Head h reads key/value head ⌊h / (heads / kvHeads)⌋ (grouped-query attention;
 * kvHeads = 1 is multi-query attention).
 */

import { type Backend, resolveBackend } from '../kernels/backend.js';
import type { NormalizerEntry } from '../normalizers/entry.js';
import { L1_RULES } from '../normalizers/l1-normalize.js';
import { normalizers } from '../normalizers/registry.js';
import { SOFTPICK_RULES } from '../normalizers/softpick.js';
import { softplusNorm, softplusNormVjp } from '../normalizers/softplus-norm.js';
import { SSMAX_RULES } from '../normalizers/ssmax.js';
import { allocLike, toFloatArray } from '../tensor/arrays.js';
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import {
  backendRule,
  booleanRule,
  integerRule,
  numberRule,
  ROW_RULES,
  type Rule,
  type Rules,
  requireOptionsObject,
  resolveNestedOptions,
  resolveOptions,
  rule,
} from '../tensor/options.js';
import type { ArrayInput, BackendName, FloatArray } from '../tensor/types.js';
import { requireNumber } from '../tensor/validate.js';
import { type OnlineKind, onlineKind } from './online-normalizers.js';

/** The sizes every attention function shares, with q, k, v read and checked. */
export interface AttentionShapes {
  readonly batch: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly group: number;
  readonly queries: number;
  readonly keys: number;
  readonly dim: number;
  readonly valueDim: number;
  readonly q: FloatArray;
  readonly k: FloatArray;
  readonly v: FloatArray;
}

/** The size options shared by attention and linearAttention. */
export interface AttentionSizeOptions {
  /** Default 1. */
  batch?: number;
  /** Default 1. */
  heads?: number;
  /** Key/value heads; must divide `heads`. Default `heads`. */
  kvHeads?: number;
  /** Default q.length / (batch·heads·dim). */
  queries?: number;
  /** Default k.length / (batch·kvHeads·dim). */
  keys?: number;
  dim: number;
  /** Default v.length / (batch·kvHeads·keys). */
  valueDim?: number;
}

/** A boolean mask (1/true = may attend, as in PyTorch) or an additive one (added to the scores). */
export type AttentionMask = Uint8Array | readonly boolean[] | Float32Array | Float64Array;

/**
 * Parameters of the attention normalizer; each applies only to the normalizer
 * named, and any other key throws (INVALID_PARAMETER naming attention). A registry
 * normalizer run materialized takes its own options here (sparseSoftmax's `k`,
 * entmax's `alpha`, gumbelSoftmax's `tau`/`seed`…), forwarded on each call.
 */
export interface AttentionNormalizerOptions {
  /** A registry normalizer's own option (checked against its rules). */
  readonly [option: string]: unknown;
  /** ssmax: the scale s of softmax(s·log(n)·x), n = visible keys of the row. Default 1. */
  s?: number;
  /** softpick: the eps of relu(eˣ − 1) / (Σ|eˣ − 1| + eps). Default 1e-8 (the authors' code). */
  eps?: number;
  /** sigmoid: the bias b of σ(x + b). Default −log(keys) (FlashSigmoid). */
  bias?: number;
  /** softplusNorm: multiply the row's logits by log(n) (LSSA's length scale). Default true. */
  lengthScale?: boolean;
  /**
   * softplusNorm: LSSAR's re-weighting power p ≥ 1 (the paper: 3, or 15 for long
   * contexts): the row's weights a become relu(n·a − 1)^p, l1-normalized again. It
   * needs the finished row, so it runs block-materialized (memory O(blockSize·keys)).
   * Default: none (LSSA).
   */
  reweight?: number;
}

export interface AttentionOptions extends AttentionSizeOptions {
  /**
   * Online (flash-style, memory O(blockSize·(blockSize + dim))): 'softmax', 'ssmax',
   * 'softpick', 'sigmoid', 'softplusNorm', 'reluNorm', 'relu'. Any other registry
   * name (e.g. 'sparsemax', 'entmax15') or a {@link NormalizerEntry} runs on one
   * block of query rows against all keys at a time (memory O(blockSize·keys)).
   * Default 'softmax'.
   */
  normalizer?: string | NormalizerEntry;
  normalizerOptions?: AttentionNormalizerOptions;
  /** Multiplies q·k. Default 1/√dim. */
  scale?: number;
  /** Key j is visible to query i only if j ≤ i + keys − queries (aligned to the last keys). */
  causal?: boolean;
  /** Sliding window w ≥ 1: visible only if p − j < w (and j − p < w when not causal), p = i + keys − queries. */
  window?: number;
  /** Keys j ≥ keyLengths[b] are padding for batch item b. Length batch. */
  keyLengths?: Int32Array | readonly number[];
  mask?: AttentionMask;
  /** The mask's own shape [b, h, queries, keys], each 1 (broadcast) or the full size. */
  maskShape?: readonly number[];
  /** ALiBi: adds −slope[h]·|p − j| to the scores. Length heads. */
  alibiSlopes?: ArrayInput;
  /** A learnable sink logit per head: a virtual key with value 0 (normalized kinds). Length heads. */
  sinks?: ArrayInput;
  /** Forgetting Transformer: log forget values [batch, heads, keys], bias Σ_{l=j+1}^{p} logForget[l]. */
  logForget?: ArrayInput;
  /** Selective (per-query) temperature: multiplies the scaled scores of query row i. [batch, heads, queries]. */
  queryScale?: ArrayInput;
  /** Gated attention: out ⊙ σ(gate), gate [batch, heads, queries, valueDim]. */
  gate?: ArrayInput;
  /** Query rows and keys per tile. Default 128 (fastest with the WebAssembly matrix multiply). */
  blockSize?: number;
  /** Also return the log of each row's normalizer (normalized kinds only). */
  returnLse?: boolean;
  /**
   * Kernel backend ('wasm': the fused WebAssembly kernels for softmax heads with plain
   * logits, and the WebAssembly matrix multiply for the others; 'js': JavaScript only,
   * matrix products included). Default 'auto'.
   */
  backend?: BackendName;
}

// ---- option rules (defaults written once) ----------------------------------

/** A size: an integer ≥ 1; undefined where the lengths determine it (resolveShapes). */
const sizeRule = integerRule({ atLeast: 1 });

/** The rules of the sizes attention and linearAttention share; `dim` is required. */
export const ATTENTION_SIZE_RULES = {
  batch: sizeRule,
  heads: sizeRule,
  kvHeads: sizeRule,
  queries: sizeRule,
  keys: sizeRule,
  dim: { parse: (fn, name, v) => requireNumber(fn, name, v, { integer: true, atLeast: 1 }) },
  valueDim: sizeRule,
} as const satisfies Rules;

/** An option whose value is checked against the shapes afterwards (arrays, masks, the normalizer). */
function checkedLater<T>(): Rule<T | undefined> {
  return rule((_fn, _name, v) => v as T);
}

/** The option rules of attention and attentionVjp. */
const ATTENTION_RULES = {
  ...ATTENTION_SIZE_RULES,
  normalizer: checkedLater<string | NormalizerEntry>(),
  normalizerOptions: checkedLater<unknown>(),
  scale: numberRule(),
  causal: booleanRule(false),
  window: integerRule({ atLeast: 1 }),
  keyLengths: checkedLater<Int32Array | readonly number[]>(),
  mask: checkedLater<AttentionMask>(),
  maskShape: checkedLater<readonly number[]>(),
  alibiSlopes: checkedLater<ArrayInput>(),
  sinks: checkedLater<ArrayInput>(),
  logForget: checkedLater<ArrayInput>(),
  queryScale: checkedLater<ArrayInput>(),
  gate: checkedLater<ArrayInput>(),
  blockSize: integerRule({ atLeast: 1, default: 128 }),
  returnLse: booleanRule(false),
  backend: backendRule,
} as const;

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

/** A mask with its broadcast strides over [batch, heads, queries, keys]. */
export interface ResolvedMask {
  readonly boolean: Uint8Array | null;
  readonly additive: FloatArray | null;
  readonly strides: readonly [number, number, number, number];
}

/** Everything the kernels need, validated. */
export interface AttentionProblem extends AttentionShapes {
  /** The public function called (attention or attentionVjp), named by errors from within. */
  readonly fn: string;
  readonly scale: number;
  /** The online kind, or null for a materialized normalizer. */
  readonly kind: OnlineKind | null;
  readonly entry: NormalizerEntry | null;
  /** The entry's own options from normalizerOptions (checked against its rules), forwarded on each call. */
  readonly entryOptions: Readonly<Record<string, unknown>>;
  readonly causal: boolean;
  readonly window: number;
  readonly keyLengths: Int32Array | null;
  readonly mask: ResolvedMask | null;
  readonly alibiSlopes: FloatArray | null;
  readonly sinks: FloatArray | null;
  /** Cumulative log forget C[b, h, t] = Σ_{l ≤ t} logForget[b, h, l], or null. */
  readonly forgetCumsum: Float64Array | null;
  readonly queryScale: FloatArray | null;
  readonly gate: FloatArray | null;
  readonly blockSize: number;
  readonly returnLse: boolean;
  /** The multiplier μ of the length factor μ·log(n) on the logits (ssmax s, LSSA 1), or null. */
  readonly lengthFactor: number | null;
  readonly eps: number;
  readonly sigmoidBias: number;
  /** Runs the fused softmax heads when it has a `flashAttention` kernel. */
  readonly backend: Backend;
}

function dimension(fn: string, name: string, value: unknown, fallback?: number): number {
  if (value === undefined && fallback !== undefined) {
    if (!Number.isInteger(fallback) || fallback < 1)
      throw new SoftmaxKitError(
        'SHAPE_MISMATCH',
        `${fn}: expected the lengths to determine a positive integer ${name}, got ${fallback}`,
      );
    return fallback;
  }
  return requireNumber(fn, name, value, { integer: true, atLeast: 1 });
}

function lengthOf(fn: string, name: string, a: ArrayLike<unknown>, expected: number): void {
  if (a.length !== expected)
    throw new SoftmaxKitError(
      'SHAPE_MISMATCH',
      `${fn}: expected ${name} to have length ${expected}, got ${a.length}`,
    );
}

function optionalArray(
  fn: string,
  name: string,
  x: ArrayInput | undefined,
  length: number,
): FloatArray | null {
  if (x === undefined) return null;
  const a = toFloatArray(fn, name, x);
  lengthOf(fn, name, a, length);
  return a;
}

function finiteArray(fn: string, name: string, a: FloatArray | null): FloatArray | null {
  if (a !== null)
    for (let i = 0; i < a.length; i++)
      if (!Number.isFinite(a[i]!))
        throw new SoftmaxKitError(
          'NON_FINITE_PARAMETER',
          `${fn}: expected ${name}[${i}] to be finite, got ${a[i]}`,
        );
  return a;
}

function resolveMask(
  fn: string,
  options: Pick<AttentionOptions, 'mask' | 'maskShape'>,
  full: readonly [number, number, number, number],
): ResolvedMask | null {
  const { mask } = options;
  if (mask === undefined) return null;
  let boolean: Uint8Array | null = null;
  let additive: FloatArray | null = null;
  if (mask instanceof Uint8Array) boolean = mask;
  else if (mask instanceof Float32Array || mask instanceof Float64Array) additive = mask;
  else if (Array.isArray(mask) && mask.every((m) => typeof m === 'boolean'))
    boolean = Uint8Array.from(mask, (m) => (m ? 1 : 0));
  else
    throw new SoftmaxKitError(
      'INVALID_INPUT',
      `${fn}: expected mask to be a Uint8Array, boolean[], Float32Array or Float64Array, got ${describe(mask)}`,
    );
  const [b, h, nq, nk] = full;
  let shape = options.maskShape;
  if (shape === undefined) {
    if (mask.length === nq * nk) shape = [1, 1, nq, nk];
    else if (mask.length === b * h * nq * nk) shape = full;
    else
      throw new SoftmaxKitError(
        'SHAPE_MISMATCH',
        `${fn}: expected mask of length ${nq * nk} or ${b * h * nq * nk} (or a maskShape), got ${mask.length}`,
      );
  }
  if (
    !Array.isArray(shape) ||
    shape.length !== 4 ||
    !shape.every((s, i) => s === 1 || s === full[i])
  )
    throw new SoftmaxKitError(
      'SHAPE_MISMATCH',
      `${fn}: expected maskShape of 4 sizes, each 1 or ${describe([...full])}, got ${describe(shape)}`,
    );
  lengthOf(
    fn,
    'mask',
    mask,
    shape.reduce((p, s) => p * s, 1),
  );
  const st = [0, 0, 0, 0] as [number, number, number, number];
  let stride = 1;
  for (let i = 3; i >= 0; i--) {
    st[i] = shape[i] === 1 ? 0 : stride;
    stride *= shape[i]!;
  }
  return { boolean, additive, strides: st };
}

function resolveKeyLengths(
  fn: string,
  options: Pick<AttentionOptions, 'keyLengths'>,
  batch: number,
  keys: number,
) {
  const kl = options.keyLengths;
  if (kl === undefined) return null;
  if (!(kl instanceof Int32Array) && !Array.isArray(kl))
    throw new SoftmaxKitError(
      'INVALID_INPUT',
      `${fn}: expected keyLengths to be an Int32Array or number[], got ${describe(kl)}`,
    );
  lengthOf(fn, 'keyLengths', kl, batch);
  const out = new Int32Array(batch);
  for (let b = 0; b < batch; b++)
    out[b] = requireNumber(fn, `keyLengths[${b}]`, kl[b], {
      integer: true,
      atLeast: 0,
      atMost: keys,
    });
  return out;
}

function forgetCumsum(fn: string, x: ArrayInput | undefined, rows: number, keys: number) {
  const a = finiteArray(fn, 'logForget', optionalArray(fn, 'logForget', x, rows * keys));
  if (a === null) return null;
  const c = new Float64Array(a.length);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let t = r * keys; t < (r + 1) * keys; t++) c[t] = s += a[t]!;
  }
  return c;
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
function resolveNormalizer(fn: string, n: AttentionOptions['normalizer'], given: unknown) {
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

/**
 * Call a materialized normalizer entry on a block, its errors renamed for the
 * public function (e.g. sparseSoftmax's k above the visible keys names attention).
 */
export function callEntry<T>(p: AttentionProblem, call: () => T): T {
  try {
    return call();
  } catch (e) {
    if (!(e instanceof SoftmaxKitError)) throw e;
    throw new SoftmaxKitError(
      e.code,
      `${p.fn}: normalizer '${p.entry?.name}' with normalizerOptions ${describe(p.entryOptions)}: ${e.message}`,
    );
  }
}

/** μ of the length factor μ·log(n): ssmax's s, LSSA's 1 (unless lengthScale is false), else null. */
function lengthFactor(
  normalizer: AttentionOptions['normalizer'],
  no: { readonly s: number; readonly lengthScale: boolean },
): number | null {
  if (normalizer === 'ssmax') return no.s;
  return normalizer === 'softplusNorm' && no.lengthScale ? 1 : null;
}

/**
 * Scratch sizes are checked before allocating: the materialized path holds
 * blockSize·keys scores, the flash path blockSize² (so a huge blockSize is a clear
 * error, not a RangeError). blockSize above max(queries, keys) is taken as that
 * (one tile either way: the result is the same).
 */
const MAX_SCRATCH = 2 ** 28;

function resolveBlockSize(fn: string, blockSize: number, queries: number, keys: number): number {
  const bs = Math.min(blockSize, Math.max(queries, keys));
  if (bs * Math.max(bs, keys) > MAX_SCRATCH)
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected blockSize·max(blockSize, keys) <= 2^28 scratch elements, got blockSize ${blockSize} with ${keys} keys (use a smaller blockSize)`,
    );
  return bs;
}

/** Read q, k, v and resolve (batch, heads, kvHeads, queries, keys, dim, valueDim). */
export function resolveShapes(
  fn: string,
  qIn: ArrayInput,
  kIn: ArrayInput,
  vIn: ArrayInput,
  options: AttentionSizeOptions,
): AttentionShapes {
  const q = toFloatArray(fn, 'q', qIn);
  const k = toFloatArray(fn, 'k', kIn);
  const v = toFloatArray(fn, 'v', vIn);
  const batch = dimension(fn, 'batch', options.batch ?? 1);
  const heads = dimension(fn, 'heads', options.heads ?? 1);
  const kvHeads = dimension(fn, 'kvHeads', options.kvHeads ?? heads);
  if (heads % kvHeads !== 0)
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected heads (${heads}) to be a multiple of kvHeads, got ${kvHeads}`,
    );
  const dim = dimension(fn, 'dim', options.dim);
  const queries = dimension(fn, 'queries', options.queries, q.length / (batch * heads * dim));
  const keys = dimension(fn, 'keys', options.keys, k.length / (batch * kvHeads * dim));
  const valueDim = dimension(fn, 'valueDim', options.valueDim, v.length / (batch * kvHeads * keys));
  lengthOf(fn, 'q', q, batch * heads * queries * dim);
  lengthOf(fn, 'k', k, batch * kvHeads * keys * dim);
  lengthOf(fn, 'v', v, batch * kvHeads * keys * valueDim);
  return { batch, heads, kvHeads, group: heads / kvHeads, queries, keys, dim, valueDim, q, k, v };
}

/** Validate q, k, v and every option; throws SoftmaxKitError with the SPEC's codes. */
export function resolveAttention(
  fn: string,
  qIn: ArrayInput,
  kIn: ArrayInput,
  vIn: ArrayInput,
  given: AttentionOptions,
): AttentionProblem {
  const options = resolveOptions(fn, given, ATTENTION_RULES);
  const shapes = resolveShapes(fn, qIn, kIn, vIn, options);
  const { batch, heads, queries, keys, valueDim } = shapes;
  const { kind, entry, entryOptions, no } = resolveNormalizer(
    fn,
    options.normalizer,
    options.normalizerOptions,
  );
  const returnLse = options.returnLse;
  if (returnLse && (kind === null || !kind.normalized))
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected returnLse with a normalized online normalizer, got ${describe(kind?.name ?? entry?.name)}`,
    );
  const sinks = finiteArray(fn, 'sinks', optionalArray(fn, 'sinks', options.sinks, heads));
  if (sinks !== null && (kind === null || !kind.normalized))
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected sinks with a normalized online normalizer, got ${describe(kind?.name ?? entry?.name)}`,
    );
  return {
    ...shapes,
    fn,
    scale: options.scale ?? 1 / Math.sqrt(shapes.dim),
    kind,
    entry,
    entryOptions,
    causal: options.causal,
    window: options.window ?? Number.POSITIVE_INFINITY,
    keyLengths: resolveKeyLengths(fn, options, batch, keys),
    mask: resolveMask(fn, options, [batch, heads, queries, keys]),
    alibiSlopes: finiteArray(
      fn,
      'alibiSlopes',
      optionalArray(fn, 'alibiSlopes', options.alibiSlopes, heads),
    ),
    sinks,
    forgetCumsum: forgetCumsum(fn, options.logForget, batch * heads, keys),
    queryScale: optionalArray(fn, 'queryScale', options.queryScale, batch * heads * queries),
    gate: optionalArray(fn, 'gate', options.gate, batch * heads * queries * valueDim),
    blockSize: resolveBlockSize(fn, options.blockSize, queries, keys),
    returnLse,
    lengthFactor: lengthFactor(options.normalizer, no),
    eps: no.eps,
    sigmoidBias: no.bias ?? -Math.log(keys),
    // 'auto' weighs the work: one element per (query, key) pair of every head
    backend: resolveBackend(
      fn,
      options.backend,
      batch * heads * queries * keys,
      shapes.q instanceof Float32Array,
    ),
  };
}

/** A Float64 result in the element type of `like` (rounded once; no copy for Float64). */
export function inTypeOf(like: FloatArray, src: Float64Array): FloatArray {
  if (like instanceof Float64Array) return src;
  const a = allocLike(like, src.length);
  a.set(src);
  return a;
}
