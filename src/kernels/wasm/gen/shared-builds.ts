// generated from src/kernels/wasm/assembly/index.ts by scripts/gen-wasm.mjs — do not edit
// SHA-256 of asc's shared-memory builds, which load.ts derives from the plain ones (see scripts/gen-wasm.mjs).

export const SIMD_SHARED_SHA256 = 'f292284ee952833648d16d569c811bafb65cf8899e88b39ee8e50819a3c5f99c';
export const RELAXED_SHARED_SHA256 = 'f2376d1eb76d070b7406cad6f260035188f3021ed8ba511c6e2031cd4100a3d7';
