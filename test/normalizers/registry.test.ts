/**
 * The normalizer registry: the SPEC's normalizers by name, each entry's forward and
 * vjp the public functions themselves (so a caller taking a normalizer by name gets
 * exactly what it would call directly). The math of each is tested in its own file.
 */
import { describe, expect, it } from 'vitest';
import * as root from '../../src/index.js';
import { normalizers } from '../../src/normalizers/registry.js';
import { SPEC_NORMALIZERS } from '../helpers/subpath.js';

describe('normalizers (the registry)', () => {
  it("holds exactly the SPEC's normalizers", () => {
    expect(Object.keys(normalizers).sort()).toEqual([...SPEC_NORMALIZERS].sort());
  });
  it('maps each name to the public forward and vjp functions', () => {
    const r = root as unknown as Record<string, unknown>;
    for (const name of SPEC_NORMALIZERS) {
      const e = normalizers[name as keyof typeof normalizers];
      expect(e.forward).toBe(r[name]);
      expect(e.vjp).toBe(r[`${name}Vjp`]);
    }
  });
  it('an entry computes what its function computes', () => {
    const x = [0.3, -1, 2];
    expect(Array.from(normalizers.sparsemax.forward(x))).toEqual(Array.from(root.sparsemax(x)));
  });
});
