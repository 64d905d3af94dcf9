/**
 * The WebAssembly SIMD backend's public face: importing this module loads the
 * kernels (synchronously in Node) and registers the 'wasm' backend, with the
 * fused attention kernels.
 */
import './attention.js'; // adds the fused attention kernels to the backend
import './top-k.js'; // adds the fused top-k kernel to the backend

export { wasmBackend } from './backend.js';
export { initWasm } from './init.js';
export { type InitWasmOptions, type WasmFeatures, wasmFeatures, wasmReady } from './load.js';
export { freeWasmArray, wasmArray } from './memory.js';
