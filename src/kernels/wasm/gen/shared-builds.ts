// generated from src/kernels/wasm/assembly/index.ts by scripts/gen-wasm.mjs — do not edit
// SHA-256 of asc's shared-memory builds, which load.ts derives from the plain ones (see scripts/gen-wasm.mjs).

export const SIMD_SHARED_SHA256 = '8dab63b58e1fe0004550432199f273884c1e3106efe0c006510f8ad99eeba462';
export const RELAXED_SHARED_SHA256 = '8145c8ea444cb9f51428c3058796b4ae5fbc38548315ba68207851faa8e7e080';
