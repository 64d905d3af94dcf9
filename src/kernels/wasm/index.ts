/**
 * The WebAssembly SIMD backend's public face: importing this module loads the
 * kernels (synchronously in Node) and registers the 'wasm' backend (./backend.ts),
 * fused attention kernels included.
 */
export { wasmBackend } from './backend.js';
export { initWasm } from './init.js';
export { type InitWasmOptions, type WasmFeatures, wasmFeatures, wasmReady } from './load.js';
export { freeWasmArray, wasmArray } from './memory.js';
