// generated from src/kernels/wasm/assembly/index.ts by scripts/gen-wasm.mjs — do not edit
// SHA-256 of asc's shared-memory builds, which load.ts derives from the plain ones (see scripts/gen-wasm.mjs).

export const SIMD_SHARED_SHA256 = 'd09e696f913834f43c1998a17c048cfc909116b1f60f2854c9eea89e7bd99018';
export const RELAXED_SHARED_SHA256 = 'f4b24fca8e69a1c3ce1d61b2bcd514f14fbd2a26b350f87b70d23d549ef5ab24';
