// generated from src/kernels/wasm/assembly/index.ts by scripts/gen-wasm.mjs — do not edit
// SHA-256 of asc's shared-memory builds, which load.ts derives from the plain ones (see scripts/gen-wasm.mjs).

export const SIMD_SHARED_SHA256 = '35442e079935d59ee5140600e2b360fb895053a2c88ffe8518a982324bb58b74';
export const RELAXED_SHARED_SHA256 = 'a6a56ce56c4c97e404deeba74abcf2b15659eadbc7457c68597ac0a30b784098';
