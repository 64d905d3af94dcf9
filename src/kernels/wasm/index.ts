/**
 * The WebAssembly SIMD backend's public face: importing this module loads the
 * kernels (synchronously in Node) and registers the 'wasm' backend, with the
 * fused attention kernels.
 */
import './attention.js'; // adds the fused attention kernels to the backend
import './routing.js'; // the fused token-choice routing
import './temperature.js'; // and temperature scaling's passes

export { wasmBackend } from './backend.js';
export { initWasm } from './init.js';
export { type InitWasmOptions, type WasmFeatures, wasmFeatures, wasmReady } from './load.js';
export { freeWasmArray, wasmArray } from './memory.js';
