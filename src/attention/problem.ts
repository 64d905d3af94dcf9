/**
 * The resolved attention call: q, k, v read and their sizes checked, every option
 * validated (options.ts, normalizer-options.ts, option-arrays.ts) and gathered into
 * an {@link AttentionProblem} that the kernels trust; throws SoftmaxKitError with
 * the SPEC's codes at the public boundary.
 */
import { type Backend, resolveBackend } from '../kernels/backend.js';
import type { OnlineKind } from '../kernels/js/attention-kinds.js';
import type { NormalizerEntry } from '../normalizers/entry.js';
import { allocLike, toFloatArray } from '../tensor/arrays.js';
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import { resolveOptions } from '../tensor/options.js';
import type { ArrayInput, FloatArray } from '../tensor/types.js';
import { requireNumber } from '../tensor/validate.js';
import { lengthFactor, resolveNormalizer } from './normalizer-options.js';
import {
  finiteArray,
  forgetCumsum,
  lengthOf,
  optionalArray,
  type ResolvedMask,
  resolveKeyLengths,
  resolveMask,
} from './option-arrays.js';
import { ATTENTION_RULES, type AttentionOptions, type AttentionSizeOptions } from './options.js';

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
