// generated from src/kernels/wasm/assembly/index.ts by scripts/gen-wasm.mjs — do not edit
// SHA-256 of asc's shared-memory builds, which load.ts derives from the plain ones (see scripts/gen-wasm.mjs).

export const SIMD_SHARED_SHA256 = '6d920e70d9ae137435396d938a1713a0fc7f1caaf6c7d9846ae91350d2e684d8';
export const RELAXED_SHARED_SHA256 = '23e858e730af20a4615e1537a2366cff57bdded076e7b2603db185ef2cd8d583';
