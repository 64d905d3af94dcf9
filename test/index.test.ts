/**
 * src/index.ts only re-exports; every function is tested in its own file. Here: the
 * package root holds every name of the SPEC's public API contract (a named export of
 * the root, as the SPEC requires), each a function or the documented value.
 */
import { describe, expect, it } from 'vitest';
import * as root from '../src/index.js';
import { SPEC_NORMALIZERS, SPEC_SUBPATHS } from './helpers/subpath.js';

const SPEC_FUNCTIONS = [
  ...SPEC_NORMALIZERS.flatMap((f) => [f, `${f}Vjp`]),
  'logSumExp',
  ...Object.values(SPEC_SUBPATHS).flat(),
];

describe('softmax-kit (the package root)', () => {
  const r = root as Record<string, unknown>;
  it('exports every function of the SPEC', () => {
    const missing = SPEC_FUNCTIONS.filter((name) => typeof r[name] !== 'function');
    expect(missing).toEqual([]);
    expect(SPEC_FUNCTIONS.length).toBeGreaterThan(70);
  });
  it('exports SoftmaxKitError as an Error class and the normalizer registry', () => {
    expect(new root.SoftmaxKitError('INVALID_INPUT', 'm')).toBeInstanceOf(Error);
    expect(Object.keys(root.normalizers)).toContain('sparsemax');
    expect(root.normalizers.softmax.forward).toBe(root.softmax);
  });
});
