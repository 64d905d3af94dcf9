// generated from src/kernels/wasm/assembly/index.ts by scripts/gen-wasm.mjs — do not edit
// SHA-256 of asc's shared-memory builds, which load.ts derives from the plain ones (see scripts/gen-wasm.mjs).

export const SIMD_SHARED_SHA256 = '5c3a1efa1a0b7036d2674218ba621b33eef6a5b16c055fb2872f900f66bd251a';
export const RELAXED_SHARED_SHA256 = '99248268e56cfab0e80a7495e696e39e985107a37e4292cc6109af7b1af05fb5';
