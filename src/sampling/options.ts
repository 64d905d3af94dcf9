/**
 * The option rules the samplers share (written once, resolved through
 * src/tensor/options.ts): k, minKeep, token histories, logit biases, masks.
 */
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import { axisRule, integerRule, outRule, type Rule, rule, shapeRule } from '../tensor/options.js';

/** `shape`, `axis` and `out` of every filter and penalty. */
export const FILTER_ROW_RULES = { shape: shapeRule, axis: axisRule, out: outRule } as const;

/** `minKeep`: keep at least this many of the most probable tokens. Default 1. */
export const minKeepRule = integerRule({ atLeast: 0, default: 1 });

function requireK(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new SoftmaxKitError(
      'K_OUT_OF_RANGE',
      `${fn}: expected ${name} to be an integer >= 1, got ${describe(v)}`,
    );
  return v;
}

/** `k` of top-k: an integer ≥ 1, else K_OUT_OF_RANGE; optional. */
export const kRule: Rule<number | undefined> = rule(requireK);
/** `k` of top-k, required. */
export const requiredKRule: Rule<number> = { parse: requireK };

/** A token history: one list broadcast to every row, or one list per row. */
export type History = Int32Array | readonly number[] | readonly (Int32Array | readonly number[])[];

/** Resolved histories: one Int32Array per row, or a single one shared by all rows. */
export type Histories = readonly Int32Array[];

function tokenList(fn: string, name: string, v: unknown): Int32Array | undefined {
  if (v instanceof Int32Array) return v;
  if (!Array.isArray(v) || !v.every((t) => typeof t === 'number')) return undefined;
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const t = v[i] as number;
    if (!Number.isInteger(t) || t < 0 || t > 0x7fffffff)
      throw new SoftmaxKitError(
        'INVALID_INPUT',
        `${fn}: expected ${name}[${i}] to be a token index (an integer >= 0), got ${describe(t)}`,
      );
    out[i] = t;
  }
  return out;
}

/** `tokens`: an Int32Array or number[] (shared), or an array of them (one per row). */
export const historyRule: Rule<Histories> = rule(
  (fn, name, v): Histories => {
    const one = tokenList(fn, name, v);
    if (one !== undefined) return [one];
    if (Array.isArray(v))
      return v.map((h, r) => {
        const list = tokenList(fn, `${name}[${r}]`, h);
        if (list === undefined)
          throw new SoftmaxKitError(
            'INVALID_INPUT',
            `${fn}: expected ${name}[${r}] to be an Int32Array or number[] of tokens, got ${describe(h)}`,
          );
        return list;
      });
    throw new SoftmaxKitError(
      'INVALID_INPUT',
      `${fn}: expected ${name} to be an Int32Array or number[] of tokens (or one per row), got ${describe(v)}`,
    );
  },
  [new Int32Array(0)] as Histories,
);

/** The history of row r (a shared history serves every row); checks tokens < n and the row count. */
export function historyOf(
  fn: string,
  name: string,
  h: Histories,
  r: number,
  rows: number,
  n: number,
): Int32Array {
  if (h.length !== 1 && h.length !== rows)
    throw new SoftmaxKitError(
      'SHAPE_MISMATCH',
      `${fn}: expected ${name} to hold one history or one per row (${rows}), got ${h.length}`,
    );
  const list = h.length === 1 ? h[0]! : h[r]!;
  for (let i = 0; i < list.length; i++)
    if (list[i]! >= n)
      throw new SoftmaxKitError(
        'TARGET_OUT_OF_RANGE',
        `${fn}: expected ${name} to hold tokens in [0, ${n}), got ${list[i]} at position ${i}`,
      );
  return list;
}

/** Resolved logit bias: tokens and the values added to them (−∞ bans). */
export interface Bias {
  readonly tokens: Int32Array;
  readonly values: Float64Array;
}

/** `bias`: token → value, as a plain object or a Map; values finite or −∞. */
export const biasRule: Rule<Bias> = rule(
  (fn, name, v): Bias => {
    let entries: [unknown, unknown][];
    if (v instanceof Map) entries = [...v.entries()];
    else if (v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v))
      entries = Object.entries(v);
    else
      throw new SoftmaxKitError(
        'INVALID_PARAMETER',
        `${fn}: expected ${name} to be an object or Map of token → value, got ${describe(v)}`,
      );
    const tokens = new Int32Array(entries.length);
    const values = new Float64Array(entries.length);
    entries.forEach(([k, b], i) => {
      const t = typeof k === 'string' && /^\d+$/.test(k) ? Number(k) : k;
      if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t > 0x7fffffff)
        throw new SoftmaxKitError(
          'INVALID_PARAMETER',
          `${fn}: expected the keys of ${name} to be token indices, got ${describe(k)}`,
        );
      if (typeof b !== 'number' || Number.isNaN(b) || b === Number.POSITIVE_INFINITY)
        throw new SoftmaxKitError(
          b === Number.POSITIVE_INFINITY || Number.isNaN(b)
            ? 'NON_FINITE_PARAMETER'
            : 'INVALID_PARAMETER',
          `${fn}: expected ${name}[${t}] to be a finite number or -Infinity, got ${describe(b)}`,
        );
      tokens[i] = t;
      values[i] = b;
    });
    return { tokens, values };
  },
  { tokens: new Int32Array(0), values: new Float64Array(0) } as Bias,
);

function requireMask(fn: string, name: string, v: unknown): ArrayLike<number | boolean> {
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v) && v.every((b) => typeof b === 'boolean' || b === 0 || b === 1))
    return v as (number | boolean)[];
  throw new SoftmaxKitError(
    'INVALID_PARAMETER',
    `${fn}: expected ${name} to be a Uint8Array or boolean[] mask, got ${describe(v)}`,
  );
}

/** Throw TARGET_OUT_OF_RANGE unless every biased token is < n. */
export function checkBias(fn: string, tokens: Int32Array, n: number): void {
  for (const t of tokens)
    if (t >= n)
      throw new SoftmaxKitError(
        'TARGET_OUT_OF_RANGE',
        `${fn}: expected the biased tokens to be in [0, ${n}), got ${t}`,
      );
}

/** `allowed`: a mask (1/true = may be sampled) of length vocabulary or rows·vocabulary; optional. */
export const maskRule: Rule<ArrayLike<number | boolean> | undefined> = rule(requireMask);
/** `allowed`, required. */
export const requiredMaskRule: Rule<ArrayLike<number | boolean>> = { parse: requireMask };

/** The offset of row r's mask, checking its length against (rows, n). */
export function maskOffset(
  fn: string,
  mask: ArrayLike<unknown>,
  r: number,
  rows: number,
  n: number,
): number {
  if (mask.length === n) return 0;
  if (mask.length === rows * n) return r * n;
  throw new SoftmaxKitError(
    'SHAPE_MISMATCH',
    `${fn}: expected allowed to have length ${n} (the vocabulary) or ${rows * n} (rows × vocabulary), got ${mask.length}`,
  );
}
