// generated from src/kernels/wasm/assembly/index.ts by scripts/gen-wasm.mjs — do not edit
// SHA-256 of asc's shared-memory builds, which load.ts derives from the plain ones (see scripts/gen-wasm.mjs).

export const SIMD_SHARED_SHA256 = 'e7e4fad0fb032cab7da5e25fe994cc8dc636da7bbb04c46c363594c0dea283a9';
export const RELAXED_SHARED_SHA256 = '50dbb25def60aca46dcb9b76c6f506c7cd13d663727c06479b75d7f598bb01d1';
