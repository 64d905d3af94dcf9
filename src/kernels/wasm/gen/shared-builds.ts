// generated from src/kernels/wasm/assembly/index.ts by scripts/gen-wasm.mjs — do not edit
// SHA-256 of asc's shared-memory builds, which load.ts derives from the plain ones (see scripts/gen-wasm.mjs).

export const SIMD_SHARED_SHA256 = '1140c07274b965840580bb3a037f59795da9f35aefd6f090577692a5675a463a';
export const RELAXED_SHARED_SHA256 = 'c0aad25cebee5c18ceb62d92cab101dccbe6fc27c53ca3450f91f6c0979a829c';
