import { describe, expect, it } from 'vitest';
import {
  type Backend,
  gemmBackend,
  jsBackend,
  registerBackend,
  resolveBackend,
} from '../../src/kernels/backend.js';

// The JavaScript kernels themselves are tested in test/kernels/js/; the wasm backend in wasm/.

describe('backend registry', () => {
  it('js is the reference: chosen by name and by auto when nothing else prefers the size', () => {
    expect(resolveBackend('f', 'js', 10, false)).toBe(jsBackend);
    expect(resolveBackend('f', undefined, 1e9, false).name).toMatch(/js|wasm/);
    expect(() => resolveBackend('f', 'gpu' as never, 1, false)).toThrow(
      /^f: expected backend to be one of 'auto', 'js', 'wasm'/,
    );
  });

  it('every method takes one argument object (kernel-args.ts)', () => {
    for (const m of ['softmax', 'softmaxVjp', 'logSumExp', 'crossEntropy'] as const)
      expect(jsBackend[m].length, m).toBe(1);
  });

  it('registering a name twice throws; gemmBackend finds a registered gemm', () => {
    expect(() => registerBackend(jsBackend)).toThrow(/already registered/);
    const fake: Backend = { ...jsBackend, name: 'wasm', gemm: () => false };
    if (gemmBackend() === undefined) {
      registerBackend(fake);
      expect(gemmBackend()).toBe(fake);
      expect(resolveBackend('f', 'wasm', 1, false)).toBe(fake);
    }
  });
});
