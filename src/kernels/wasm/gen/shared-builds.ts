// generated from src/kernels/wasm/assembly/index.ts by scripts/gen-wasm.mjs — do not edit
// SHA-256 of asc's shared-memory builds, which load.ts derives from the plain ones (see scripts/gen-wasm.mjs).

export const SIMD_SHARED_SHA256 = 'ff6dd9c2a2bcf7945364adc5c9e39a55b5adb9814c84376c1f04300617fd10ee';
export const RELAXED_SHARED_SHA256 = '77eeeb53acddce886fa89f8c000a20db92ad18fb73091c5bb2b374316908cac8';
