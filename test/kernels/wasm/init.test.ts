import { describe, expect, it } from 'vitest';
import { initWasm } from '../../../src/kernels/wasm/init.js';
import { SoftmaxKitError } from '../../../src/tensor/errors.js';

describe('initWasm options (regression, issue 15)', () => {
  it('null, unknown keys and wrong types reject with a SoftmaxKitError naming initWasm', async () => {
    for (const bad of [null, 3, { relaxedSIMD: true }, { sharedMemory: 'yes' }]) {
      const e = await initWasm(bad as never).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(SoftmaxKitError);
      expect((e as Error).message).toMatch(/^initWasm: /);
    }
    const e = await initWasm({ relaxedSIMD: true } as never).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/did you mean 'relaxedSimd'/);
  });
  it('no options reuse the live instance', async () => {
    const k = await initWasm();
    expect(await initWasm()).toBe(k);
    expect(await initWasm({})).toBe(k);
  });
});
