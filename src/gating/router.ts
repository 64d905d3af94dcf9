/**
 * What every router shares: router logits as [tokens, experts] (the last axis
 * holds the experts, every leading axis counts tokens), nested option objects
 * (`groups`, `noise`) checked key by key, per-token masks and per-expert vectors.
 */
import { toFloatArray } from '../tensor/arrays.js';
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import { checkShape } from '../tensor/layout.js';
import {
  type Resolved,
  type Rule,
  type Rules,
  requireOptionsObject,
  resolveOptions,
  shapeRule,
  unknownOption,
} from '../tensor/options.js';
import type { ArrayInput, FloatArray } from '../tensor/types.js';

/** Options every router and router loss takes. */
export interface RouterOptions {
  /** [..., tokens, experts]. Default: one token, `[logits.length]`. */
  shape?: readonly number[];
}

/** Router logits with their layout: `tokens` rows of `experts` contiguous entries. */
export interface RouterLogits {
  readonly x: FloatArray;
  readonly shape: readonly number[];
  readonly tokens: number;
  readonly experts: number;
}

/**
 * Read router logits of `shape` (default: one token, `[logits.length]`).
 * Throws INVALID_INPUT, INVALID_SHAPE, SHAPE_MISMATCH, or EMPTY_AXIS (no experts).
 */
export function routerLogits(
  fn: string,
  logits: unknown,
  shape: readonly number[] | undefined,
  name = 'logits',
): RouterLogits {
  const x = toFloatArray(fn, name, logits);
  const s = checkShape(fn, x.length, shape);
  if (s.length === 0)
    throw new SoftmaxKitError(
      'INVALID_SHAPE',
      `${fn}: expected shape [..., tokens, experts], got []`,
    );
  const experts = s[s.length - 1]!;
  if (experts === 0)
    throw new SoftmaxKitError('EMPTY_AXIS', `${fn}: expected at least one expert, got 0`);
  return { x, shape: s, tokens: x.length / experts, experts };
}

/**
 * A router's options and logits: `options` checked against `shape` and `rules`
 * (resolveOptions), then the logits read with the resolved shape (routerLogits).
 */
export function routerInput<R extends Rules>(
  fn: string,
  logits: unknown,
  options: unknown,
  rules: R,
): { o: Resolved<{ shape: typeof shapeRule } & R>; r: RouterLogits } {
  const o = resolveOptions(fn, options, { shape: shapeRule, ...rules });
  return { o, r: routerLogits(fn, logits, o.shape as readonly number[] | undefined) };
}

/** A nested options object (`groups`, `noise`): its keys checked and parsed as `name.key`. */
export function nestedRule<R extends Rules>(
  rules: R,
): Rule<{ readonly [K in keyof R]: R[K] extends Rule<infer T> ? T : never } | undefined> {
  return {
    parse: (fn, name, value) => {
      if (value === undefined) return undefined;
      const given = requireOptionsObject(fn, value, name);
      const known = Object.keys(rules);
      for (const key of Object.keys(given))
        if (!Object.hasOwn(rules, key))
          throw unknownOption(
            fn,
            `${name}.${key}`,
            known.map((k) => `${name}.${k}`),
          );
      const out: Record<string, unknown> = {};
      for (const key of known) out[key] = rules[key]!.parse(fn, `${name}.${key}`, given[key]);
      return out as { readonly [K in keyof R]: R[K] extends Rule<infer T> ? T : never };
    },
  };
}

/** An optional array rule: a FloatArray or number[] (its length is checked by the caller). */
export const arrayRule: Rule<FloatArray | undefined> = {
  parse: (fn, name, v) => (v === undefined ? undefined : toFloatArray(fn, name, v)),
};

/** A per-expert vector of finite numbers, in double. */
export function expertVector(
  fn: string,
  name: string,
  v: ArrayInput | undefined,
  experts: number,
): Float64Array | undefined {
  if (v === undefined) return undefined;
  const a = toFloatArray(fn, name, v);
  if (a.length !== experts)
    throw new SoftmaxKitError(
      'SHAPE_MISMATCH',
      `${fn}: expected ${name} to have one entry per expert (${experts}), got ${a.length}`,
    );
  for (let i = 0; i < experts; i++)
    if (!Number.isFinite(a[i]!))
      throw new SoftmaxKitError(
        'NON_FINITE_PARAMETER',
        `${fn}: expected ${name}[${i}] to be finite, got ${a[i]}`,
      );
  return Float64Array.from(a);
}

/**
 * A per-token mask (1 = real token, 0 = padding), from a Uint8Array, a boolean[]
 * or a number[] of 0/1, as a Uint8Array of `tokens` entries.
 */
export function tokenMask(fn: string, mask: unknown, tokens: number): Uint8Array | undefined {
  if (mask === undefined) return undefined;
  const ok =
    mask instanceof Uint8Array ||
    (Array.isArray(mask) && mask.every((m) => m === 0 || m === 1 || typeof m === 'boolean'));
  if (!ok)
    throw new SoftmaxKitError(
      'INVALID_INPUT',
      `${fn}: expected mask to be a Uint8Array or an array of 0/1 or booleans, got ${describe(mask)}`,
    );
  const m = mask as ArrayLike<number | boolean>;
  if (m.length !== tokens)
    throw new SoftmaxKitError(
      'SHAPE_MISMATCH',
      `${fn}: expected mask to have one entry per token (${tokens}), got ${m.length}`,
    );
  const out = new Uint8Array(tokens);
  for (let t = 0; t < tokens; t++) out[t] = m[t] ? 1 : 0;
  return out;
}

/** Require `k` in [1, limit] (K_OUT_OF_RANGE). */
export function requireK(fn: string, name: string, k: number, limit: number, what: string): void {
  if (k < 1 || k > limit)
    throw new SoftmaxKitError(
      'K_OUT_OF_RANGE',
      `${fn}: expected ${name} in [1, ${limit}] (${what}), got ${k}`,
    );
}

/** A backward pass redraws the forward's noise: with `noise` given, its seed must be too. */
export function requireForwardSeed(fn: string, noise: unknown): void {
  if (
    noise !== null &&
    typeof noise === 'object' &&
    (noise as { seed?: unknown }).seed === undefined
  )
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected noise.seed (the forward's seed, so the same noise is redrawn), got undefined`,
    );
}
