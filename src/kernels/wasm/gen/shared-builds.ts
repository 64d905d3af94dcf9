// generated from src/kernels/wasm/assembly/index.ts by scripts/gen-wasm.mjs — do not edit
// SHA-256 of asc's shared-memory builds, which load.ts derives from the plain ones (see scripts/gen-wasm.mjs).

export const SIMD_SHARED_SHA256 = 'cd126b2f2a5937f13250f48dba3c47888de273c80602875dbc3919692e2625a5';
export const RELAXED_SHARED_SHA256 = 'fb0ed416d2ab388a38745712558872a8d77a3d31d25e75f53837fec793056bf9';
