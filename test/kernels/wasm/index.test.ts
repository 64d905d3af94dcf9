import { describe, expect, it } from 'vitest';
import { resolveBackend } from '../../../src/kernels/backend.js';
import * as wasm from '../../../src/kernels/wasm/index.js';

describe('the wasm public face (src/kernels/wasm/index.ts)', () => {
  it('importing it registers the wasm backend, fused attention kernels listed in it (no patching at import)', async () => {
    await wasm.wasmReady;
    const b = resolveBackend('test', 'wasm', 1000, true);
    expect(b).toBe(wasm.wasmBackend);
    expect(typeof b.flashAttention).toBe('function');
    expect(typeof b.flashAttentionVjp).toBe('function');
    expect(typeof b.gemm).toBe('function');
  });

  it('exports exactly the public names', () => {
    expect(Object.keys(wasm).sort()).toEqual(
      ['freeWasmArray', 'initWasm', 'wasmArray', 'wasmBackend', 'wasmFeatures', 'wasmReady'].sort(),
    );
  });
});
