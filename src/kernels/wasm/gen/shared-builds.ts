// generated from src/kernels/wasm/assembly/index.ts by scripts/gen-wasm.mjs — do not edit
// SHA-256 of asc's shared-memory builds, which load.ts derives from the plain ones (see scripts/gen-wasm.mjs).

export const SIMD_SHARED_SHA256 = 'fdee61b48a9124b8f9aa942f83e9ed6715ccd8205bcb82d4a739e8456cc89e2f';
export const RELAXED_SHARED_SHA256 = 'd5994589e618c405596038b8ca24114aff38b04fbce41ec827764eb907ba5f4b';
