/**
 * The linear cross-entropy suite again, with the WebAssembly kernels live: the tile
 * products (gemm) and the tile exponentials (splitStateRows, expScaleRows) then run in
 * WebAssembly, and every check of linear-cross-entropy.test.ts must hold as well.
 */
import { expect, it } from 'vitest';
import { gemmBackend } from '../../src/kernels/backend.js';
import '../../src/kernels/wasm/backend.js';
import { loadWasmSync } from '../../src/kernels/wasm/load.js';

loadWasmSync();

it('the WebAssembly backend takes the tiles', () => {
  expect(gemmBackend()?.name).toBe('wasm');
  expect(gemmBackend()?.splitStateRows).toBeTypeOf('function');
});

await import('./linear-cross-entropy.test.js');
