/**
 * Relaxed SIMD where the engine has it: the Float32 softmax and logSoftmax
 * shapes again, in a process with V8's relaxed SIMD switched on (Node 20 hides it behind
 * --experimental-wasm-relaxed-simd; V8 ≥ 11.4 — Node 22, Chrome 114 — ships it), so
 * softmax-kit loads its relaxed build (fused multiply-adds in the exp polynomial). TF.js
 * wasm and onnxruntime-node run unchanged in the same process, so the ratios are
 * same-run ratios. The flag is set before softmax-kit is imported (loadSoftmaxKit
 * imports it dynamically), as the flag must be on when the module is validated.
 */
import v8 from 'node:v8';
import { measureShape, SHAPES } from './softmax.js';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const KEEP = new Set([
  'softmax-kit wasm',
  'softmax-kit wasm in-place (wasmArray)',
  'TF.js wasm',
  'onnxruntime-node',
]);

export const ids = (quick) => (quick ? [] : SHAPES.map(([r, n]) => `softmax-relaxed/${r}x${n}`));

export async function run(id, { quick }) {
  const [rows, n] = id.split('/')[1].split('x').map(Number);
  const { tables, ctx } = await measureShape(rows, n, {
    quick,
    float32Only: true,
    keep: (name) => KEEP.has(name),
  });
  return {
    id,
    rows,
    n,
    elements: rows * n,
    tables,
    notes: { tfWasm: ctx.tf.wasmFlags, relaxedSimd: ctx.kit.lib.wasmFeatures().relaxedSimd },
  };
}
