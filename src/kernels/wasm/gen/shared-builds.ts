// generated from src/kernels/wasm/assembly/index.ts by scripts/gen-wasm.mjs — do not edit
// SHA-256 of asc's shared-memory builds, which load.ts derives from the plain ones (see scripts/gen-wasm.mjs).

export const SIMD_SHARED_SHA256 = '611bbb09c3468d092545813a81af8e008548b4decbdd406bc89f759a97f37d90';
export const RELAXED_SHARED_SHA256 = '1dfc71eb2f05fa5d7e68c220a1e93846cfe6de10908981d43c25c8ccfd41ff01';
