// generated from src/kernels/wasm/assembly/index.ts by scripts/gen-wasm.mjs — do not edit
// SHA-256 of asc's shared-memory builds, which load.ts derives from the plain ones (see scripts/gen-wasm.mjs).

export const SIMD_SHARED_SHA256 = 'cfa72c521a90e042b1b2dd3b9c40253477d8e541195442b39c0d52c94f7d438d';
export const RELAXED_SHARED_SHA256 = '276fb41a29f3e38277be6b77f78610abc9fd216412d12b5932704e052996ab6e';
