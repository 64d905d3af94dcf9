// generated from src/kernels/wasm/assembly/index.ts by scripts/gen-wasm.mjs — do not edit
// SHA-256 of asc's shared-memory builds, which load.ts derives from the plain ones (see scripts/gen-wasm.mjs).

export const SIMD_SHARED_SHA256 = 'b525d563d9d0154e479a8b406567c6048018a03bb04ca75de8bfbfb839ba89ed';
export const RELAXED_SHARED_SHA256 = '1e94e1fe108939f051b4a8a6a76858549c0e9dea8932e22181bcdcaf79597b07';
