// generated from src/kernels/wasm/assembly/index.ts by scripts/gen-wasm.mjs — do not edit
// SHA-256 of asc's shared-memory builds, which load.ts derives from the plain ones (see scripts/gen-wasm.mjs).

export const SIMD_SHARED_SHA256 = 'ec44c1f64a827d2d241e43b0a943d34b3cd782045052cf5b912ad8f7cd749bd3';
export const RELAXED_SHARED_SHA256 = '944bfa30f8685bb1532674b3e628880f0bc83d4f8f1309d6faac199310799f2c';
