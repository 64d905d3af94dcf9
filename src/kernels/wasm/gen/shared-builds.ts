// generated from src/kernels/wasm/assembly/index.ts by scripts/gen-wasm.mjs — do not edit
// SHA-256 of asc's shared-memory builds, which load.ts derives from the plain ones (see scripts/gen-wasm.mjs).

export const SIMD_SHARED_SHA256 = '1e186f3323f15581dcbe6c96dcfa0d3bd6c4fc0046520be12826bfc5f76af67b';
export const RELAXED_SHARED_SHA256 = 'cc85dd9e215aff822672916b41d1c0563450a05dd6346b8fc9f7832c6d0ee55a';
