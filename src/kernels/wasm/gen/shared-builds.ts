// generated from src/kernels/wasm/assembly/index.ts by scripts/gen-wasm.mjs — do not edit
// SHA-256 of asc's shared-memory builds, which load.ts derives from the plain ones (see scripts/gen-wasm.mjs).

export const SIMD_SHARED_SHA256 = '846adb2e508568c0088cb324acd0a8e454f3715ee5aaf2aa576014b241388388';
export const RELAXED_SHARED_SHA256 = '881e8c43330a12b78e56d5fd567f4ff1d00e6bf9d25cc57f830b579722f4bb3d';
