/**
 * Logit rows as the samplers see them: any input (Float32Array, Float64Array,
 * number[], or a tensor `{ data, dims }` from transformers.js or onnxruntime —
 * float16 logits as a Uint16Array included) read one row at a time. A contiguous
 * float row is handed over as a view (no copy); a row along a strided axis, or a
 * float16 row, is converted into one row of scratch — never the whole batch.
 *
 * `position: 'last'` takes, of a [..., seq, vocabulary] tensor, only the last
 * position of each sequence (a causal LM's logits for the next token): rows are the
 * leading dimensions, and the other positions are never read.
 */
import { resultArray, toFloatArray } from '../tensor/arrays.js';
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import { type RowLayout, rowLayout } from '../tensor/layout.js';
import { oneOfRule, type Resolved, type Rules, resolveOptions } from '../tensor/options.js';
import type { ArrayInput, FloatArray } from '../tensor/types.js';

/** A tensor as transformers.js (`Tensor`) and onnxruntime (`Tensor`) hold it. */
export interface TensorLike {
  readonly data: Float32Array | Float64Array | Uint16Array | readonly number[];
  readonly dims: readonly number[];
  /** 'float16' marks a Uint16Array of half floats (the only Uint16Array accepted). */
  readonly type?: string;
}

/** Logits as `sample`, `createSampler`, `softmaxTopK` accept them. */
export type LogitsInput = ArrayInput | TensorLike;

/** Which positions of a [..., seq, vocabulary] tensor are rows: every one, or each sequence's last. */
export type LogitPosition = 'all' | 'last';

/** The `position` option: 'all' (default) or 'last'. */
export const positionRule = oneOfRule<LogitPosition>(['all', 'last'], 'all');

/** Rows of a logit tensor along its vocabulary axis. */
export class LogitRows {
  readonly layout: RowLayout;
  readonly rows: number;
  readonly n: number;
  /** Whether the input holds float32 (or float16) values. */
  readonly float32: boolean;
  /** After {@link read}: the row is a[o .. o + n). */
  a: ArrayLike<number>;
  o = 0;
  private readonly data: ArrayLike<number>;
  private readonly half: boolean;
  /** Positions per sequence with position 'last' (row r is layout row r·seq + seq − 1), else 1. */
  private readonly seq: number;
  private scratch: Float64Array | undefined;

  constructor(
    fn: string,
    x: unknown,
    shape: readonly number[] | undefined,
    axis: number,
    position: LogitPosition = 'all',
  ) {
    const { data, dims, half } = unwrap(fn, x);
    if (dims !== undefined && shape !== undefined && !sameShape(dims, shape))
      throw new SoftmaxKitError(
        'SHAPE_MISMATCH',
        `${fn}: expected shape to equal the tensor's dims ${describe(dims)}, got ${describe(shape)}`,
      );
    this.layout = rowLayout(fn, data.length, shape ?? dims, axis);
    const { shape: s, axis: a } = this.layout;
    if (position === 'last' && (s.length < 2 || a !== s.length - 1))
      throw new SoftmaxKitError(
        'INVALID_PARAMETER',
        `${fn}: expected position 'last' with logits of shape [..., seq, vocabulary] (the vocabulary on the last axis), got shape ${describe(s)} and axis ${axis}`,
      );
    this.seq = position === 'last' ? s[s.length - 2]! : 1;
    this.rows = this.seq === 0 ? 0 : (this.layout.outer * this.layout.inner) / this.seq;
    this.n = this.layout.n;
    this.data = data;
    this.half = half;
    this.float32 = half || data instanceof Float32Array;
    this.a = data;
  }

  /**
   * The rows as one float array when each is contiguous in it (vocabulary on the last
   * axis, not float16): row r is data[first + r·stride .. + n). Else undefined.
   */
  contiguous(): { data: Float32Array | Float64Array; first: number; stride: number } | undefined {
    const d = this.data;
    if (this.layout.inner !== 1 || !(d instanceof Float32Array || d instanceof Float64Array))
      return undefined;
    const { n } = this.layout;
    return { data: d, first: (this.seq - 1) * n, stride: this.seq * n };
  }

