import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KERNELS_SIMD } from '../../../src/kernels/wasm/gen/kernels.js';
import { KERNELS_RELAXED } from '../../../src/kernels/wasm/gen/kernels-relaxed.js';
import {
  RELAXED_SHARED_SHA256,
  SIMD_SHARED_SHA256,
} from '../../../src/kernels/wasm/gen/shared-builds.js';
import { withSharedMemory } from '../../../src/kernels/wasm/shared-memory.js';
import { SoftmaxKitError } from '../../../src/tensor/errors.js';

describe('withSharedMemory', () => {
  it("derives asc's shared-memory builds byte for byte from the plain ones", () => {
    // the references are the SHA-256 of asc's own shared builds (scripts/gen-wasm.mjs)
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    const shared = (b64: string) => withSharedMemory(Buffer.from(b64, 'base64'), 65536);
    expect(sha(shared(KERNELS_SIMD))).toBe(SIMD_SHARED_SHA256);
    expect(sha(shared(KERNELS_RELAXED))).toBe(RELAXED_SHARED_SHA256);
  });

  it('the derived module instantiates over a shared memory only', () => {
    const module = new WebAssembly.Module(
      withSharedMemory(Buffer.from(KERNELS_SIMD, 'base64'), 64),
    );
    const abort = () => {};
    const shared = new WebAssembly.Memory({ initial: 32, maximum: 64, shared: true });
    expect(
      () => new WebAssembly.Instance(module, { env: { memory: shared, abort } }),
    ).not.toThrow();
    const plain = new WebAssembly.Memory({ initial: 32 });
    expect(() => new WebAssembly.Instance(module, { env: { memory: plain, abort } })).toThrow();
  });

  it('a module with no memory import has no shared variant (BACKEND_UNAVAILABLE)', () => {
    const empty = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
    expect(() => withSharedMemory(empty, 1)).toThrow(SoftmaxKitError);
  });
});
