// generated from src/kernels/wasm/assembly/index.ts by scripts/gen-wasm.mjs — do not edit
// SHA-256 of asc's shared-memory builds, which load.ts derives from the plain ones (see scripts/gen-wasm.mjs).

export const SIMD_SHARED_SHA256 = '15c7f974c60e4f58c7e539220a7a1cfeb960898562c055554ae2575f9a86da7b';
export const RELAXED_SHARED_SHA256 = '031803db1186881b711bf7636d5c1b61979246f5f9206e78777872ba5e6c26cc';
