// generated from src/kernels/wasm/assembly/index.ts by scripts/gen-wasm.mjs — do not edit
// SHA-256 of asc's shared-memory builds, which load.ts derives from the plain ones (see scripts/gen-wasm.mjs).

export const SIMD_SHARED_SHA256 = '2bf5c95fdf96ef5c094ea763151f9217eeea06c1c3899251f695404a12fcb2de';
export const RELAXED_SHARED_SHA256 = 'b7d2c60dc356935120d5da03ae017ec37b0b34c672b052b6aaa39328d8a6fd7e';
