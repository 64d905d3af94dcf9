/**
 * A stand-in for the WebAssembly backend (not loaded in the normalizer suites): the
 * JavaScript backend registered under 'wasm', preferring Float32 rows and counting its
 * softmax calls, so a test can see which rows a normalizer hands to which backend.
 */
import { type Backend, jsBackend, registerBackend } from '../../src/kernels/backend.js';

export function registerCountingWasmStandIn(): { calls: number } {
  const counter = { calls: 0 };
  registerBackend({
    ...jsBackend,
    name: 'wasm',
    prefers: (_n: number, float32: boolean) => float32,
    softmax: (a: Parameters<Backend['softmax']>[0]) => {
      counter.calls++;
      jsBackend.softmax(a);
    },
  } as Backend);
  return counter;
}
