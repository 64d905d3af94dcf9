/**
 * The WebAssembly kernels' exports (AssemblyScript; scripts/gen-wasm.mjs builds this entry
 * file): a plain list of re-exports, one line a module, so a new kernel adds one line.
 * Row kernels take byte addresses in the imported memory and return the number of rows
 * they flagged for the JS reference (see each module's doc).
 */
export { softmax_f32, softmax_f64, logSumExp_f32, logSumExp_f64, softmaxVjp_f32, softmaxVjp_f64 } from './softmax-rows';
export { crossEntropy_f32, crossEntropy_f64 } from './cross-entropy-rows';
export { splitStates_f64, expScaleRows_f64 } from './logit-tiles';
export { gemm, gemmWorkBytes } from './gemm';
export { setScratch } from './lanes-f32';
export { flashHead, flashWorkBytes } from './attention';
export { flashDecode } from './attention-decode';
export { flashVjpHead, flashVjpWorkBytes } from './attention-vjp';
export { temperatureRows_f32, temperatureRows_f64, temperatureStats_f32, temperatureStats_f64 } from './temperature';
export { route_f32, routeWorkBytes } from './routing';
export { topK_f32, topK_f64 } from './top-k';
export { exp_f32, expDiff_f32, exp_f64, log1p_f64 } from './test-hooks';
export { exp32Scalar, exp64Scalar, expDiff32Scalar } from './exp';
export { log1p64Scalar } from './log';