  /** Make row r readable as this.a[this.o .. this.o + n). */
  read(r: number): void {
    const { n, inner } = this.layout;
    const base = rowBase(this.layout, r * this.seq + this.seq - 1);
    if (inner === 1 && !this.half) {
      this.a = this.data;
      this.o = base;
      return;
    }
    const s = this.scratch ?? new Float64Array(n);
    this.scratch = s;
    const d = this.data;
    if (this.half) for (let i = 0; i < n; i++) s[i] = halfToFloat(d[base + i * inner]!);
    else for (let i = 0; i < n; i++) s[i] = d[base + i * inner]!;
    this.a = s;
    this.o = 0;
  }
}

/** Where element i of row r lives in the flat tensor of `layout`. */
/** A logits-in, logits-out call resolved: its options, its rows, and the result array (or `out`). */
export interface LogitCall<R extends Rules> {
  readonly o: Resolved<R>;
  /** The logits as a FloatArray. */
  readonly x: FloatArray;
  readonly rows: LogitRows;
  readonly y: FloatArray;
}

/** Resolve a filter's or penalty's options against `rules` (⊇ shape, axis, out), read the logits' rows, allocate y. */
export function logitCall<R extends Rules>(
  fn: string,
  x: ArrayInput,
  options: unknown,
  rules: R,
): LogitCall<R> {
  const o = resolveOptions(fn, options, rules);
  const { shape, axis, out } = o as { shape?: readonly number[]; axis: number; out?: FloatArray };
  const a = toFloatArray(fn, 'logits', x);
  const rows = new LogitRows(fn, a, shape, axis);
  return { o, x: a, rows, y: resultArray(fn, a, a.length, out) };
}

export function rowBase(layout: RowLayout, r: number): number {
  const o = Math.floor(r / layout.inner);
  return o * layout.n * layout.inner + (r - o * layout.inner);
}

function unwrap(
  fn: string,
  x: unknown,
): { data: ArrayLike<number>; dims: readonly number[] | undefined; half: boolean } {
  if (x instanceof Float32Array || x instanceof Float64Array)
    return { data: x, dims: undefined, half: false };
  if (Array.isArray(x))
    return { data: toFloatArray(fn, 'logits', x) as Float64Array, dims: undefined, half: false };
  if (x !== null && typeof x === 'object' && 'data' in x && 'dims' in x) {
    const t = x as TensorLike;
    const dims = t.dims;
    if (!Array.isArray(dims) || !dims.every((d) => Number.isInteger(d) && d >= 0))
      throw new SoftmaxKitError(
        'INVALID_SHAPE',
        `${fn}: expected the tensor's dims to be non-negative integers, got ${describe(dims)}`,
      );
    const d = t.data as unknown;
    if (d instanceof Float32Array || d instanceof Float64Array)
      return { data: d, dims, half: false };
    if (d instanceof Uint16Array && (t.type === undefined || t.type === 'float16'))
      return { data: d, dims, half: true };
    if (Array.isArray(d))
      return { data: toFloatArray(fn, 'logits.data', d) as Float64Array, dims, half: false };
    throw new SoftmaxKitError(
      'INVALID_INPUT',
      `${fn}: expected the tensor's data to be float32, float64 or float16 (Uint16Array), got ${describe(d)}${t.type === undefined ? '' : ` of type ${describe(t.type)}`}`,
    );
  }
  throw new SoftmaxKitError(
    'INVALID_INPUT',
    `${fn}: expected logits to be a Float32Array, Float64Array, number[] or a tensor { data, dims }, got ${describe(x)}`,
  );
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** IEEE 754 binary16 → number, exact (every half is a double). */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f === 0 ? s * Number.POSITIVE_INFINITY : Number.NaN;
  return s * (1024 + f) * 2 ** (e - 25);
}
