import { describe, SoftmaxKitError } from './errors.js';

/** Bounds for {@link requireNumber}: strict or inclusive, each optional. */
export interface NumberBounds {
  greaterThan?: number;
  atLeast?: number;
  lessThan?: number;
  atMost?: number;
  integer?: boolean;
}

/**
 * Check a numeric parameter: a finite number within the bounds.
 * Throws NON_FINITE_PARAMETER for NaN/±∞ and INVALID_PARAMETER otherwise.
 */
export function requireNumber(
  fn: string,
  name: string,
  value: unknown,
  bounds: NumberBounds = {},
): number {
  if (typeof value !== 'number')
    throw new SoftmaxKitError(
      'INVALID_PARAMETER',
      `${fn}: expected ${name} to be a number, got ${describe(value)}`,
    );
  if (!Number.isFinite(value))
    throw new SoftmaxKitError(
      'NON_FINITE_PARAMETER',
      `${fn}: expected ${name} to be finite, got ${value}`,
    );
  const fail = (what: string) =>
    new SoftmaxKitError('INVALID_PARAMETER', `${fn}: expected ${name} ${what}, got ${value}`);
  if (bounds.integer && !Number.isInteger(value)) throw fail('to be an integer');
  if (bounds.greaterThan !== undefined && !(value > bounds.greaterThan))
    throw fail(`> ${bounds.greaterThan}`);
  if (bounds.atLeast !== undefined && !(value >= bounds.atLeast))
    throw fail(`>= ${bounds.atLeast}`);
  if (bounds.lessThan !== undefined && !(value < bounds.lessThan))
    throw fail(`< ${bounds.lessThan}`);
  if (bounds.atMost !== undefined && !(value <= bounds.atMost)) throw fail(`<= ${bounds.atMost}`);
  return value;
}

/** Check that a string option is one of the allowed literals. */
export function requireOneOf<T extends string>(
  fn: string,
  name: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value))
    return value as T;
  throw new SoftmaxKitError(
    'INVALID_PARAMETER',
    `${fn}: expected ${name} to be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`,
  );
}

/** Check a boolean option. */
export function requireBoolean(fn: string, name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  throw new SoftmaxKitError(
    'INVALID_PARAMETER',
    `${fn}: expected ${name} to be a boolean, got ${describe(value)}`,
  );
}
