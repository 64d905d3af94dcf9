import { toFloatArray } from '../tensor/arrays.js';
import { describe, SoftmaxKitError } from '../tensor/errors.js';
import type { ArrayInput, FloatArray } from '../tensor/types.js';
import { requireNumber } from '../tensor/validate.js';
import type { AttentionOptions } from './options.js';

/** A mask with its broadcast strides over [batch, heads, queries, keys]. */
export interface ResolvedMask {
  readonly boolean: Uint8Array | null;
  readonly additive: FloatArray | null;
  readonly strides: readonly [number, number, number, number];
}

/** Throws SHAPE_MISMATCH naming `name` unless a holds `expected` entries. */
export function lengthOf(fn: string, name: string, a: ArrayLike<unknown>, expected: number): void {
  if (a.length !== expected)
    throw new SoftmaxKitError(
      'SHAPE_MISMATCH',
      `${fn}: expected ${name} to have length ${expected}, got ${a.length}`,
    );
}

/** An optional array option read as Float32/Float64 of the expected length, or null. */
export function optionalArray(
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

/** The array unless it holds NaN or ±∞ (INVALID_PARAMETER naming `name`). */
export function finiteArray(fn: string, name: string, a: FloatArray | null): FloatArray | null {
  if (a !== null)
    for (let i = 0; i < a.length; i++)
      if (!Number.isFinite(a[i]!))
        throw new SoftmaxKitError(
          'NON_FINITE_PARAMETER',
          `${fn}: expected ${name}[${i}] to be finite, got ${a[i]}`,
        );
  return a;
}

/** The mask option checked against [batch, heads, queries, keys], with its broadcast strides. */
export function resolveMask(
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

/** keyLengths: one integer in [0, keys] per batch item, or null. */
export function resolveKeyLengths(
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

/** logForget [batch·heads, keys] as running sums per row (the bias is a difference of two). */
export function forgetCumsum(fn: string, x: ArrayInput | undefined, rows: number, keys: number) {
  const a = finiteArray(fn, 'logForget', optionalArray(fn, 'logForget', x, rows * keys));
  if (a === null) return null;
  const c = new Float64Array(a.length);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let t = r * keys; t < (r + 1) * keys; t++) c[t] = s += a[t]!;
  }
  return c;
}
