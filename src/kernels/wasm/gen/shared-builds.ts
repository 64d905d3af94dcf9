// generated from src/kernels/wasm/assembly/index.ts by scripts/gen-wasm.mjs — do not edit
// SHA-256 of asc's shared-memory builds, which load.ts derives from the plain ones (see scripts/gen-wasm.mjs).

export const SIMD_SHARED_SHA256 = '7c62550264813d44be48a25983e03c18c0a2974d90e6cf5017ebbaf140f44f17';
export const RELAXED_SHARED_SHA256 = 'd84116a58801a7542251d8800ea0dd912810eb0315b78b85c2212ced688fc511';
